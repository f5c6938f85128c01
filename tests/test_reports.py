"""Evaluation outputs, comparison tables and plots, on runs trained on random data."""

import csv
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.evaluation.evaluate import evaluate
from sign2text.reports.compare import csv_text, latex, load_run, markdown, table
from sign2text.reports.plots import plot_runs
from sign2text.runs import run_status
from sign2text.training import train


@pytest.fixture(scope="module")
def two_runs(random_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    runs = []
    for name, lr in (("v1", "1e-3"), ("v2", "3e-3")):
        config = configuration.load(
            None,
            [
                f"data.prepared={random_prepared}",
                *TINY_MODEL,
                "train.epochs=2",
                "train.batch_size=8",
                f"train.lr={lr}",
                f"name={name}",
            ],
        )
        run_dir = tmp_path_factory.mktemp("runs") / name
        train(config, run_dir, progress=False)
        evaluate(run_dir, "test", progress=False)
        runs.append(run_dir)
    return runs


def test_evaluation_writes_metrics_predictions_and_ablations(two_runs: list[Path]) -> None:
    metrics = json.loads((two_runs[0] / "eval_test" / "metrics.json").read_text())
    for key in ("bleu1", "bleu4", "wer", "perplexity", "chrf", "rouge_l", "bleu_signature"):
        assert key in metrics
    assert set(metrics["ablations"]) == {"swapped inputs", "all-zero inputs", "constant sentence"}
    low, high = metrics["intervals_95"]["bleu4"]
    assert low <= metrics["bleu4"] <= high
    assert metrics["warnings"], "a model trained on random data must be flagged"
    with open(two_runs[0] / "eval_test" / "predictions.tsv", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    assert rows[0] == ["clip", "reference", "hypothesis"] and len(rows) == 1 + metrics["clips"]


def test_history_is_the_users_plotting_format(two_runs: list[Path]) -> None:
    h = json.load(open(two_runs[0] / "history.json"))  # noqa: SIM115 - the user's own snippet
    plt.plot(h["train_loss"])
    plt.plot(h["val_loss"])
    plt.close("all")
    assert len(h["train_loss"]) == len(h["val_loss"]) == 2


def test_compare_lists_differences_and_significance(two_runs: list[Path]) -> None:
    header, rows = table([load_run(r, "test") for r in two_runs])
    assert "train.lr" in header and "model.d_model" not in header
    assert rows[0][-1] == "-" and 0.0 <= float(rows[1][-1]) <= 1.0
    assert "| v1 |" in markdown(header, rows)
    assert r"\toprule" in latex(header, rows) and "train.lr" in latex(header, rows).replace(
        "\\_", "_"
    )
    assert csv_text(header, rows).count("\n") == 3


def test_plot_and_status(two_runs: list[Path], tmp_path: Path) -> None:
    out = plot_runs(two_runs, tmp_path / "curves.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    status = run_status(two_runs[1])
    assert (status.state, status.epoch, status.epochs) == ("finished", 2, 2)
    assert status.best["epoch"] in (1, 2) and status.health != "-"


def test_translate_matches_evaluation_and_refuses_other_layouts(
    two_runs: list[Path], tmp_path: Path
) -> None:
    import numpy as np

    from sign2text.errors import InputError
    from sign2text.translate import translate

    run = two_runs[0]
    with open(run / "eval_test" / "predictions.tsv", newline="") as handle:
        clip, _, hypothesis = list(csv.reader(handle, delimiter="\t"))[1]
    prepared = Path(yaml_value(run / "config.yaml", "prepared"))
    folder = prepared.parent / "openpose" / clip
    [(path, sentence, _)] = translate([folder], run / "best_checkpoint.pt")
    assert path == str(folder) and sentence == hypothesis
    other = tmp_path / "other.npy"
    np.save(other, np.ones((5, 50, 3), np.float32))
    with pytest.raises(InputError, match="openpose137.* 137"):
        translate([other], run / "best_checkpoint.pt")


def yaml_value(path: Path, key: str) -> str:
    import yaml

    return yaml.safe_load(path.read_text())["data"][key]
