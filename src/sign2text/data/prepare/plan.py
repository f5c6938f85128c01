"""What every planner returns: the clips to read (`ClipSource`) and the `Plan` around them."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sign2text.data.layouts import Layout
from sign2text.errors import InputError

log = logging.getLogger(__name__)

VAL_SHARE = 0.1  # share of train clips held out as val when a dataset has no val split


@dataclass(frozen=True)
class ClipSource:
    """One clip to read: where its keypoints are and what it says."""

    split: str
    name: str
    sentence: str
    signer: str
    path: str
    reader: str  # a `readers.registry.READERS` kind
    glosses: str = ""  # white-space separated, where the corpus has them


@dataclass(frozen=True)
class Plan:
    """A planner's result: the clips, their layout and frame rate, notes for the report, the
    files it read besides the clips, and the table rows and clips it could not match."""

    sources: list[ClipSource]
    layout: Layout
    fps: float
    notes: dict[str, Any]
    inputs: tuple[Path, ...] = ()
    rows_without_clips: list[dict[str, str]] = field(default_factory=list)
    clips_without_rows: list[str] = field(default_factory=list)


def hold_out_val(sources: list[ClipSource]) -> tuple[list[ClipSource], dict[str, Any]]:
    """Without a val split, move a deterministic VAL_SHARE of train clips to val.

    The clips are those whose names hash lowest, so the choice does not depend on file order
    and a clip stays where it is when others are added.
    """
    if any(s.split == "val" for s in sources):
        return sources, {}
    train = [s for s in sources if s.split == "train"]
    if len(train) < 2:
        return sources, {}
    count = max(1, round(VAL_SHARE * len(train)))
    ranked = sorted(train, key=lambda s: hashlib.sha256(s.name.encode()).hexdigest())
    held = {s.name for s in ranked[:count]}
    moved = [
        replace(s, split="val") if s.split == "train" and s.name in held else s for s in sources
    ]
    log.info("no val split: holding out %d of %d train clips as val", count, len(train))
    return moved, {"val_from_train": sorted(held)}


def finish_plan(
    sources: list[ClipSource],
    layout: Layout,
    fps: float,
    notes: dict[str, Any],
    where: Path,
    inputs: tuple[Path, ...],
) -> Plan:
    """Skip clips without a sentence and hold out val if needed, noting both."""
    kept = [s for s in sources if s.sentence]
    notes = {
        **notes,
        "no_sentence": [{"split": s.split, "name": s.name} for s in sources if not s.sentence],
    }
    if not kept:
        raise InputError(where, "no clip has a sentence", "check the sentences or the language")
    kept, held_out = hold_out_val(kept)
    return Plan(kept, layout, fps, {**notes, **held_out}, inputs)
