"""Shared helpers of the benchmarks: machine description and How2Sign-shaped prepared data."""

from __future__ import annotations

import json
import os
import platform
import resource
from pathlib import Path

import numpy as np
import torch

from sign2text.data.synth.corpus import sample_lengths


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cores": str(os.cpu_count()),
        "torch threads": str(torch.get_num_threads()),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def how2sign_like_prepared(
    folder: Path, clips: int, seed: int = 0, words: int = 8000, sentence_words: int = 15
) -> Path:
    """A prepared dataset of random keypoints with How2Sign's clip lengths and ~15-word
    sentences over a `words`-word vocabulary (train = `clips` clips, val = 32)."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(words)]
    meta_splits = {}
    for split, count in (("train", clips), ("val", 32)):
        lengths = sample_lengths("how2sign", seed + len(split), count)
        frames = np.lib.format.open_memmap(
            folder / f"{split}.npy", mode="w+", dtype=np.float32, shape=(int(lengths.sum()), 137, 3)
        )
        lines, start = [], 0
        for i, length in enumerate(lengths.tolist()):
            block = rng.uniform(200, 900, (length, 137, 3)).astype(np.float32)
            block[..., 2] = rng.uniform(0.3, 1.0, (length, 137))
            frames[start : start + length] = block
            sentence = " ".join(rng.choice(vocabulary, sentence_words)) + "."
            lines.append(
                json.dumps(
                    {
                        "name": f"{split}{i}",
                        "start": start,
                        "frames": length,
                        "sentence": sentence,
                        "signer": "s",
                    }
                )
            )
            start += length
        frames.flush()
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
        meta_splits[split] = {"clips": count, "frames": start}
    from sign2text.data.layouts import OPENPOSE_137

    meta = {
        "format_version": 1,
        "layout": OPENPOSE_137.to_dict(),
        "fps": 24.0,
        "points": 137,
        "values": 3,
        "splits": meta_splits,
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


def table(rows: list[dict[str, object]]) -> str:
    """A Markdown table of `rows` (dicts with the same keys)."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    return "\n".join(lines)


def print_results(rows: list[dict[str, object]], *notes: str) -> None:
    """The machine, then `notes` (what was measured), then the rows as a table."""
    print(json.dumps(machine()))
    for note in notes:
        print(note)
    print(table(rows))


def write_results(path: str | None, rows: list[dict[str, object]], **extra: object) -> None:
    """The machine, the table's rows and `extra` figures as JSON at `path` (none: nothing)."""
    if path:
        Path(path).write_text(json.dumps({"machine": machine(), "rows": rows, **extra}, indent=2))
