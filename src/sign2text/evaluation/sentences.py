"""One row per clip of an evaluation: `predictions.tsv` (clip, reference, hypothesis and the
sentence's own BLEU and WER), read back, and the worst sentences of it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sign2text.errors import InputError
from sign2text.metrics import sentence_scores

HEADER = ("clip", "reference", "hypothesis", "bleu", "wer")


@dataclass(frozen=True)
class Prediction:
    """One clip's reference and hypothesis with the sentence's scores (None in files written
    before sentences were scored)."""

    clip: str
    reference: str
    hypothesis: str
    bleu: float | None = None  # sacrebleu's sentence BLEU, 0-100
    wer: float | None = None  # word edits / reference words


def scored(clips: list[str], references: list[str], hypotheses: list[str]) -> list[Prediction]:
    """Every clip's prediction with its sentence BLEU and WER."""
    scores = sentence_scores(hypotheses, references)
    return [
        Prediction(*row)
        for row in zip(clips, references, hypotheses, scores["bleu"], scores["wer"], strict=True)
    ]


def predictions_tsv(predictions: list[Prediction]) -> str:
    """The text of `predictions.tsv`: HEADER, then a row per clip."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(
        (p.clip, p.reference, p.hypothesis, f"{p.bleu:.2f}", f"{p.wer:.4f}") for p in predictions
    )
    return buffer.getvalue()


def _number(text: str) -> float | None:
    return float(text) if text else None


def read_predictions(path: Path) -> list[Prediction]:
    """The rows of a `predictions.tsv` (also one without the score columns)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    if not rows or tuple(rows[0][:3]) != HEADER[:3]:
        raise InputError(path, "is not a predictions.tsv that evaluate wrote", "evaluate again")
    return [Prediction(r[0], r[1], r[2], *(_number(v) for v in r[3:5])) for r in rows[1:] if r]


def worst(predictions: list[Prediction], n: int) -> list[Prediction]:
    """The `n` sentences with the lowest sentence BLEU, the higher WER first among equals."""
    if any(p.bleu is None or p.wer is None for p in predictions):  # an older file: score
        predictions = scored(
            [p.clip for p in predictions],
            [p.reference for p in predictions],
            [p.hypothesis for p in predictions],
        )
    return sorted(predictions, key=lambda p: (p.bleu or 0.0, -(p.wer or 0.0)))[:n]
