"""Portable checkpoints: tensors and plain values only, loadable with weights_only=True; and
the reading and writing of every torch file a run keeps, with one-line errors naming it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from sign2text import atomic
from sign2text.config import Config, ConfigError, from_saved, to_dict
from sign2text.data.layouts import Layout
from sign2text.errors import InputError, WriteError, write_error
from sign2text.model import text_model
from sign2text.model.text_model import PretrainedTranslator
from sign2text.model.translator import Translator
from sign2text.text.glosses import GlossVocabulary
from sign2text.text.pretrained import PretrainedTokenizer
from sign2text.text.tokenizer import Tokenizer, tokenizer_from_bytes

FORMAT = "sign2text-checkpoint"
ENCODER_FORMAT = "sign2text-encoder"  # `pretrain`'s: an encoder alone (`model.pretrained`)
VERSION = 1


@dataclass
class Loaded:
    """What a checkpoint holds, rebuilt."""

    model: Translator | PretrainedTranslator
    config: Config
    tokenizer: Tokenizer
    source: Layout  # the layout of the clips the model was trained on
    layout: Layout  # the points the model reads
    points: list[int]  # their positions in `source`
    info: dict[str, Any]
    glosses: GlossVocabulary | None = None  # the recognition head's, when the model has one

    @property
    def fps(self) -> float:
        """The frame rate the model saw its training clips at (0: unknown, an older
        checkpoint whose config kept each dataset's own rate)."""
        return self.config.data.fps or float(self.info.get("fps", 0.0))


def save(
    path: str | Path,
    model: Translator | PretrainedTranslator,
    config: Config,
    tokenizer: Tokenizer,
    source: Layout,
    layout: Layout,
    points: list[int],
    features: int,
    info: dict[str, Any],
    glosses: GlossVocabulary | None = None,
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
        "glosses": list(glosses.glosses) if glosses else [],
        "info": info,
    }
    if isinstance(model, PretrainedTranslator):  # its config, name, revision, library version
        state["text_model"] = model.saved()
    write_state(path, state)


def write_state(path: str | Path, state: dict[str, Any]) -> None:
    """`torch.save` `state` to `path` atomically (a crash mid-write leaves the previous file
    intact); a failed write is a `WriteError` naming `path` and the fix."""
    with atomic.atomic_path(path) as tmp:
        try:
            with open(tmp, "wb") as handle:  # a Python file: torch reports its OSError
                torch.save(state, handle)
        except RuntimeError as error:  # torch's writer wraps the OSError it met
            if isinstance(error.__context__, OSError):
                raise write_error(path, error.__context__) from error
            raise WriteError(
                path, f"cannot be written ({error})", "check the disk and the file-size limit"
            ) from error


def read_state(path: str | Path, fix: str, map_location: Any = "cpu") -> dict[str, Any]:
    """A file `write_state` wrote, loaded without unpickling objects; a missing, truncated or
    foreign file is an `InputError` naming it, with `fix`."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "not found", fix)
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below; its errors are told apart)
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror or error})", fix) from error
    try:
        with handle:
            state = torch.load(handle, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises several types for damaged or foreign files
        problem = (str(error) or type(error).__name__).splitlines()[0].split(". ")[0]
        problem = f"truncated, damaged or not a checkpoint ({problem})"
        raise InputError(path, problem, fix) from error
    if not isinstance(state, dict):
        raise InputError(path, "not a checkpoint sign2text wrote", fix)
    return state


def _rebuild(
    state: dict[str, Any], config: Config, tokenizer: Tokenizer, glosses: int
) -> Translator | PretrainedTranslator:
    """The untrained model a checkpoint's weights go into (built offline)."""
    if "text_model" in state:
        assert isinstance(tokenizer, PretrainedTokenizer)
        saved = state["text_model"]
        return text_model.from_saved(config, state["features"], tokenizer, saved, glosses)
    return Translator.build(config, state["features"], state["vocab_size"], glosses)


def load(path: str | Path, device: str | torch.device = "cpu") -> Loaded:
    """Rebuild model, config and tokenizer from a checkpoint, without unpickling objects."""
    path = Path(path)
    state = read_state(path, "pass a best_checkpoint.pt or last_checkpoint.pt, or retrain", device)
    if state.get("format") == ENCODER_FORMAT:
        fix = f"fine-tune it into a translator first: sign2text train --init {path}"
        raise InputError(path, "a pretrained encoder, not a translator", fix)
    if state.get("format") != FORMAT:
        raise InputError(path, "not a sign2text checkpoint", "pass a best_checkpoint.pt file")
    if "text_model" in state:
        text_model.library()  # not installed: one line saying how, not "damaged"
    try:
        config = from_saved(state["config"])
        tokenizer = tokenizer_from_bytes(state["tokenizer"]["kind"], state["tokenizer"]["data"])
        names = state.get("glosses", [])  # absent from checkpoints before recognition heads
        glosses = GlossVocabulary(tuple(names)) if names else None
        classes = len(glosses) if glosses else 0
        model = _rebuild(state, config, tokenizer, classes)
        model = model.to(device)
        model.load_state_dict(state["model"])
        loaded = Loaded(
            model,
            config,
            tokenizer,
            Layout.from_dict(state["source"]),
            Layout.from_dict(state["layout"]),
            state["points"],
            state["info"],
            glosses,
        )
    except (ConfigError, KeyError, TypeError, ValueError, RuntimeError) as error:
        raise InputError(
            path, f"a damaged sign2text checkpoint ({type(error).__name__}: {error})", "retrain"
        ) from error
    model.eval()
    return loaded
