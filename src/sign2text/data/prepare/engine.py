"""Preparing a `Plan` into a dataset folder: shards read, assembled, written in one rename."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sign2text import atomic, outputs
from sign2text.data.prepare.assemble import assemble, check_points
from sign2text.data.prepare.plan import ClipSource, Plan
from sign2text.data.prepare.shards import read_shards
from sign2text.errors import ConfigError, InputError
from sign2text.text.textfix import CONFIGS, explain
from sign2text.text.tokenizer import capped_size, tokenizer_file_name, train_tokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SPLITS = ("train", "val", "test")


def _repair_sentences(
    sources: Sequence[ClipSource], mode: str
) -> tuple[list[ClipSource], list[dict[str, Any]]]:
    """Sources with sentences repaired as `mode` says (`textfix.CONFIGS`), and what was
    changed (for the report)."""
    if mode not in CONFIGS:
        raise ConfigError(f"text repair {mode!r} is not one of {tuple(CONFIGS)}")
    fixed: list[ClipSource] = []
    changes: list[dict[str, Any]] = []
    for source in sources:
        sentence, kinds = explain(source.sentence, mode)
        if sentence != source.sentence:
            change = {"split": source.split, "name": source.name, "before": source.sentence}
            changes.append({**change, "after": sentence, "fixes": list(kinds)})
            source = replace(source, sentence=sentence)
        fixed.append(source)
    return fixed, changes


def write_tokenizer(dest: Path, tokenizer: str, vocab_size: int) -> dict[str, Any] | None:
    """Train the tokenizer on the train split's sentences and save it beside them; what it
    holds (for the report), or None without training sentences."""
    train = dest / "train.jsonl"
    lines = train.read_text(encoding="utf-8").splitlines() if train.exists() else []
    sentences = [json.loads(line)["sentence"] for line in lines if line]
    if not sentences:
        return None
    text = train_tokenizer(tokenizer, sentences, vocab_size)
    name = tokenizer_file_name(tokenizer, vocab_size)
    (dest / name).write_bytes(text.to_bytes())
    capped = capped_size(text, vocab_size)
    if capped:
        log.warning(capped)
    return {"file": name, "kind": tokenizer, "vocab_size": vocab_size, "size": len(text)}


def _splits_found(plan: Plan, summary: dict[str, Any]) -> dict[str, list[str]]:
    """The splits no clip was planned for (missing) and those whose every clip was skipped
    (empty), each with a warning in the log."""
    planned = {source.split for source in plan.sources}
    missing = [split for split in SPLITS if split not in planned]
    empty = [s for s, counts in summary["splits"].items() if s in planned and not counts["clips"]]
    if missing:
        log.warning("no %s split in the input", ", ".join(missing))
    for split in empty:
        log.warning("the %s split is empty: every one of its clips was skipped", split)
    return {"missing_splits": missing, "empty_splits": empty}


def _repair_summary(mode: str, repaired: list[dict[str, Any]]) -> dict[str, Any]:
    """How many sentences each kind of repair changed."""
    fixes = Counter(kind for change in repaired for kind in change["fixes"])
    return {"mode": mode, "sentences": len(repaired), "fixes": dict(fixes)}


def group_skipped(skipped: list[dict[str, str]]) -> list[tuple[int, str, str]]:
    """Skipped clips grouped by problem, most frequent first: (count, problem, an example
    clip). A problem's details in parentheses are left out of the grouping."""
    groups: dict[str, list[str]] = {}
    for record in skipped:
        problem = record.get("problem", record["reason"])
        groups.setdefault(re.sub(r"\s*\(.*\)$", "", problem), []).append(record["name"])
    ranked = sorted(groups.items(), key=lambda item: -len(item[1]))
    return [(len(names), problem, names[0]) for problem, names in ranked]


def _report(
    plan: Plan,
    summary: dict[str, Any],
    repaired: list[dict[str, Any]],
    mode: str,
    tokenizer: dict[str, Any] | None,
) -> dict[str, Any]:
    """`report.json`: what was read, skipped, flagged, unmatched, missing and repaired."""
    return {
        "format_version": FORMAT_VERSION,
        "splits": summary["splits"],
        **_splits_found(plan, summary),
        "skipped": summary["skipped"],
        "flagged": summary["flagged"],
        "rows_without_clips": plan.rows_without_clips,
        "clips_without_rows": plan.clips_without_rows,
        "text_repair": _repair_summary(mode, repaired),
        "repaired_sentences": repaired,
        "tokenizer": tokenizer,
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
    repair_text: str = "mojibake",
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

    `repair_text` ("mojibake", "all" or "none": `textfix.CONFIGS`) says which sentences are
    repaired; each change is listed in the report. Splits without clips are prepared without
    them and named in the report (`missing_splits`, `empty_splits`); without a train split
    there is no tokenizer. `out` must not be part of the clips or of the other files the
    planner read; an earlier prepared dataset there is replaced only with `overwrite`
    (`outputs.replaceable_folder`).
    """
    read = [*plan.inputs, *(source.path for source in plan.sources)]
    out = outputs.replaceable_folder(out, outputs.PREPARED, overwrite=overwrite, inputs=read)
    atomic.remove_debris(out)
    sources, repaired = _repair_sentences(plan.sources, repair_text)
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
            vocabulary = write_tokenizer(dest, tokenizer, vocab_size)
            report = _report(plan, summary, repaired, repair_text, vocabulary)
            atomic.write_json(dest / "report.json", report)
            atomic.write_json(dest / "meta.json", _meta(plan, summary))
    except InputError:  # the shards hold what was wrong: a rerun reads the clips afresh
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    return report
