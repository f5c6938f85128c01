"""Evaluation outputs, comparison tables and plots, on runs trained on random data."""

import csv
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.cli import main
from sign2text.evaluation.evaluate import evaluate
from sign2text.evaluation.sentences import HEADER, read_predictions
from sign2text.metrics import sentence_scores
from sign2text.reports.compare import load_run, table, table_csv, table_latex, table_markdown
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
    assert rows[0] == list(HEADER) and len(rows) == 1 + metrics["clips"]
    predictions = read_predictions(two_runs[0] / "eval_test" / "predictions.tsv")
    own = sentence_scores([p.hypothesis for p in predictions], [p.reference for p in predictions])
    assert [p.bleu for p in predictions] == [round(b, 2) for b in own["bleu"]]


def test_history_is_the_users_plotting_format(two_runs: list[Path]) -> None:
    h = json.load(open(two_runs[0] / "history.json"))  # noqa: SIM115 - the user's own snippet
    plt.plot(h["train_loss"])
    plt.plot(h["val_loss"])
    plt.close("all")
    assert len(h["train_loss"]) == len(h["val_loss"]) == 2


def test_compare_lists_differences_and_significance(two_runs: list[Path]) -> None:
    compared = table([load_run(r, "test") for r in two_runs])
    names = [column.name for column in compared.columns]
    assert "train.lr" in names and "model.d_model" not in names
    assert compared.rows[0][-1].value is None and 0.0 <= compared.rows[1][-1].value <= 1.0
    assert "| v1 |" in table_markdown(compared)
    assert r"\toprule" in table_latex(compared) and "train.lr" in table_latex(compared)
    assert table_csv(compared).count("\n") == 3


def test_compare_command_writes_the_chosen_columns(
    two_runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "table"
    runs = [str(r) for r in two_runs]
    command = ["compare", *runs, "--columns", "bleu4,wer", "--intervals", "pm", "-o", str(out)]
    assert main([*command, "--caption", "Two runs", "--label", "tab:two"]) == 0
    tex = (tmp_path / "table.tex").read_text()
    assert "\\caption{Two runs}" in tex and "\\label{tab:two}" in tex and "$\\pm$" in tex
    with open(tmp_path / "table.csv", newline="") as handle:
        header = next(csv.reader(handle))
    bounded = [f"{name}{end}" for name in ("bleu4", "wer") for end in ("", "_low", "_high")]
    assert header == ["run", "train.lr", *bounded]
    capsys.readouterr()
    assert main(["compare", *runs, "--columns", "bleu4,blue"]) == 2
    assert "blue" in capsys.readouterr().err


def test_evaluate_lists_the_worst_sentences(
    two_runs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(two_runs[1]), "--worst", "2"]) == 0
    out = capsys.readouterr().out
    worst = read_predictions(two_runs[1] / "eval_test" / "predictions.tsv")
    lowest = min(worst, key=lambda p: p.bleu or 0.0)
    assert "the 2 worst sentences (lowest sentence BLEU):" in out
    assert f"  {lowest.clip}  BLEU {lowest.bleu:.2f}" in out
    assert out.count("    reference:  ") == 2


def test_plot_and_status(two_runs: list[Path], tmp_path: Path) -> None:
    out = plot_runs(two_runs, tmp_path / "curves.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    status = run_status(two_runs[1])
    assert (status.state, status.epoch, status.epochs) == ("finished", 2, 2)
    assert status.best["epoch"] in (1, 2) and status.health != "-"


def test_translate_matches_evaluation_and_refuses_other_layouts(
    two_runs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from sign2text.errors import InputError
    from sign2text.translate import translate

    run = two_runs[0]
    with open(run / "eval_test" / "predictions.tsv", newline="") as handle:
        clip, _, hypothesis, *_ = list(csv.reader(handle, delimiter="\t"))[1]
    prepared = Path(yaml_value(run / "config.yaml", "prepared"))
    folder = prepared.parent / "openpose" / clip
    [(path, sentence, _)] = translate([folder], run / "best_checkpoint.pt")
    assert path == str(folder) and sentence == hypothesis
    other = tmp_path / "other.npy"
    np.save(other, np.ones((5, 50, 3), np.float32))
    with pytest.raises(InputError, match="openpose137.* 137"):
        translate([other], run / "best_checkpoint.pt")
    import sign2text.translate as module

    searched = []
    infer = module.infer

    def spy(*args, **kwargs):
        searched.append(args[3].beam_size)
        return infer(*args, **kwargs)

    monkeypatch.setattr(module, "infer", spy)
    translate([folder], run / "best_checkpoint.pt", beam=3)
    assert searched == [3]


def test_translate_writes_a_tsv_and_never_over_its_input(
    two_runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = two_runs[0]
    prepared = Path(yaml_value(run / "config.yaml", "prepared"))
    folders = sorted((prepared.parent / "openpose").iterdir())[:2]
    out = tmp_path / "sentences.tsv"
    command = ["translate", *map(str, folders), "--checkpoint", str(run / "best_checkpoint.pt")]
    assert main([*command, "--beam", "2", "--out", str(out)]) == 0
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    assert rows[0] == ["input", "sentence"] and [r[0] for r in rows[1:]] == list(map(str, folders))
    before = out.read_bytes()
    assert main([*command, "--out", str(out)]) == 2  # exists: only with --overwrite
    assert "--overwrite" in capsys.readouterr().err and out.read_bytes() == before
    clip_file = next(folders[0].iterdir())
    kept = clip_file.read_bytes()
    assert main([*command, "--out", str(clip_file), "--overwrite"]) == 2
    assert clip_file.read_bytes() == kept


def yaml_value(path: Path, key: str) -> str:
    import yaml

    return yaml.safe_load(path.read_text())["data"][key]
