"""Several prepared datasets as one on the common skeleton: every clip mapped onto it (points a
source lacks missing), frames resampled to the first dataset's rate, the sources counted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sign2text import atomic, outputs
from sign2text.data import common
from sign2text.data.dataset import PreparedSplit, read_meta
from sign2text.data.frames import model_frames
from sign2text.data.layouts import Layout
from sign2text.data.prepare.engine import FORMAT_VERSION, write_tokenizer
from sign2text.errors import InputError

SPLITS = ("train", "val", "test")
NO_CAP = 1 << 30  # frames: resampling keeps every frame


def _index(folder: Path, meta: dict[str, Any]) -> np.ndarray:
    """Where each common point sits in the stored layout of `folder` (its `meta`); -1: missing."""
    layout = Layout.from_dict(meta["layout"])
    if not common.maps(layout):
        raise InputError(
            folder,
            f"its layout {layout.name} has no map onto the common skeleton",
            "combine datasets of OpenPose, MediaPipe Holistic, PHOENIX or COCO-WholeBody",
        )
    return common.common_indices(layout)


def _split(folder: Path, split: str, fps: float) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """One dataset's clips of `split` on the common skeleton at `fps`, and their index lines."""
    data = PreparedSplit(folder, split)
    index, own_fps = _index(folder, data.meta), float(data.meta["fps"])
    arrays, lines = [], []
    for i, clip in enumerate(data.clips):
        frames = common.common_array(data.keypoints(i), index)  # (T, P, 3)
        frames = model_frames(frames, own_fps, fps if fps != own_fps else 0.0, NO_CAP)
        arrays.append(np.ascontiguousarray(frames, np.float32))
        lines.append({**vars(clip), "frames": len(frames), "source": folder.name})
    return arrays, lines


def _write_split(dest: Path, split: str, arrays: list[np.ndarray], lines: list[dict]) -> dict:
    start = 0
    for line, array in zip(lines, arrays, strict=True):
        line["start"], start = start, start + len(array)
    stacked = np.concatenate(arrays) if arrays else np.zeros((0, len(common.COMMON.points), 3))
    np.save(dest / f"{split}.npy", stacked.astype(np.float32))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    (dest / f"{split}.jsonl").write_text(text, encoding="utf-8")
    return {"clips": len(lines), "frames": int(start)}


def combine(
    folders: Sequence[str | Path],
    out: str | Path,
    *,
    tokenizer: str = "word",
    vocab_size: int = 8000,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write one prepared dataset at `out` from the prepared datasets `folders`, on the common
    skeleton; returns its report, which counts each source's clips per split."""
    folders = [Path(f) for f in folders]
    if len(folders) < 2 or len({f.resolve() for f in folders}) < len(folders):
        raise InputError(out, "needs two or more different prepared datasets", "name them all")
    metas = [read_meta(f) for f in folders]
    fps = float(metas[0]["fps"])
    out = outputs.replaceable_folder(out, outputs.PREPARED, overwrite=overwrite, inputs=folders)
    atomic.remove_debris(out)
    splits, sources = {}, {f.name: {} for f in folders}
    with atomic.atomic_dir(out, replace=overwrite) as dest:
        for split in SPLITS:
            present = [f for f, m in zip(folders, metas, strict=True) if split in m["splits"]]
            arrays, lines = [], []
            for folder in present:
                more, more_lines = _split(folder, split, fps)
                arrays += more
                lines += more_lines
                sources[folder.name][split] = len(more)
            if present:
                splits[split] = _write_split(dest, split, arrays, lines)
        vocabulary = write_tokenizer(dest, tokenizer, vocab_size)
        if vocabulary is None:
            raise InputError(out, "none of the datasets has a train split", "combine one that has")
        report = {"format_version": FORMAT_VERSION, "splits": splits, "sources": sources}
        report["tokenizer"] = vocabulary
        report["frame_rates"] = {f.name: m["fps"] for f, m in zip(folders, metas, strict=True)}
        meta = {
            "format_version": FORMAT_VERSION,
            "layout": common.COMMON.to_dict(),
            "fps": fps,
            "points": len(common.COMMON.points),
            "values": 3,
            "splits": splits,
        }
        atomic.write_json(dest / "report.json", report)
        atomic.write_json(dest / "meta.json", meta)
    return report
