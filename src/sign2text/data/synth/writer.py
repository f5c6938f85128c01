"""Writing a synthetic corpus to disk in How2Sign's layout, in parallel and atomically.

    out_dir/openpose/<SENTENCE_NAME>/<SENTENCE_NAME>_<frame:012d>_keypoints.json
    out_dir/how2sign_realigned_{train,val,test}.csv
    out_dir/synth_glosses.tsv, out_dir/synth_info.json   (for debugging; How2Sign has neither)

Everything is built in a temporary sibling folder that takes `out_dir`'s place only when
complete. The files depend only on (size, seed, limit), never on the number of workers.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import re
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import orjson

from sign2text import outputs
from sign2text.atomic import atomic_dir, remove_debris
from sign2text.data.layouts import OPENPOSE_PARTS

from .corpus import Corpus, SynthClip, clip_indices, clip_times, generate_clip, make_corpus
from .signers import FPS, FRAME_HEIGHT, FRAME_WIDTH
from .sizes import SPLITS, SynthSize, resolve_size

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
CSV_HEADER = ("VIDEO_ID", "VIDEO_NAME", "SENTENCE_ID", "SENTENCE_NAME", "START_REALIGNED",
              "END_REALIGNED", "SENTENCE")  # fmt: skip
OPENPOSE_FOLDER = "openpose"
_EMPTY_3D = ("pose_keypoints_3d", "face_keypoints_3d", "hand_left_keypoints_3d",
             "hand_right_keypoints_3d")  # fmt: skip
_WHOLE_NUMBER = re.compile(rb"\.0(?=[,\]])")  # OpenPose writes 0 and 649, not 0.0 and 649.0


def _part_slices() -> tuple[tuple[str, slice], ...]:
    slices, start = [], 0
    for field, _, names in OPENPOSE_PARTS:
        slices.append((field, slice(start, start + len(names))))
        start += len(names)
    return tuple(slices)


_PARTS = _part_slices()


def openpose_frames(keypoints: np.ndarray) -> list[bytes]:
    """OpenPose 1.3 JSON of every frame: x, y to 3 decimals, confidence to 6.  (T, 137, 3)"""
    values = keypoints.astype(np.float64)
    values[..., :2] = np.round(values[..., :2], 3)
    values[..., 2] = np.round(values[..., 2], 6)
    frames = []
    for frame in values:
        person: dict[str, list] = {"person_id": [-1]}
        person |= {field: frame[part].ravel().tolist() for field, part in _PARTS}
        person |= {field: [] for field in _EMPTY_3D}
        data = orjson.dumps({"version": 1.3, "people": [person]})
        frames.append(_WHOLE_NUMBER.sub(b"", data))
    return frames


@dataclass(frozen=True)
class _Written:
    """What the tables need to know about a clip once its frames are on disk."""

    index: int
    clip: SynthClip  # with an empty keypoint array, to keep results small
    frames: int


def _write_clip(clip: SynthClip, root: Path) -> None:
    folder = root / OPENPOSE_FOLDER / clip.name
    folder.mkdir(parents=True)
    for number, data in enumerate(openpose_frames(clip.keypoints)):
        (folder / f"{clip.name}_{number:012d}_keypoints.json").write_bytes(data)


def _write_chunk(job: tuple[SynthSize, int, list[int], str]) -> list[_Written]:
    """Generate and write some clips (runs in a worker process)."""
    size, seed, indices, root = job
    corpus = make_corpus(size, seed)
    written = []
    for index in indices:
        clip = generate_clip(corpus, index)
        _write_clip(clip, Path(root))
        light = replace(clip, keypoints=np.zeros((0, 137, 3), np.float32))
        written.append(_Written(index, light, clip.frames))
    return written


def _run_jobs(
    jobs: list[tuple[SynthSize, int, list[int], str]], workers: int, total: int
) -> list[_Written]:
    """Run the chunks on `workers` processes (in this one if 1), logging progress."""
    done: list[_Written] = []
    next_report = 0.1
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(multiprocessing.get_context("spawn").Pool(workers))
            results: Iterable[list[_Written]] = pool.imap(_write_chunk, jobs)
        else:
            results = map(_write_chunk, jobs)
        for chunk in results:
            done += chunk
            if len(done) >= next_report * total:
                logger.info("wrote %d/%d clips", len(done), total)
                next_report = len(done) / total + 0.1
    return done


def _write_tables(root: Path, corpus: Corpus, written: list[_Written]) -> None:
    """The How2Sign CSV of each split, and the gloss table."""
    times = clip_times(corpus, {w.index: w.frames for w in written})
    for split in SPLITS:
        lines = ["\t".join(CSV_HEADER)]
        for w in written:
            if w.clip.split != split:
                continue
            start, end = times[w.index]
            c = w.clip
            lines.append("\t".join([c.video_id, c.video_name, c.sentence_id, c.name,
                                    repr(start), repr(end), c.sentence]))  # fmt: skip
        (root / f"how2sign_realigned_{split}.csv").write_text("\n".join(lines) + "\n")
    lines = ["SENTENCE_NAME\tsplit\tsigner\tglosses"]
    lines += [f"{w.clip.name}\t{w.clip.split}\t{w.clip.signer}\t{' '.join(w.clip.glosses)}"
              for w in written]  # fmt: skip
    (root / "synth_glosses.tsv").write_text("\n".join(lines) + "\n")


def _info(corpus: Corpus, written: list[_Written], limit: int | None) -> dict:
    frames = [w.frames for w in written]
    return {
        "format_version": FORMAT_VERSION,
        "size": corpus.size.name,
        "seed": corpus.seed,
        "limit": limit,
        "lexicon_size": len(corpus.lexicon.glosses()),
        "signers": len(corpus.signers),
        "fps": FPS,
        "frame_size": [FRAME_WIDTH, FRAME_HEIGHT],
        "clips": {split: sum(w.clip.split == split for w in written) for split in SPLITS},
        "frames": {
            "total": sum(frames),
            "min": min(frames),
            "median": statistics.median(frames),
            "max": max(frames),
        },
    }


def write_dataset(
    out_dir: str | Path,
    size: str | SynthSize,
    seed: int,
    workers: int | None = None,
    limit: int | None = None,
    overwrite: bool = False,
) -> dict:
    """Write the synthetic corpus of `size` drawn with `seed` to `out_dir`; return its info.

    `limit` keeps the first `limit` clips of each split. `workers` processes (default: one per
    core) share the clips; the output is byte-identical whatever their number. An earlier
    corpus at `out_dir` is replaced only with `overwrite` (`outputs.replaceable_folder`).
    """
    out_dir = outputs.replaceable_folder(out_dir, outputs.SYNTHETIC, overwrite=overwrite)
    remove_debris(out_dir)
    size = resolve_size(size)
    workers = workers or os.cpu_count() or 1
    corpus = make_corpus(size, seed)
    indices = clip_indices(size, limit=limit)
    chunk = max(1, min(32, math.ceil(len(indices) / (8 * workers))))
    began = time.perf_counter()
    logger.info("writing %d %s clips (seed %d) to %s on %d worker(s)",
                len(indices), size.name, seed, out_dir, workers)  # fmt: skip
    with atomic_dir(out_dir, replace=overwrite) as root:
        jobs = [(size, seed, indices[i : i + chunk], str(root))
                for i in range(0, len(indices), chunk)]  # fmt: skip
        written = sorted(_run_jobs(jobs, workers, len(indices)), key=lambda w: w.index)
        _write_tables(root, corpus, written)
        info = _info(corpus, written, limit)
        (root / "synth_info.json").write_bytes(
            orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n"
        )
    logger.info("wrote %d clips, %d frames in %.1f s",
                len(written), info["frames"]["total"], time.perf_counter() - began)  # fmt: skip
    return info
