"""Reading clips in shards by worker processes, into a work folder that lets a run resume."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from sign2text import atomic
from sign2text.data.prepare.plan import ClipSource
from sign2text.data.readers.openpose import FrameStats
from sign2text.data.readers.registry import READERS
from sign2text.errors import InputError

log = logging.getLogger(__name__)

SHARD_CLIPS = 64
MOSTLY_MISSING = 0.5  # a clip with no person / no hands in more than this share is reported

Shard = tuple[str, int, list[ClipSource]]  # split, number within the split, its clips
ShardJob = tuple[Path, str, int, list[ClipSource], bool]  # work folder, shard, strict


def _plan_digest(sources: Sequence[ClipSource]) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(json.dumps(asdict(source), sort_keys=True).encode())
    return digest.hexdigest()


def _shards(sources: Sequence[ClipSource]) -> list[Shard]:
    """Deterministic shards of at most SHARD_CLIPS clips, each within one split."""
    result = []
    for split in dict.fromkeys(s.split for s in sources):
        members = [s for s in sources if s.split == split]
        for i in range(0, len(members), SHARD_CLIPS):
            result.append((split, i // SHARD_CLIPS, members[i : i + SHARD_CLIPS]))
    return result


def _quality_issues(stats: FrameStats) -> list[str]:
    issues = []
    if stats.no_person > MOSTLY_MISSING * stats.frames:
        issues.append(f"no person in {stats.no_person}/{stats.frames} frames")
    if stats.no_hands > MOSTLY_MISSING * stats.frames:
        issues.append(f"no hands in {stats.no_hands}/{stats.frames} frames")
    return issues


def _read_clips(
    split: str, sources: list[ClipSource], strict: bool
) -> tuple[list[np.ndarray], dict[str, Any]]:
    """The clips of `sources` that could be read, stacked, and the shard's record of them."""
    arrays: list[np.ndarray] = []
    record: dict[str, Any] = {"clips": [], "skipped": [], "flagged": []}
    totals = {"frames": 0, "no_person_frames": 0, "several_people_frames": 0}
    for source in sources:
        try:
            clip, stats = READERS[source.reader].read(Path(source.path), None)
        except InputError as error:
            if strict:
                raise
            skip = {"split": split, "name": source.name, "reason": str(error)}
            record["skipped"].append({**skip, "problem": error.problem})
            continue
        arrays.append(clip.stacked())  # (T, K, D + 1)
        record["clips"].append(
            {
                "name": source.name,
                "frames": clip.frames,
                "sentence": source.sentence,
                "signer": source.signer,
                **({"glosses": source.glosses} if source.glosses else {}),
            }
        )
        totals["frames"] += clip.frames
        totals["no_person_frames"] += stats.no_person
        totals["several_people_frames"] += stats.several_people
        for issue in _quality_issues(stats):
            record["flagged"].append({"split": split, "name": source.name, "issue": issue})
    return arrays, {**record, "totals": totals}


def _check_shapes(sources: list[ClipSource], arrays: list[np.ndarray]) -> None:
    """All clips of a shard have as many points and values per frame as the first."""
    first = arrays[0]
    for source, array in zip(sources, arrays, strict=False):
        if array.shape[1:] != first.shape[1:]:
            raise InputError(
                source.path,
                f"{array.shape[1]} points x {array.shape[2]} "
                f"values per frame, but other clips have {first.shape[1:]}",
                "prepare clips of one keypoint layout together",
            )


def _read_shard(job: ShardJob) -> str:
    """Read one shard's clips and save them as `<work>/<split>-<n>.npy` + `.json`."""
    work, split, number, sources, strict = job
    arrays, record = _read_clips(split, sources, strict)
    stem = f"{split}-{number:05d}"
    layout = {}
    if arrays:
        _check_shapes(sources, arrays)
        with atomic.atomic_path(work / f"{stem}.npy") as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.concatenate(arrays))  # (frames, K, D + 1)
        layout = {"points": int(arrays[0].shape[1]), "values": int(arrays[0].shape[2])}
    atomic.write_json(work / f"{stem}.json", {**record, "layout": layout})
    return stem


def _work_folder(out: Path, digest: str) -> Path:
    """The resumable work folder of `out`, emptied when the plan changed."""
    work = out.parent / f".{out.name}.work"
    plan_file = work / "plan.sha256"
    if work.exists() and (not plan_file.exists() or plan_file.read_text() != digest):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    atomic.remove_debris(work)  # shards an interrupted run was writing
    if not plan_file.exists():
        atomic.write_text(plan_file, digest)
    return work


def read_shards(
    sources: Sequence[ClipSource], out: Path, *, workers: int | None, strict: bool, progress: bool
) -> tuple[Path, dict[str, list[str]]]:
    """Read every shard not yet in `out`'s work folder; the folder and each split's shards.

    Shards are read by `workers` processes (default: one per core), each writing its own
    files, so an interrupted run resumes with the shards it had not finished.
    """
    work = _work_folder(out, _plan_digest(sources))
    shards = _shards(sources)
    todo = [
        (work, split, n, members, strict)
        for split, n, members in shards
        if not (work / f"{split}-{n:05d}.json").exists()
    ]
    if len(todo) < len(shards):
        log.info("resuming: %d of %d shards already done", len(shards) - len(todo), len(shards))
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    clips = {f"{split}-{n:05d}": len(members) for split, n, members in shards}
    with tqdm(
        total=len(sources),
        initial=len(sources) - sum(len(members) for _, _, _, members, _ in todo),
        unit="clip",
        desc="reading clips",
        disable=not progress,
    ) as bar:  # closed (its line ended) before an error is printed
        if workers == 1:
            for job in todo:
                bar.update(clips[_read_shard(job)])
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for stem in pool.imap_unordered(_read_shard, todo):
                    bar.update(clips[stem])
    stems: dict[str, list[str]] = {}
    for split, n, _ in shards:
        stems.setdefault(split, []).append(f"{split}-{n:05d}")
    return work, stems
