"""Planning listed clips (a manifest's rows or a folder of `.pose` files): one layout for all."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from sign2text.data.layouts import LAYOUTS
from sign2text.data.prepare.engine import prepare
from sign2text.data.prepare.plan import ClipSource, Plan, finish_plan
from sign2text.data.readers.arrays import FPS as ARRAYS_FPS
from sign2text.data.readers.manifest import ListedClip, list_pose_folder
from sign2text.data.readers.registry import READERS, Header, clip_kind
from sign2text.errors import InputError

log = logging.getLogger(__name__)


def _reader_name(clip: ListedClip) -> str:
    """The READERS entry for a listed file, by its extension; a folder is an OpenPose clip."""
    kind = clip_kind(clip.path)
    if kind == "video":
        raise clip.error(
            f"{clip.path.name}: a video, not keypoints",
            "extract keypoints first (sign2text extract) and list the .pose files",
        )
    return kind


def _header(clip: ListedClip, reader: str) -> Header | None:
    """What a listed file holds, from its header; None if the header cannot be read.

    An unreadable file is not a planning error: `prepare` reads it again and reports it as
    skipped (or stops, when strict), as it does for any bad clip.
    """
    read_header = READERS[reader].header
    assert read_header is not None  # clip_kind names only kinds with a header
    try:
        header = read_header(clip.path, LAYOUTS[clip.layout] if clip.layout else None)
    except InputError as error:
        log.debug("planning without %s: %s", clip.path, error)
        return None
    if header.points != len(header.layout.points):
        raise clip.error(
            f"{clip.path.name} has {header.points} points, layout {header.layout.name!r} has "
            f"{len(header.layout.points)}",
            "name the layout the arrays were saved in, or none",
        )
    if clip.layout and clip.layout != header.layout.name:
        raise clip.error(
            f"the layout column says {clip.layout!r}, but {clip.path.name} is "
            f"{header.layout.name!r}",
            "leave the layout empty for files that name their points",
        )
    return header


def _frame_rate(headers: list[Header], fps: float | None) -> tuple[float, dict[str, Any]]:
    """`fps` if given, else the most common rate the files state; notes when they differ."""
    stated = Counter(h.fps for h in headers if h.fps is not None)
    if fps is None:
        fps = stated.most_common(1)[0][0] if stated else ARRAYS_FPS
    if len(stated) > 1:
        return fps, {"frame_rates": {f"{rate:g}": count for rate, count in stated.items()}}
    return fps, {}


def _one_layout(known: list[tuple[ListedClip, Header]]) -> Header:
    """The header all readable clips share, refusing clips of two layouts."""
    first, first_header = known[0]
    for clip, header in known:
        if (header.layout, header.dims) != (first_header.layout, first_header.dims):
            origin = f"line {first.line}" if first.line else str(first.path)
            raise clip.error(
                f"{clip.path.name} is {header.layout.name} ({len(header.layout.points)} points "
                f"x {header.dims}), but {origin} is {first_header.layout.name} "
                f"({len(first_header.layout.points)} points x {first_header.dims})",
                "prepare clips of one keypoint layout together (one manifest per layout)",
            )
    return first_header


def plan_listed(clips: list[ListedClip], where: Path, fps: float | None = None) -> Plan:
    """Plan the clips of a manifest or folder: one reader per file, one layout for all."""
    readers = [_reader_name(clip) for clip in clips]
    headers = [_header(clip, reader) for clip, reader in zip(clips, readers, strict=True)]
    known = [(c, h) for c, h in zip(clips, headers, strict=True) if h is not None]
    if not known:
        raise InputError(where, f"none of the {len(clips)} listed clips can be read", "check them")
    layout = _one_layout(known).layout
    fps, notes = _frame_rate([header for _, header in known], fps)
    sources = [
        ClipSource(c.split, c.name, c.sentence, c.signer, str(c.path), reader, c.glosses)
        for c, reader in zip(clips, readers, strict=True)
    ]
    inputs = tuple(dict.fromkeys(c.listed_in for c in clips))
    return finish_plan(sources, layout, fps, notes, where, inputs)


def plan_pose_folder(root: str | Path, language: str = "english", pattern: str = "*.pose") -> Plan:
    """Plan a folder of `.pose` files with `<id>_metadata.json` sentences (`language`)."""
    return plan_listed(list_pose_folder(root, language, pattern), Path(root))


def prepare_pose_folder(
    root: str | Path,
    out: str | Path,
    *,
    language: str = "english",
    pattern: str = "*.pose",
    **options: Any,
) -> dict[str, Any]:
    """Prepare a folder of `.pose` files with `<id>_metadata.json` sentences (`language`)."""
    return prepare(plan_pose_folder(root, language, pattern), out, **options)
