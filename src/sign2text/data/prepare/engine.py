"""Preparing a `Plan` into a dataset folder: shards read, assembled, written in one rename."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sign2text import atomic, outputs
from sign2text.data.prepare.assemble import assemble, check_points
from sign2text.data.prepare.plan import ClipSource, Plan
from sign2text.data.prepare.shards import read_shards
from sign2text.errors import InputError
from sign2text.text.textfix import repair
from sign2text.text.tokenizer import tokenizer_file_name, train_tokenizer

FORMAT_VERSION = 1


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


def write_tokenizer(out: Path, dest: Path, tokenizer: str, vocab_size: int) -> None:
    """Train the tokenizer on the train split's sentences and save it beside them."""
    train = dest / "train.jsonl"
    lines = train.read_text(encoding="utf-8").splitlines() if train.exists() else []
    sentences = [json.loads(line)["sentence"] for line in lines]
    if not sentences:
        raise InputError(
            out,
            "no training clips were prepared",
            "a dataset needs a train split to build its tokenizer",
        )
    text = train_tokenizer(tokenizer, sentences, vocab_size)
    (dest / tokenizer_file_name(tokenizer, vocab_size)).write_bytes(text.to_bytes())


def _report(plan: Plan, summary: dict[str, Any], repaired: list[dict[str, str]]) -> dict[str, Any]:
    """`report.json`: what was read, skipped, flagged, unmatched and repaired."""
    return {
        "format_version": FORMAT_VERSION,
        "splits": summary["splits"],
        "skipped": summary["skipped"],
        "flagged": summary["flagged"],
        "rows_without_clips": plan.rows_without_clips,
        "clips_without_rows": plan.clips_without_rows,
        "repaired_sentences": repaired,
        "no_person_frames": summary["no_person_frames"],
        "several_people_frames": summary["several_people_frames"],
        **plan.notes,
    }


def _meta(plan: Plan, summary: dict[str, Any]) -> dict[str, Any]:
    """`meta.json`: the layout, frame rate and size of the prepared clips."""
    return {
        "format_version": FORMAT_VERSION,
        "layout": plan.layout.to_dict(),
        "fps": plan.fps,
        "points": summary["layout"]["points"],
        "values": summary["layout"]["values"],
        "splits": summary["splits"],
    }


def prepare(
    plan: Plan,
    out: str | Path,
    *,
    tokenizer: str = "word",
    vocab_size: int = 8000,
    workers: int | None = None,
    strict: bool = False,
    progress: bool = True,
    repair_text: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Read `plan`'s clips into a prepared dataset at `out`; returns the report.

    A prepared dataset folder holds, per split, `<split>.npy` (all frames of all clips,
    stacked: (frames, K, D + 1) float32, coordinates then confidence) and `<split>.jsonl` (one
    line per clip: name, start frame, frame count, sentence, signer), plus `meta.json` (layout,
    fps, counts), `report.json` (what was skipped and why) and the tokenizer. Clips are read in
    shards by worker processes; finished shards are kept in a work folder, so an interrupted
    run resumes where it stopped, and the dataset itself appears in one rename only when
    complete.

    With `repair_text`, sentences with mojibake are repaired (`textfix.repair`) and listed in
    the report. `out` must not be part of the clips or of the other files the planner read; an
    earlier prepared dataset there is replaced only with `overwrite`
    (`outputs.replaceable_folder`).
    """
    read = [*plan.inputs, *(source.path for source in plan.sources)]
    out = outputs.replaceable_folder(out, outputs.PREPARED, overwrite=overwrite, inputs=read)
    atomic.remove_debris(out)
    sources, repaired = _repair_sentences(plan.sources) if repair_text else (plan.sources, [])
    if not sources:
        raise InputError(
            out,
            "nothing to prepare: no clip matched a table row",
            "check that folder names equal the tables' SENTENCE_NAME",
        )
    work, stems = read_shards(sources, out, workers=workers, strict=strict, progress=progress)
    try:
        with atomic.atomic_dir(out, replace=overwrite) as dest:
            summary = assemble(work, dest, stems)
            check_points(out, summary, plan.layout)
            write_tokenizer(out, dest, tokenizer, vocab_size)
            report = _report(plan, summary, repaired)
            atomic.write_json(dest / "report.json", report)
            atomic.write_json(dest / "meta.json", _meta(plan, summary))
    except InputError:  # the shards hold what was wrong: a rerun reads the clips afresh
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    return report
