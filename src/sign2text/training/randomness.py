"""Random-number states: those of the training process, saved with a resume point and restored
from it, and the seeds of data-loading workers, fixed by (seed, epoch, rank, worker)."""

from __future__ import annotations

import random
from typing import Any, Protocol

import numpy as np
import torch


def states() -> dict[str, Any]:
    """Every global random-number state of this process (Python, NumPy, torch CPU and CUDA),
    as plain values and tensors: a checkpoint holding them loads with weights_only=True."""
    kind, keys, position, has_gauss, cached = np.random.get_state()
    saved: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), position, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        saved["cuda"] = torch.cuda.get_rng_state_all()
    return saved


def restore(saved: dict[str, Any]) -> None:
    """Put back the states `states()` returned."""
    version, internal, gauss = saved["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached = saved["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
    torch.set_rng_state(saved["torch"])
    if "cuda" in saved and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(saved["cuda"])


def worker_seed(seed: int, epoch: int, rank: int, worker: int) -> int:
    """A 64-bit seed for data-loading worker `worker` of process `rank` in epoch `epoch`."""
    entropy = np.random.SeedSequence([seed, epoch, rank, worker]).generate_state(2, np.uint64)
    return int(entropy[0]) & ((1 << 63) - 1)


class HasEpoch(Protocol):
    epoch: int


def seed_worker(seed: int, sampler: HasEpoch, rank: int, worker: int) -> None:
    """A DataLoader's `worker_init_fn` (bound to the first three arguments): seeds the worker's
    Python, NumPy and torch generators from the epoch its batch sampler is in, so a resumed
    run's workers draw what the uninterrupted run's drew."""
    value = worker_seed(seed, sampler.epoch, rank, worker)
    random.seed(value)
    np.random.seed(value % 2**32)
    torch.manual_seed(value)


def loader_generator(seed: int) -> torch.Generator:
    """A DataLoader's own generator: making its iterators then draws nothing from the global
    torch generator, which a resumed run would otherwise find one draw off."""
    return torch.Generator().manual_seed(seed)
