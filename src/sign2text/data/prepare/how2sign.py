"""Planning a How2Sign-layout folder: table rows matched to OpenPose clip folders by name."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sign2text.data.layouts import OPENPOSE_137
from sign2text.data.prepare.engine import prepare
from sign2text.data.prepare.plan import ClipSource, Plan
from sign2text.data.readers.how2sign import read_gloss_table, read_table, table_path
from sign2text.data.readers.openpose import FPS as OPENPOSE_FPS
from sign2text.errors import InputError

SPLITS = ("train", "val", "test")


def _keypoint_bases(root: Path) -> list[Path]:
    """`root/openpose` (synthetic and flat layouts) and How2Sign's
    `<split>_2D_keypoints/openpose_output/json` folders, those that exist."""
    candidates = [root / "openpose", *sorted(root.glob("*/openpose_output/json"))]
    return [base for base in candidates if base.is_dir()]


def _keypoint_folders(root: Path) -> dict[str, Path]:
    """The clip folders in `root`'s keypoint folders, by name."""
    folders: dict[str, Path] = {}
    for base in _keypoint_bases(root):
        with os.scandir(base) as entries:
            for entry in entries:
                if entry.is_dir():
                    folders.setdefault(entry.name, Path(entry.path))
    return folders


def _tables(root: Path, splits: Sequence[str]) -> list[tuple[str, Path]]:
    """The (split, table) pairs present, refusing a folder with none."""
    present = [(s, table_path(root, s)) for s in splits if table_path(root, s).exists()]
    if not present:
        raise InputError(
            root,
            f"no how2sign_realigned_{{{','.join(splits)}}}.csv tables",
            "put the re-aligned sentence tables beside the openpose folder",
        )
    return present


def plan_how2sign(
    root: str | Path, splits: Sequence[str] = SPLITS, glosses: str | Path | None = None
) -> Plan:
    """Match How2Sign table rows to keypoint folders by SENTENCE_NAME; rows with an empty
    SENTENCE are left out and listed. With `glosses`, a side table (`read_gloss_table`) gives
    each clip's glosses."""
    root = Path(root)
    gloss_of = read_gloss_table(glosses) if glosses else {}
    folders = _keypoint_folders(root)
    if not folders:
        raise InputError(
            root / "openpose",
            "no clip folders found",
            "point at a How2Sign folder with openpose/<SENTENCE_NAME>/ folders",
        )
    tables = _tables(root, splits)
    sources: list[ClipSource] = []
    missing: list[dict[str, str]] = []
    no_sentence: list[dict[str, str]] = []
    used: set[str] = set()
    for split, table in tables:
        for row in read_table(table):
            folder = folders.get(row.name)
            if folder is None:
                missing.append({"split": split, "name": row.name})
                continue
            used.add(row.name)
            if not row.sentence:
                no_sentence.append({"split": split, "name": row.name})
                continue
            sources.append(
                ClipSource(
                    split,
                    row.name,
                    row.sentence,
                    row.signer,
                    str(folder),
                    "openpose",
                    gloss_of.get(row.name, ""),
                )
            )
    if no_sentence and not sources:
        raise InputError(root, "no table row has a sentence", "check the tables' SENTENCE column")
    inputs = (*_keypoint_bases(root), *(table for _, table in tables))
    notes: dict[str, Any] = {"no_sentence": no_sentence}
    if glosses:
        inputs = (*inputs, Path(glosses))
        notes["clips_with_glosses"] = sum(bool(s.glosses) for s in sources)
    return Plan(
        sources, OPENPOSE_137, OPENPOSE_FPS, notes, inputs, missing, sorted(set(folders) - used)
    )


def prepare_how2sign(
    root: str | Path, out: str | Path, glosses: str | Path | None = None, **options: Any
) -> dict[str, Any]:
    """Prepare a How2Sign-layout folder (real or synthetic), with glosses from a side table
    when `glosses` names one."""
    return prepare(plan_how2sign(root, glosses=glosses), out, **options)
