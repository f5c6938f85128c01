"""Planning PHOENIX-2014T skeleton text: one clip per line of `train|dev|test.skels`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sign2text.data.layouts import PHOENIX_50
from sign2text.data.prepare.engine import prepare
from sign2text.data.prepare.plan import ClipSource, Plan, finish_plan
from sign2text.data.readers.phoenix import FPS as PHOENIX_FPS
from sign2text.data.readers.phoenix import SPLIT_NAMES as PHOENIX_SPLITS
from sign2text.data.readers.phoenix import read_split
from sign2text.errors import InputError


def plan_phoenix(root: str | Path) -> Plan:
    """One source per sequence of `<root>/{train,dev,test}.skels`; dev becomes val."""
    root = Path(root).absolute()
    sources = [
        ClipSource(split, seq.name, seq.sentence, seq.name, seq.path, "phoenix", seq.glosses)
        for stem, split in PHOENIX_SPLITS.items()
        if (root / f"{stem}.skels").exists()
        for seq in read_split(root / f"{stem}.skels")
    ]
    if not sources:
        raise InputError(
            root,
            f"no {{{','.join(PHOENIX_SPLITS)}}}.skels files",
            "point at a folder with PHOENIX <split>.skels, .text and .files",
        )
    read = tuple(
        root / f"{stem}{suffix}"
        for stem in PHOENIX_SPLITS
        for suffix in (".skels", ".text", ".files", ".gloss")
        if (root / f"{stem}{suffix}").exists()
    )
    return finish_plan(sources, PHOENIX_50, PHOENIX_FPS, {}, root, read)


def prepare_phoenix(root: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Prepare PHOENIX-2014T skeleton text (`train|dev|test.skels` + `.text` + `.files`)."""
    return prepare(plan_phoenix(root), out, **options)
