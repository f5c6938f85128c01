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
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from sign2text import atomic, outputs
from sign2text.errors import InputError
from sign2text.layouts import LAYOUTS, OPENPOSE_137, PHOENIX_50, Layout
from sign2text.readers.arrays import FPS as ARRAYS_FPS
from sign2text.readers.base import Clip
from sign2text.readers.how2sign import read_table, table_path
from sign2text.readers.manifest import ListedClip, list_pose_folder, read_manifest
from sign2text.readers.openpose import FrameStats
from sign2text.readers.phoenix import FPS as PHOENIX_FPS
from sign2text.readers.phoenix import SPLIT_NAMES as PHOENIX_SPLITS
from sign2text.readers.phoenix import read_split
from sign2text.readers.registry import READERS, Header, clip_kind
from sign2text.textfix import repair
from sign2text.tokenizer import tokenizer_file_name, train_tokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SPLITS = ("train", "val", "test")
SHARD_CLIPS = 64
MOSTLY_MISSING = 0.5  # a clip with no person / no hands in more than this share is reported


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
    no_sentence: list[dict[str, str]] = field(default_factory=list)  # rows with empty SENTENCE


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


def plan_how2sign(
    root: str | Path, splits: Sequence[str] = SPLITS
) -> tuple[list[ClipSource], PlanIssues]:
    """Match How2Sign table rows to keypoint folders by SENTENCE_NAME; rows with an empty
    SENTENCE are left out and listed."""
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
    no_sentence: list[dict[str, str]] = []
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
            if not row.sentence:
                no_sentence.append({"split": split, "name": row.name})
                continue
            sources.append(
                ClipSource(split, row.name, row.sentence, row.signer, str(folder), "openpose")
            )
    if no_sentence and not sources:
        raise InputError(root, "no table row has a sentence", "check the tables' SENTENCE column")
    return sources, PlanIssues(missing, sorted(set(folders) - used), no_sentence)


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
            clip, stats = READERS[source.reader].read(Path(source.path), None)
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
    atomic.remove_debris(work)  # shards an interrupted run was writing
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


def _check_points(out: Path, summary: dict[str, Any], layout: Layout) -> None:
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


def _repair_sentences(
    sources: Sequence[ClipSource],
) -> tuple[list[ClipSource], list[dict[str, str]]]:
    """Sources with repaired sentences, and what was changed (for the report)."""
    fixed: list[ClipSource] = []
    changes: list[dict[str, str]] = []
    for source in sources:
        sentence = repair(source.sentence)
        if sentence != source.sentence:
            change = {"split": source.split, "name": source.name, "before": source.sentence}
            changes.append({**change, "after": sentence})
            source = replace(source, sentence=sentence)
        fixed.append(source)
    return fixed, changes


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
    notes: dict[str, Any] | None = None,
    repair_text: bool = True,
    inputs: Sequence[str | Path] = (),
    overwrite: bool = False,
) -> dict[str, Any]:
    """Read `sources` into a prepared dataset at `out`; returns the report.

    `notes` are a planner's own findings, added to the report as they are. With `repair_text`,
    sentences with mojibake are repaired (`textfix.repair`) and listed in the report. `out`
    must not be part of the clips or of the other `inputs` the planner read; an earlier
    prepared dataset there is replaced only with `overwrite` (`outputs.replaceable_folder`).
    """
    read = [*inputs, *(source.path for source in sources)]
    out = outputs.replaceable_folder(out, outputs.PREPARED, overwrite=overwrite, inputs=read)
    atomic.remove_debris(out)
    repaired: list[dict[str, str]] = []
    if repair_text:
        sources, repaired = _repair_sentences(sources)
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
    with tqdm(
        total=len(shards),
        initial=len(shards) - len(todo),
        unit="shard",
        desc="prepare",
        disable=not progress,
    ) as bar:  # closed (its line ended) before an error is printed
        if workers == 1:
            for job in todo:
                _read_shard(job)
                bar.update()
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for _ in pool.imap_unordered(_read_shard, todo):
                    bar.update()

    stems: dict[str, list[str]] = {}
    for split, n, _ in shards:
        stems.setdefault(split, []).append(f"{split}-{n:05d}")
    try:
        with atomic.atomic_dir(out, replace=overwrite) as dest:
            summary = _assemble(work, dest, stems)
            _check_points(out, summary, layout)
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
                "repaired_sentences": repaired,
                "no_person_frames": summary["no_person_frames"],
                "several_people_frames": summary["several_people_frames"],
                **(notes or {}),
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
    except InputError:  # the shards hold what was wrong: a rerun reads the clips afresh
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    return report


def prepare_how2sign(root: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Prepare a How2Sign-layout folder (real or synthetic)."""
    root = Path(root)
    sources, issues = plan_how2sign(root)
    tables = [table_path(root, split) for split in SPLITS]
    return prepare(
        sources,
        out,
        layout=OPENPOSE_137,
        fps=24.0,
        plan_issues=issues,
        notes={"no_sentence": issues.no_sentence},
        inputs=[*_keypoint_bases(root), *(table for table in tables if table.exists())],
        **options,
    )


# Formats beyond How2Sign: .pose folders, PHOENIX skeleton text and manifests. ---------------

VAL_SHARE = 0.1  # share of train clips held out as val when a dataset has no val split


@dataclass(frozen=True)
class Plan:
    """A planner's result: the clips, their layout and frame rate, notes for the report, and
    the files it read besides the clips."""

    sources: list[ClipSource]
    layout: Layout
    fps: float
    notes: dict[str, Any]
    inputs: tuple[Path, ...] = ()


def _reader_name(clip: ListedClip) -> str:
    """The READERS entry for a listed file, by its extension; a folder is an OpenPose clip."""
    kind = clip_kind(clip.path)
    if kind == "video":
        raise clip.error(
            f"{clip.path.name}: a video, not keypoints",
            "extract keypoints first (sign2text extract) and list the .pose files",
        )
    return kind


def _clip_kind(clip: ListedClip, reader: str) -> Header | None:
    """The layout of a listed file from its header; None if the header cannot be read.

    An unreadable file is not a planning error: `prepare` reads it again and reports it as
    skipped (or stops, when strict), as it does for any bad clip.
    """
    header = READERS[reader].header
    assert header is not None  # clip_kind names only kinds a listing can hold
    try:
        kind = header(clip.path, LAYOUTS[clip.layout] if clip.layout else None)
    except InputError as error:
        log.debug("planning without %s: %s", clip.path, error)
        return None
    if kind.points != len(kind.layout.points):
        raise clip.error(
            f"{clip.path.name} has {kind.points} points, layout {kind.layout.name!r} has "
            f"{len(kind.layout.points)}",
            "name the layout the arrays were saved in, or none",
        )
    if clip.layout and clip.layout != kind.layout.name:
        raise clip.error(
            f"the layout column says {clip.layout!r}, but {clip.path.name} is {kind.layout.name!r}",
            "leave the layout empty for files that name their points",
        )
    return kind


def _frame_rate(kinds: list[Header], fps: float | None) -> tuple[float, dict[str, Any]]:
    """`fps` if given, else the most common rate the files state; notes when they differ."""
    stated = Counter(k.fps for k in kinds if k.fps is not None)
    if fps is None:
        fps = stated.most_common(1)[0][0] if stated else ARRAYS_FPS
    if len(stated) > 1:
        return fps, {"frame_rates": {f"{rate:g}": count for rate, count in stated.items()}}
    return fps, {}


def _hold_out_val(sources: list[ClipSource]) -> tuple[list[ClipSource], dict[str, Any]]:
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


def _finish_plan(
    sources: list[ClipSource], layout: Layout, fps: float, notes: dict[str, Any], where: Path
) -> Plan:
    """Skip clips without a sentence and hold out val if needed, noting both."""
    kept = [s for s in sources if s.sentence]
    notes = {
        **notes,
        "no_sentence": [{"split": s.split, "name": s.name} for s in sources if not s.sentence],
    }
    if not kept:
        raise InputError(where, "no clip has a sentence", "check the sentences or the language")
    kept, held_out = _hold_out_val(kept)
    return Plan(kept, layout, fps, {**notes, **held_out})


def plan_listed(clips: list[ListedClip], where: Path, fps: float | None = None) -> Plan:
    """Plan the clips of a manifest or folder: one reader per file, one layout for all."""
    readers = [_reader_name(clip) for clip in clips]
    kinds = [_clip_kind(clip, reader) for clip, reader in zip(clips, readers, strict=True)]
    known = [(clip, kind) for clip, kind in zip(clips, kinds, strict=True) if kind is not None]
    if not known:
        raise InputError(where, f"none of the {len(clips)} listed clips can be read", "check them")
    first, first_kind = known[0]
    for clip, kind in known:
        if (kind.layout, kind.dims) != (first_kind.layout, first_kind.dims):
            origin = f"line {first.line}" if first.line else str(first.path)
            raise clip.error(
                f"{clip.path.name} is {kind.layout.name} ({len(kind.layout.points)} points x "
                f"{kind.dims}), but {origin} is {first_kind.layout.name} "
                f"({len(first_kind.layout.points)} points x {first_kind.dims})",
                "prepare clips of one keypoint layout together (one manifest per layout)",
            )
    fps, notes = _frame_rate([kind for _, kind in known], fps)
    sources = [
        ClipSource(c.split, c.name, c.sentence, c.signer, str(c.path), reader)
        for c, reader in zip(clips, readers, strict=True)
    ]
    plan = _finish_plan(sources, first_kind.layout, fps, notes, where)
    return replace(plan, inputs=tuple(dict.fromkeys(c.listed_in for c in clips)))


def plan_phoenix(root: str | Path) -> Plan:
    """One source per sequence of `<root>/{train,dev,test}.skels`; dev becomes val."""
    root = Path(root).absolute()
    sources = [
        ClipSource(split, seq.name, seq.sentence, seq.name, seq.path, "phoenix")
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
    read = [
        root / f"{stem}{suffix}"
        for stem in PHOENIX_SPLITS
        for suffix in (".skels", ".text", ".files")
        if (root / f"{stem}{suffix}").exists()
    ]
    return replace(_finish_plan(sources, PHOENIX_50, PHOENIX_FPS, {}, root), inputs=tuple(read))


def _prepare_plan(plan: Plan, out: str | Path, **options: Any) -> dict[str, Any]:
    return prepare(
        plan.sources,
        out,
        layout=plan.layout,
        fps=plan.fps,
        notes=plan.notes,
        inputs=plan.inputs,
        **options,
    )


def prepare_pose_folder(
    root: str | Path,
    out: str | Path,
    *,
    language: str = "english",
    pattern: str = "*.pose",
    **options: Any,
) -> dict[str, Any]:
    """Prepare a folder of `.pose` files with `<id>_metadata.json` sentences (`language`)."""
    clips = list_pose_folder(root, language, pattern)
    return _prepare_plan(plan_listed(clips, Path(root)), out, **options)


def prepare_phoenix(root: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Prepare PHOENIX-2014T skeleton text (`train|dev|test.skels` + `.text` + `.files`)."""
    return _prepare_plan(plan_phoenix(root), out, **options)


def prepare_manifest(
    manifest: str | Path,
    out: str | Path,
    *,
    layout: str | None = None,
    fps: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Prepare the clips a manifest lists; `layout` names the layout of its array files."""
    clips = read_manifest(manifest)
    if layout is not None:
        if layout not in LAYOUTS:
            raise InputError(
                manifest, f"unknown layout {layout!r}", f"use one of {sorted(LAYOUTS)}"
            )
        arrays = READERS["arrays"].suffixes
        clips = [
            replace(c, layout=c.layout or layout) if c.path.suffix.lower() in arrays else c
            for c in clips
        ]
    return _prepare_plan(plan_listed(clips, Path(manifest), fps), out, **options)
