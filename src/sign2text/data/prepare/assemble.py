"""Assembling finished shards into one `<split>.npy` array and `<split>.jsonl` index per split."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sign2text.data.layouts import Layout
from sign2text.errors import InputError

Shape = tuple[int, int, int]  # (frames, K, D + 1)


def _tally(work: Path, metas: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    """Add the shards' skipped, flagged and frame counts to `summary`, checking that all read
    clips have the same points and values per frame (`summary["layout"]`)."""
    for m in metas:
        summary["skipped"] += m["skipped"]
        summary["flagged"] += m["flagged"]
        summary["no_person_frames"] += m["totals"]["no_person_frames"]
        summary["several_people_frames"] += m["totals"]["several_people_frames"]
        if m["layout"]:
            layout = summary["layout"]
            if layout and m["layout"] != layout:
                raise InputError(
                    work,
                    f"clips with {m['layout']} and {layout} points",
                    "prepare clips of one keypoint layout together",
                )
            summary["layout"] = m["layout"]


def _write_split(
    work: Path, dest: Path, split: str, shards: list[tuple[str, dict[str, Any]]], shape: Shape
) -> None:
    """Concatenate one split's shards (stem, record) into `<split>.npy` and `<split>.jsonl`."""
    array = np.lib.format.open_memmap(
        dest / f"{split}.npy", mode="w+", dtype=np.float32, shape=shape
    )
    lines, start = [], 0
    for stem, m in shards:
        if not m["clips"]:
            continue
        part = np.load(work / f"{stem}.npy", mmap_mode="r")
        array[start : start + len(part)] = part
        for clip in m["clips"]:
            lines.append(json.dumps({**clip, "start": start}, ensure_ascii=False))
            start += clip["frames"]
    array.flush()
    del array
    (dest / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def assemble(work: Path, dest: Path, shard_stems: dict[str, list[str]]) -> dict[str, Any]:
    """Concatenate finished shards into `<split>.npy` and `<split>.jsonl` under `dest`."""
    summary: dict[str, Any] = {
        "splits": {},
        "skipped": [],
        "flagged": [],
        "no_person_frames": 0,
        "several_people_frames": 0,
        "layout": {},
    }
    for split, stems in shard_stems.items():
        metas = [json.loads((work / f"{stem}.json").read_text()) for stem in stems]
        frames = sum(m["totals"]["frames"] for m in metas)
        _tally(work, metas, summary)
        clips = sum(len(m["clips"]) for m in metas)
        if clips:
            layout = summary["layout"]
            shape = (frames, layout["points"], layout["values"])
            _write_split(work, dest, split, list(zip(stems, metas, strict=True)), shape)
        summary["splits"][split] = {"clips": clips, "frames": frames}
    return summary


def check_points(out: Path, summary: dict[str, Any], layout: Layout) -> None:
    """Some clips were read, with as many points as `layout` has."""
    if not summary["layout"]:
        skipped = summary["skipped"]
        first = f": {skipped[0]['name']}: {skipped[0]['reason']}" if skipped else ""
        raise InputError(
            out,
            f"none of the {len(skipped)} clips could be read as layout {layout.name!r} "
            f"({len(layout.points)} points){first}",
            "fix the clips, or pick the reader that matches these files",
        )
    points = summary["layout"]["points"]
    if points != len(layout.points):
        raise InputError(
            out,
            f"the clips have {points} points, but layout {layout.name!r} has {len(layout.points)}",
            "pick the reader that matches these files",
        )
