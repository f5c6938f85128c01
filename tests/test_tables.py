"""Thesis tables of `compare` on tiny fixed inputs (exact LaTeX, Markdown and CSV), and the
per-sentence scores behind `predictions.tsv` and `evaluate --worst`."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from sign2text.errors import ConfigError
from sign2text.evaluation.sentences import (
    HEADER,
    Prediction,
    predictions_tsv,
    read_predictions,
    scored,
    worst,
)
from sign2text.metrics import sentence_scores
from sign2text.reports.compare import (
    COLUMNS,
    Cell,
    Column,
    RunReport,
    Table,
    column_names,
    table,
    table_csv,
    table_latex,
    table_markdown,
)

# Two runs; the second has the better BLEU-4 and perplexity, the first the better (lower) WER.
TWO_RUNS = Table(
    [
        Column("run", "run"),
        Column("train.lr", "train.lr"),
        COLUMNS["bleu4"],
        COLUMNS["wer"],
        COLUMNS["perplexity"],
        COLUMNS["p_bleu4"],
    ],
    [
        [
            *(Cell("base"), Cell(0.001), Cell(12.346, 11.0, 13.5), Cell(0.8124, 0.79, 0.84)),
            *(Cell(20.5), Cell(None)),
        ],
        [
            *(Cell("big_lr"), Cell(0.003), Cell(14.0, 12.5, 15.3), Cell(0.85, 0.8, 0.9)),
            *(Cell(18.25), Cell(0.021)),
        ],
    ],
)


def test_latex_has_caption_label_booktabs_brackets_and_the_best_in_bold() -> None:
    assert table_latex(TWO_RUNS, caption="Results on How2Sign test", label="tab:h2s") == (
        "% needs \\usepackage{booktabs}\n"
        "\\begin{table}[t]\n"
        "\\centering\n"
        "\\caption{Results on How2Sign test}\n"
        "\\label{tab:h2s}\n"
        "\\begin{tabular}{llrrrr}\n"
        "\\toprule\n"
        "run & train.lr & BLEU-4 & WER & perplexity & p (BLEU-4 vs <baseline>) \\\\\n"
        "\\midrule\n"
        "base & 0.001 & 12.35 [11.00, 13.50] & \\textbf{0.812} [0.790, 0.840] & 20.50 & - \\\\\n"
        "big\\_lr & 0.003 & \\textbf{14.00} [12.50, 15.30] & 0.850 [0.800, 0.900] & "
        "\\textbf{18.25} & 0.021 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
        "\\end{table}\n"
    )


def test_markdown_with_plus_minus_half_widths() -> None:
    assert table_markdown(TWO_RUNS, "pm") == (
        "| run | train.lr | BLEU-4 | WER | perplexity | p (BLEU-4 vs <baseline>) |\n"
        "|---|---|---|---|---|---|\n"
        "| base | 0.001 | 12.35 ± 1.25 | **0.812** ± 0.025 | 20.50 | - |\n"
        "| big_lr | 0.003 | **14.00** ± 1.40 | 0.850 ± 0.050 | **18.25** | 0.021 |\n"
    )
    assert "[" not in table_markdown(TWO_RUNS, "none") and "±" not in table_markdown(
        TWO_RUNS, "none"
    )


def test_latex_plus_minus_and_no_caption() -> None:
    text = table_latex(TWO_RUNS, "pm")
    assert "\\caption" not in text and "\\label" not in text
    assert "\\textbf{14.00} $\\pm$ 1.40" in text


def test_csv_keeps_numbers_as_numbers_with_bounds_in_their_own_columns() -> None:
    text = table_csv(TWO_RUNS)
    assert text == (
        "run,train.lr,bleu4,bleu4_low,bleu4_high,wer,wer_low,wer_high,perplexity,p_bleu4\n"
        "base,0.001,12.346,11.0,13.5,0.8124,0.79,0.84,20.5,\n"
        "big_lr,0.003,14.0,12.5,15.3,0.85,0.8,0.9,18.25,0.021\n"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [float(row["bleu4_high"]) for row in rows] == [13.5, 15.3]
    assert "±" not in text and "*" not in text


def test_ties_are_all_bold_and_a_single_run_has_no_best() -> None:
    tied = Table(
        [Column("run", "run"), COLUMNS["bleu4"]],
        [[Cell("a"), Cell(10.001)], [Cell("b"), Cell(9.999)], [Cell("c"), Cell(3.0)]],
    )
    assert table_markdown(tied).splitlines()[2:] == [
        "| a | **10.00** |",
        "| b | **10.00** |",
        "| c | 3.00 |",
    ]
    alone = Table([Column("run", "run"), COLUMNS["wer"]], [[Cell("a"), Cell(0.5)]])
    assert "**" not in table_markdown(alone)


def test_unknown_columns_are_one_line_naming_the_valid_ones() -> None:
    assert column_names("bleu4, wer,p_wer") == ("bleu4", "wer", "p_wer")
    with pytest.raises(ConfigError) as error:
        column_names("bleu4,blue4")
    message = str(error.value)
    assert "\n" not in message and "blue4" in message
    assert all(name in message for name in COLUMNS)


REFERENCES = ["the cat sat on the mat", "a dog runs", "it rains today", "we go home now"]


def report(name: str, hypotheses: list[str], metrics: dict) -> RunReport:
    predictions = [
        (f"clip{i}", r, h) for i, (r, h) in enumerate(zip(REFERENCES, hypotheses, strict=True))
    ]
    config = {"name": name, "train.lr": 0.001 if name == "a" else 0.003, "model.d_model": 64}
    return RunReport(name, config, metrics, 3, 120.0, predictions)


def test_table_chooses_columns_uses_saved_intervals_and_draws_missing_ones() -> None:
    same = ["the cat sat on a mat", "a dog runs", "it rains", "we go home now"]
    metrics = {"bleu4": 50.0, "bleu1": 70.0, "wer": 0.3, "intervals_95": {"bleu4": [40.0, 60.0]}}
    runs = [report("a", same, metrics), report("b", same, {**metrics, "bleu4": 51.0})]
    result = table(runs, ["bleu4", "bleu1", "p_bleu4", "epochs"])
    names = ["run", "train.lr", "bleu4", "bleu1", "p_bleu4", "epochs"]
    assert [c.name for c in result.columns] == names
    assert result.columns[4].label == "p (BLEU-4 vs a)"
    first, second = result.rows
    assert (first[2].low, first[2].high) == (40.0, 60.0)  # as evaluate saved it
    assert first[3].low is not None and first[3].low <= first[3].high  # drawn from predictions
    assert first[4].value is None and second[4].value == 1.0  # same hypotheses: a tie, p = 1
    assert second[5].value == 3
    plain = table(runs, ["bleu4"], intervals=False)
    assert plain.rows[0][2] == Cell(50.0)


def test_sentence_scores_are_sacrebleus_and_jiwers() -> None:
    scores = sentence_scores(["the cat sat", "a b", "x"], ["the cat sat on the mat", "", "x"])
    # every n-gram matches; brevity penalty exp(1 - 6/3)
    assert scores["bleu"][0] == pytest.approx(100 * math.exp(-1))
    assert scores["wer"] == [0.5, 2.0, 0.0]  # an empty reference counts inserted words
    assert scores["bleu"][2] == pytest.approx(100.0)  # effective order: no 4-grams needed


def test_predictions_tsv_round_trip_and_worst_sentences(tmp_path: Path) -> None:
    rows = scored(["c0", "c1", "c2"], REFERENCES[:3], ["the cat sat on the mat", "", "it rains"])
    path = tmp_path / "predictions.tsv"
    path.write_text(predictions_tsv(rows), encoding="utf-8")
    read = read_predictions(path)
    assert path.read_text().splitlines()[0].split("\t") == list(HEADER)
    assert [(p.clip, p.bleu, p.wer) for p in read] == [
        ("c0", 100.0, 0.0),
        ("c1", 0.0, 1.0),
        ("c2", pytest.approx(100 * math.exp(1 - 3 / 2), abs=0.01), pytest.approx(1 / 3, abs=1e-4)),
    ]
    assert [p.clip for p in worst(read, 2)] == ["c1", "c2"]
    older = [Prediction(p.clip, p.reference, p.hypothesis) for p in read]  # no scores yet
    assert [p.clip for p in worst(older, 1)] == ["c1"]


def test_latex_escapes_names_in_one_pass() -> None:
    named = Table([Column("run", "run")], [[Cell("a_b & 50% {x}\\y")]])
    assert table_latex(named).splitlines()[7] == ("a\\_b \\& 50\\% \\{x\\}\\textbackslash{}y \\\\")
