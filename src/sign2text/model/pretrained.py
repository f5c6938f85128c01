"""Pretrained encoders: the checkpoint `pretrain` writes, and starting a translator's encoder
from it (or from any sign2text checkpoint) once its input and sizes are checked to match."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from sign2text.config import Config, ConfigError, from_saved, to_dict
from sign2text.data.layouts import Layout
from sign2text.errors import InputError
from sign2text.model.checkpoint import ENCODER_FORMAT, FORMAT, read_state, write_state
from sign2text.model.translator import Translator

log = logging.getLogger(__name__)

VERSION = 1
BEST_FILE = "best_checkpoint.pt"  # what a run folder passed to --init is read from
# The model sizes an encoder's weights depend on (the decoder's do not matter).
ENCODER_SIZES = ("d_model", "heads", "ff", "encoder_layers", "downsample", "kernel",
                 "norm_first", "positions", "input_norm")  # fmt: skip
# How keypoints become features: the same weights mean something else if these differ.
FEATURE_SETTINGS = ("points", "normalize", "centre", "hands")
INIT_FIX = "pass a pretrain run folder, its best_checkpoint.pt, or a train run's checkpoint"


@dataclass(frozen=True)
class PretrainedEncoder:
    """What an encoder checkpoint (or a translator's checkpoint) gives to start from."""

    path: Path
    state: dict[str, torch.Tensor]  # the encoder's weights, named as in a Translator
    config: Config
    layout: Layout  # the points it reads
    features: int
    info: dict[str, Any]


def save_encoder(
    path: str | Path,
    model: Translator,
    head: torch.nn.Module,
    config: Config,
    source: Layout,
    layout: Layout,
    points: list[int],
    features: int,
    info: dict[str, Any],
) -> None:
    """Write a pretrained encoder (and its prediction head) atomically, weights-only."""
    write_state(
        path,
        {
            "format": ENCODER_FORMAT,
            "version": VERSION,
            "encoder": {k: v.detach().cpu() for k, v in model.encoder_state().items()},
            "head": {k: v.detach().cpu() for k, v in head.state_dict().items()},
            "config": to_dict(config),
            "source": source.to_dict(),
            "layout": layout.to_dict(),
            "points": list(points),
            "features": features,
            "info": info,
        },
    )


def read_encoder(path: str | Path) -> PretrainedEncoder:
    """The encoder in a pretrain run folder (its best checkpoint), an encoder checkpoint, or
    a translator's checkpoint (its encoder part)."""
    path = Path(path)
    if path.is_dir():
        path = path / BEST_FILE
    state = read_state(path, INIT_FIX)
    kind = state.get("format")
    if kind not in (ENCODER_FORMAT, FORMAT):
        raise InputError(path, "not a sign2text checkpoint", INIT_FIX)
    try:
        config = from_saved(state["config"])
        if kind == ENCODER_FORMAT:
            weights = dict(state["encoder"])
        else:  # a translator: its encoder part
            model = Translator.build(config, state["features"], state["vocab_size"])
            model.load_state_dict(state["model"])
            weights = model.encoder_state()
        layout = Layout.from_dict(state["layout"])
        return PretrainedEncoder(path, weights, config, layout, state["features"], state["info"])
    except (ConfigError, KeyError, TypeError, ValueError, RuntimeError) as error:
        problem = f"a damaged sign2text checkpoint ({type(error).__name__}: {error})"
        raise InputError(path, problem, INIT_FIX) from error


Difference = tuple[str, Any, Any]  # (setting, the encoder's value, this config's)


def _differences(
    source: PretrainedEncoder, config: Config, layout: Layout, features: int
) -> list[Difference]:
    """The settings in which the encoder `source` holds and the one `config` builds differ."""
    sections = (("data", FEATURE_SETTINGS), ("model", ENCODER_SIZES))
    found: list[Difference] = []
    for section, keys in sections:
        theirs, ours = getattr(source.config, section), getattr(config, section)
        found += [
            (f"{section}.{key}", getattr(theirs, key), getattr(ours, key))
            for key in keys
            if getattr(theirs, key) != getattr(ours, key)
        ]
    if not found and source.layout.points != layout.points:
        found.append(("the layout", source.layout.name, layout.name))
    if not found and source.features != features:
        found.append(("input features", source.features, features))
    return found


def init_encoder(
    model: Translator, path: str | Path, config: Config, layout: Layout, features: int
) -> dict[str, Any]:
    """Copy the encoder at `path` into `model` (built from `config` for clips of `layout`
    giving `features` features) after checking both read the same input with the same sizes;
    returns where it started from, for the run's checkpoints."""
    source = read_encoder(path)
    differences = _differences(source, config, layout, features)
    if differences:
        shown = ", ".join(f"{key} {theirs!r} (here {ours!r})" for key, theirs, ours in differences)
        sets = " ".join(f"--set {k}={v}" for k, v, _ in differences if "." in k)
        raise InputError(
            source.path,
            f"was trained with {shown}",
            f"train with its settings ({sets or 'data of the same layout'}) or pretrain again "
            "with this config",
        )
    own = model.encoder_state()
    shapes = {k: tuple(v.shape) for k, v in source.state.items()}
    if shapes != {k: tuple(v.shape) for k, v in own.items()}:
        raise InputError(
            source.path,
            "holds encoder weights of other shapes than this config builds (data.max_frames "
            "with model.positions: learned?)",
            "train with the pretraining's data.max_frames, or pretrain again with this config",
        )
    missing, unexpected = model.load_state_dict(source.state, strict=False)
    assert not unexpected and not set(own) & set(missing)
    if source.config.data.fps != config.data.fps:
        log.warning("the encoder was pretrained at data.fps %s, this run uses %s",
                    source.config.data.fps, config.data.fps)  # fmt: skip
    log.info("encoder started from %s (%d tensors)", source.path, len(source.state))
    return {"path": str(source.path.resolve()), "epoch": source.info.get("epoch", 0)}
