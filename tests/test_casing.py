"""`text.lowercase`: a run learns lower-cased sentences from its own tokenizer and is scored
against lower-cased references; the dataset's cased tokenizer is left as it was."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.data.dataset import PreparedSplit
from sign2text.evaluation.evaluate import evaluate
from sign2text.training import train
from sign2text.training.data import load_data


def test_a_lowercase_run_learns_and_is_scored_in_lower_case(
    tiny_prepared: Path, tmp_path: Path
) -> None:
    cased = tiny_prepared / "tokenizer-word-500.bin"
    before = cased.read_bytes()
    sentences = [c.sentence for c in PreparedSplit(tiny_prepared, "test").clips]
    assert any(s != s.lower() for s in sentences)  # there is case to lose
    sets = [f"data.prepared={tiny_prepared}", *TINY_MODEL, "text.vocab_size=500"]
    config = configuration.load(None, [*sets, "text.lowercase=true", "train.epochs=1"])
    data = load_data(config)
    tokens = [t for t in data.tokenizer.tokens if not t.startswith("<")]  # type: ignore[attr-defined]
    assert tokens and all(t == t.lower() for t in tokens)
    assert (tiny_prepared / "tokenizer-word-500-lowercase.bin").exists()
    assert cased.read_bytes() == before
    train(config, tmp_path / "run", progress=False)
    metrics = evaluate(tmp_path / "run", "test", progress=False)
    assert metrics["references_lowercased"] is True
    table = (tmp_path / "run" / "eval_test" / "predictions.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(table.splitlines(), delimiter="\t"))
    assert sorted(r["reference"] for r in rows) == sorted(s.lower() for s in sentences)
    assert all(r["hypothesis"] == r["hypothesis"].lower() for r in rows)
    saved = json.loads((tmp_path / "run" / "eval_test" / "metrics.json").read_text())
    assert saved["references_lowercased"] is True
