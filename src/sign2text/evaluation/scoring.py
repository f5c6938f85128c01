"""Scoring any system's output file against a reference file: reading, aligning, tabulating.

Two file formats are read, told apart by their first non-blank line:

* plain: one sentence per line, aligned with the other file by line order; an empty line is
  an empty sentence;
* named (Uni-Sign's): `sample: NAME, prediction: TEXT` or `sample: NAME, ground-truth: TEXT`,
  aligned with the other file by sample name; text after the colon may be empty, names may
  contain commas, blank lines are skipped.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from sign2text.bootstrap import bootstrap_interval
from sign2text.errors import InputError
from sign2text.metrics import LABELS, METRICS, PERCENT_SCALE, corpus_scores

PREDICTION = "prediction"
GROUND_TRUTH = "ground-truth"
_NAMED_LINE = re.compile(
    rf"sample: (?P<sample>.*?), (?P<label>{PREDICTION}|{GROUND_TRUTH}): ?(?P<text>.*)"
)

BOOTSTRAP_METRICS = ("bleu4", "chrf", "wer")  # the metrics `score_files` gives intervals for
BOOTSTRAP_CONFIDENCE = 0.95
BOOTSTRAP_SEED = 0


class Line(NamedTuple):
    """One sentence of a hypothesis or reference file."""

    number: int  # 1-based line number in the file
    sample: str | None  # the sample name in the named format, None in plain files
    label: str | None  # PREDICTION or GROUND_TRUTH in the named format, None in plain files
    text: str


# ------------------------------------------------------------------------------- reading


def _read_lines(path: Path) -> list[str]:
    """The file's lines without their line ends; a final line end does not start a new line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(
            path, f"cannot be read ({error.strerror or error})", "check the path"
        ) from error
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(
            path,
            f"line {line} is not UTF-8 (byte {data[error.start : error.start + 1]!r} "
            f"at column {column})",
            "re-save the file as UTF-8, e.g. `iconv -f cp1252 -t utf-8`",
        ) from error
    if not text:
        return []
    return [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]


def read_text_file(path: str | Path) -> list[Line]:
    """Read a plain or named hypothesis/reference file (the first non-blank line decides)."""
    path = Path(path)
    raw_lines = _read_lines(path)
    first = next((text for text in raw_lines if text.strip()), "")
    if not _NAMED_LINE.fullmatch(first):
        return [Line(number, None, None, text) for number, text in enumerate(raw_lines, 1)]
    lines = []
    for number, text in enumerate(raw_lines, 1):
        match = _NAMED_LINE.fullmatch(text)
        if match:
            lines.append(Line(number, match["sample"], match["label"], match["text"]))
        elif text.strip():
            raise InputError(
                path,
                f"line {number} is not `sample: NAME, {PREDICTION}: TEXT` "
                f"(or `{GROUND_TRUTH}: TEXT`) although the first line is",
                "write every line in one format",
            )
    return lines


# ------------------------------------------------------------------------------ aligning


def _check_labels(path: Path, lines: Sequence[Line], unexpected: str) -> None:
    for line in lines:
        if line.label == unexpected:
            raise InputError(
                path,
                f"line {line.number} is labelled {unexpected!r}",
                "pass the system's predictions first and the ground truth second",
            )


def _by_sample(path: Path, lines: Sequence[Line]) -> dict[str, Line]:
    by_sample: dict[str, Line] = {}
    for line in lines:
        assert line.sample is not None  # named format
        if line.sample in by_sample:
            first = by_sample[line.sample].number
            raise InputError(
                path,
                f"sample {line.sample!r} appears twice (lines {first} and {line.number})",
                "keep one line per sample",
            )
        by_sample[line.sample] = line
    return by_sample


def _unmatched(path: Path, lines: dict[str, Line], other_path: Path, other: dict[str, Line]) -> str:
    missing = [line for sample, line in lines.items() if sample not in other]
    if not missing:
        return ""
    shown = ", ".join(f"{line.sample!r} (line {line.number})" for line in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return f"{len(missing)} sample(s) of {path} are not in {other_path}: {shown}{more}. "


def _align_by_sample(
    hyp_path: Path, hyp_lines: Sequence[Line], ref_path: Path, ref_lines: Sequence[Line]
) -> tuple[list[str], list[str]]:
    """Hypotheses and references paired by sample name, in the reference file's order."""
    hyps = _by_sample(hyp_path, hyp_lines)
    refs = _by_sample(ref_path, ref_lines)
    problem = _unmatched(hyp_path, hyps, ref_path, refs) + _unmatched(
        ref_path, refs, hyp_path, hyps
    )
    if problem:
        raise InputError(
            hyp_path, problem.strip(), "score the same samples in both files, or fix the names"
        )
    return [hyps[sample].text for sample in refs], [line.text for line in refs.values()]


def _align_by_order(
    hyp_path: Path, hyp_lines: Sequence[Line], ref_path: Path, ref_lines: Sequence[Line]
) -> tuple[list[str], list[str]]:
    if len(hyp_lines) != len(ref_lines):
        longer_path, longer = (
            (hyp_path, hyp_lines) if len(hyp_lines) > len(ref_lines) else (ref_path, ref_lines)
        )
        unpaired = longer[min(len(hyp_lines), len(ref_lines))].number
        raise InputError(
            hyp_path,
            f"has {len(hyp_lines)} sentences but {ref_path} has {len(ref_lines)}; "
            f"line {unpaired} of {longer_path} is the first without a partner",
            "give both files one sentence per line, in the same order",
        )
    return [line.text for line in hyp_lines], [line.text for line in ref_lines]


def read_pair(hyp_path: str | Path, ref_path: str | Path) -> tuple[list[str], list[str]]:
    """Hypotheses and references from two files, aligned by sample name when both files are
    in the named format, by line order otherwise."""
    hyp_path, ref_path = Path(hyp_path), Path(ref_path)
    hyp_lines, ref_lines = read_text_file(hyp_path), read_text_file(ref_path)
    _check_labels(hyp_path, hyp_lines, GROUND_TRUTH)
    _check_labels(ref_path, ref_lines, PREDICTION)
    if not ref_lines:
        raise InputError(ref_path, "holds no sentences", "pass the reference file")
    named = bool(hyp_lines) and None not in (hyp_lines[0].sample, ref_lines[0].sample)
    align = _align_by_sample if named else _align_by_order
    return align(hyp_path, hyp_lines, ref_path, ref_lines)


# ------------------------------------------------------------------------------- scoring


def score_files(
    hyp_path: str | Path,
    ref_path: str | Path,
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
    bootstrap: int = 0,
) -> dict[str, float | int | str]:
    """Score a hypothesis file against a reference file.

    Returns `corpus_scores`'s keys plus `sentences`; with `bootstrap` > 0 resamples, also
    `bootstrap_samples` and `<metric>_low` / `<metric>_high` (95 % percentile interval, seed 0)
    for each metric in `BOOTSTRAP_METRICS`.
    """
    hypotheses, references = read_pair(hyp_path, ref_path)
    scores: dict[str, float | int | str] = {
        **corpus_scores(hypotheses, references, tokenize=tokenize, lowercase=lowercase),
        "sentences": len(references),
    }
    if bootstrap > 0:
        scores["bootstrap_samples"] = bootstrap
        for metric in BOOTSTRAP_METRICS:
            interval = bootstrap_interval(
                hypotheses,
                references,
                metric,
                n_samples=bootstrap,
                seed=BOOTSTRAP_SEED,
                confidence=BOOTSTRAP_CONFIDENCE,
                tokenize=tokenize,
                lowercase=lowercase,
            )
            scores[f"{metric}_low"], scores[f"{metric}_high"] = interval.low, interval.high
    return scores


def _number(metric: str, value: float | int | str) -> str:
    return f"{float(value):.2f}" if metric in PERCENT_SCALE else f"{float(value):.4f}"


def format_scores(scores: dict[str, float | int | str]) -> str:
    """A small aligned text table of `score_files` (or `corpus_scores`) output."""
    header = ("metric", "score")
    if "bootstrap_samples" in scores:
        interval = f"{BOOTSTRAP_CONFIDENCE:.0%} interval ({scores['bootstrap_samples']} resamples)"
        header += (interval,)
    rows = [header]
    for metric in (name for name in METRICS if name in scores):
        row = (LABELS[metric], _number(metric, scores[metric]))
        if f"{metric}_low" in scores:
            low, high = scores[f"{metric}_low"], scores[f"{metric}_high"]
            row += (f"{_number(metric, low)} - {_number(metric, high)}",)
        rows.append(row)
    if "sentences" in scores:
        rows.append(("sentences", str(scores["sentences"])))
    label_width = max(len(row[0]) for row in rows)
    score_width = max(len(row[1]) for row in rows)
    lines = [
        "  ".join([row[0].ljust(label_width), row[1].rjust(score_width), *row[2:]]).rstrip()
        for row in rows
    ]
    lines.append(f"BLEU signature: {scores['bleu_signature']}")
    return "\n".join(lines)
