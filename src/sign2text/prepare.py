"""Preparation: read every clip once into one memory-mapped array per split plus an index.

A prepared dataset folder holds, per split, `<split>.npy` (all frames of all clips, stacked:
(frames, K, D + 1) float32, coordinates then confidence) and `<split>.jsonl` (one line per
clip: name, start frame, frame count, sentence, signer), plus `meta.json` (layout, fps,
counts), `report.json` (what was skipped and why) and the tokenizer. Clips are read in shards
by worker processes; finished shards are kept in a work folder, so an interrupted run resumes
where it stopped, and the dataset itself appears in one rename only when complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from sign2text import atomic
from sign2text.layouts import OPENPOSE_137, Layout
from sign2text.readers.base import Clip, InputError
from sign2text.readers.how2sign import read_table, table_path
from sign2text.readers.openpose import FrameStats, read_openpose_folder
from sign2text.tokenizer import tokenizer_file_name, train_tokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SPLITS = ("train", "val", "test")
SHARD_CLIPS = 64
MOSTLY_MISSING = 0.5  # a clip with no person / no hands in more than this share is reported

Reader = Callable[[Path], tuple[Clip, FrameStats | None]]
READERS: dict[str, Reader] = {"openpose": read_openpose_folder}


@dataclass(frozen=True)
class ClipSource:
    """One clip to read: where its keypoints are and what it says."""

    split: str
    name: str
    sentence: str
    signer: str
    path: str
    reader: str


@dataclass
class PlanIssues:
    """Mismatches found while matching tables to keypoint folders."""

    rows_without_clips: list[dict[str, str]]
    clips_without_rows: list[str]


def _keypoint_folders(root: Path) -> dict[str, Path]:
    """Clip folders under `root/openpose` (synthetic and flat layouts) or How2Sign's
    `<split>_2D_keypoints/openpose_output/json` folders."""
    candidates = [root / "openpose", *sorted(root.glob("*/openpose_output/json"))]
    folders: dict[str, Path] = {}
    for base in candidates:
        if base.is_dir():
            with os.scandir(base) as entries:
                for entry in entries:
                    if entry.is_dir():
                        folders.setdefault(entry.name, Path(entry.path))
    return folders


def plan_how2sign(
    root: str | Path, splits: Sequence[str] = SPLITS
) -> tuple[list[ClipSource], PlanIssues]:
    """Match How2Sign table rows to keypoint folders by SENTENCE_NAME."""
    root = Path(root)
    folders = _keypoint_folders(root)
    if not folders:
        raise InputError(
            root / "openpose",
            "no clip folders found",
            "point at a How2Sign folder with openpose/<SENTENCE_NAME>/ folders",
        )
    sources: list[ClipSource] = []
    missing: list[dict[str, str]] = []
    used: set[str] = set()
    present = [s for s in splits if table_path(root, s).exists()]
    if not present:
        raise InputError(
            root,
            f"no how2sign_realigned_{{{','.join(splits)}}}.csv tables",
            "put the re-aligned sentence tables beside the openpose folder",
        )
    for split in present:
        for row in read_table(table_path(root, split)):
            folder = folders.get(row.name)
            if folder is None:
                missing.append({"split": split, "name": row.name})
                continue
            used.add(row.name)
            sources.append(
                ClipSource(split, row.name, row.sentence, row.signer, str(folder), "openpose")
            )
    return sources, PlanIssues(missing, sorted(set(folders) - used))


def _plan_digest(sources: Sequence[ClipSource]) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(json.dumps(asdict(source), sort_keys=True).encode())
    return digest.hexdigest()


def _shards(sources: Sequence[ClipSource]) -> list[tuple[str, int, list[ClipSource]]]:
    """Deterministic shards of at most SHARD_CLIPS clips, each within one split."""
    result = []
    for split in dict.fromkeys(s.split for s in sources):
        members = [s for s in sources if s.split == split]
        for i in range(0, len(members), SHARD_CLIPS):
            result.append((split, i // SHARD_CLIPS, members[i : i + SHARD_CLIPS]))
    return result


def _quality_issues(source: ClipSource, clip: Clip, stats: FrameStats | None) -> list[str]:
    issues = []
    if stats is not None and stats.no_person > MOSTLY_MISSING * stats.frames:
        issues.append(f"no person in {stats.no_person}/{stats.frames} frames")
    if stats is not None and stats.no_hands > MOSTLY_MISSING * stats.frames:
        issues.append(f"no hands in {stats.no_hands}/{stats.frames} frames")
    return issues


def _read_shard(job: tuple[Path, str, int, list[ClipSource], bool]) -> str:
    """Read one shard's clips and save them as `<work>/<split>-<n>.npy` + `.json`."""
    work, split, number, sources, strict = job
    arrays: list[np.ndarray] = []
    clips: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    flagged: list[dict[str, str]] = []
    totals = {"frames": 0, "no_person_frames": 0, "several_people_frames": 0}
    for source in sources:
        try:
            clip, stats = READERS[source.reader](Path(source.path))
        except InputError as error:
            if strict:
                raise
            skipped.append({"split": split, "name": source.name, "reason": str(error)})
            continue
        stacked = clip.stacked()  # (T, K, D + 1)
        arrays.append(stacked)
        clips.append(
            {
                "name": source.name,
                "frames": clip.frames,
                "sentence": source.sentence,
                "signer": source.signer,
            }
        )
        totals["frames"] += clip.frames
        if stats is not None:
            totals["no_person_frames"] += stats.no_person
            totals["several_people_frames"] += stats.several_people
        for issue in _quality_issues(source, clip, stats):
            flagged.append({"split": split, "name": source.name, "issue": issue})
    stem = f"{split}-{number:05d}"
    layout = {}
    if arrays:
        first = arrays[0]
        for source, array in zip(sources, arrays, strict=False):
            if array.shape[1:] != first.shape[1:]:
                raise InputError(
                    source.path,
                    f"{array.shape[1]} points x {array.shape[2]} "
                    f"values per frame, but other clips have {first.shape[1:]}",
                    "prepare clips of one keypoint layout together",
                )
        with atomic.atomic_path(work / f"{stem}.npy") as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.concatenate(arrays))
        layout = {"points": int(first.shape[1]), "values": int(first.shape[2])}
    meta = {
        "clips": clips,
        "skipped": skipped,
        "flagged": flagged,
        "totals": totals,
        "layout": layout,
    }
    atomic.write_json(work / f"{stem}.json", meta)
    return stem


def _work_folder(out: Path, digest: str) -> Path:
    """The resumable work folder of `out`, emptied when the plan changed."""
    work = out.parent / f".{out.name}.work"
    plan_file = work / "plan.sha256"
    if work.exists() and (not plan_file.exists() or plan_file.read_text() != digest):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    if not plan_file.exists():
        atomic.write_text(plan_file, digest)
    return work


def _assemble(work: Path, dest: Path, shard_stems: dict[str, list[str]]) -> dict[str, Any]:
    """Concatenate finished shards into `<split>.npy` and `<split>.jsonl` under `dest`."""
    summary: dict[str, Any] = {
        "splits": {},
        "skipped": [],
        "flagged": [],
        "no_person_frames": 0,
        "several_people_frames": 0,
    }
    layout: dict[str, int] = {}
    for split, stems in shard_stems.items():
        metas = [json.loads((work / f"{stem}.json").read_text()) for stem in stems]
        total = sum(m["totals"]["frames"] for m in metas)
        for m in metas:
            summary["skipped"] += m["skipped"]
            summary["flagged"] += m["flagged"]
            summary["no_person_frames"] += m["totals"]["no_person_frames"]
            summary["several_people_frames"] += m["totals"]["several_people_frames"]
            if m["layout"]:
                if layout and m["layout"] != layout:
                    raise InputError(
                        work,
                        f"clips with {m['layout']} and {layout} points",
                        "prepare clips of one keypoint layout together",
                    )
                layout = m["layout"]
        clips_count = sum(len(m["clips"]) for m in metas)
        if clips_count == 0:
            summary["splits"][split] = {"clips": 0, "frames": 0}
            continue
        array = np.lib.format.open_memmap(
            dest / f"{split}.npy",
            mode="w+",
            dtype=np.float32,
            shape=(total, layout["points"], layout["values"]),
        )
        lines, start = [], 0
        for stem, m in zip(stems, metas, strict=True):
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
        summary["splits"][split] = {"clips": clips_count, "frames": total}
    summary["layout"] = layout
    return summary


def prepare(
    sources: Sequence[ClipSource],
    out: str | Path,
    *,
    layout: Layout,
    fps: float,
    plan_issues: PlanIssues | None = None,
    tokenizer: str = "word",
    vocab_size: int = 8000,
    workers: int | None = None,
    strict: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Read `sources` into a prepared dataset at `out`; returns the report."""
    out = Path(out)
    if not sources:
        raise InputError(
            out,
            "nothing to prepare: no clip matched a table row",
            "check that folder names equal the tables' SENTENCE_NAME",
        )
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
    bar = tqdm(
        total=len(shards),
        initial=len(shards) - len(todo),
        unit="shard",
        desc="prepare",
        disable=not progress,
    )
    if workers == 1:
        for job in todo:
            _read_shard(job)
            bar.update()
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for _ in pool.imap_unordered(_read_shard, todo):
                bar.update()
    bar.close()

    stems: dict[str, list[str]] = {}
    for split, n, _ in shards:
        stems.setdefault(split, []).append(f"{split}-{n:05d}")
    with atomic.atomic_dir(out) as dest:
        summary = _assemble(work, dest, stems)
        if summary["layout"].get("points") != len(layout.points):
            raise InputError(
                out,
                f"clips have {summary['layout'].get('points')} points but "
                f"layout {layout.name!r} has {len(layout.points)}",
                "pick the reader that matches these files",
            )
        train_sentences = (
            [
                json.loads(line)["sentence"]
                for line in (dest / "train.jsonl").read_text(encoding="utf-8").splitlines()
            ]
            if (dest / "train.jsonl").exists()
            else []
        )
        if not train_sentences:
            raise InputError(
                out,
                "no training clips were prepared",
                "a dataset needs a train split to build its tokenizer",
            )
        text = train_tokenizer(tokenizer, train_sentences, vocab_size)
        (dest / tokenizer_file_name(tokenizer, vocab_size)).write_bytes(text.to_bytes())
        issues = plan_issues or PlanIssues([], [])
        report = {
            "format_version": FORMAT_VERSION,
            "splits": summary["splits"],
            "skipped": summary["skipped"],
            "flagged": summary["flagged"],
            "rows_without_clips": issues.rows_without_clips,
            "clips_without_rows": issues.clips_without_rows,
            "no_person_frames": summary["no_person_frames"],
            "several_people_frames": summary["several_people_frames"],
        }
        meta = {
            "format_version": FORMAT_VERSION,
            "layout": layout.to_dict(),
            "fps": fps,
            "points": summary["layout"]["points"],
            "values": summary["layout"]["values"],
            "splits": summary["splits"],
        }
        atomic.write_json(dest / "report.json", report)
        atomic.write_json(dest / "meta.json", meta)
    shutil.rmtree(work, ignore_errors=True)
    return report


def prepare_how2sign(root: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Prepare a How2Sign-layout folder (real or synthetic)."""
    sources, issues = plan_how2sign(root)
    return prepare(sources, out, layout=OPENPOSE_137, fps=24.0, plan_issues=issues, **options)
