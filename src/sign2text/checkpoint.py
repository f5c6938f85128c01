"""Portable checkpoints: tensors and plain values only, loadable with weights_only=True."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from sign2text import atomic
from sign2text.config import Config, from_saved, to_dict
from sign2text.layouts import Layout
from sign2text.model import Translator
from sign2text.readers.base import InputError
from sign2text.tokenizer import Tokenizer, tokenizer_from_bytes

FORMAT = "sign2text-checkpoint"
VERSION = 1


@dataclass
class Loaded:
    """What a checkpoint holds, rebuilt."""

    model: Translator
    config: Config
    tokenizer: Tokenizer
    source: Layout  # the layout of the clips the model was trained on
    layout: Layout  # the points the model reads
    points: list[int]  # their positions in `source`
    info: dict[str, Any]


def save(
    path: str | Path,
    model: Translator,
    config: Config,
    tokenizer: Tokenizer,
    source: Layout,
    layout: Layout,
    points: list[int],
    features: int,
    info: dict[str, Any],
) -> None:
    """Write a checkpoint atomically (a crash mid-write leaves the previous file intact)."""
    state = {
        "format": FORMAT,
        "version": VERSION,
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "config": to_dict(config),
        "tokenizer": {"kind": tokenizer.kind, "data": tokenizer.to_bytes()},
        "source": source.to_dict(),
        "layout": layout.to_dict(),
        "points": list(points),
        "features": features,
        "vocab_size": len(tokenizer),
        "info": info,
    }
    with atomic.atomic_path(path) as tmp:
        torch.save(state, tmp)


def load(path: str | Path, device: str | torch.device = "cpu") -> Loaded:
    """Rebuild model, config and tokenizer from a checkpoint, without unpickling objects."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "checkpoint not found", "train a model first or check the path")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:  # torch raises several types for damaged files
        raise InputError(
            path, f"not a readable checkpoint ({error})", "use last_checkpoint.pt or retrain"
        ) from error
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise InputError(path, "not a sign2text checkpoint", "pass a best_checkpoint.pt file")
    config = from_saved(state["config"])
    tokenizer = tokenizer_from_bytes(state["tokenizer"]["kind"], state["tokenizer"]["data"])
    model = Translator.build(config, state["features"], state["vocab_size"]).to(device)
    model.load_state_dict(state["model"])
    model.eval()
    return Loaded(
        model,
        config,
        tokenizer,
        Layout.from_dict(state["source"]),
        Layout.from_dict(state["layout"]),
        state["points"],
        state["info"],
    )
