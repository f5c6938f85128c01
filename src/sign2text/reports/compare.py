"""The comparison table of several runs on one test set: Markdown, LaTeX and CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sign2text.bootstrap import paired_bootstrap
from sign2text.config import flatten
from sign2text.errors import InputError
from sign2text.metrics import LABELS
from sign2text.run_folder import METRICS, PREDICTIONS, RunFolder

SIGNIFICANCE_SAMPLES = 1000
METRIC_COLUMNS = tuple(
    (LABELS[key], key) for key in ("bleu1", "bleu4", "chrf", "rouge_l", "wer", "perplexity")
)


@dataclass(frozen=True)
class RunReport:
    """What one run contributes to the table."""

    name: str
    config: dict[str, Any]  # flattened: "model.d_model" -> 512
    metrics: dict[str, Any]
    epochs: int
    train_seconds: float
    predictions: list[tuple[str, str, str]]  # clip, reference, hypothesis
    data: str = ""  # the prepared data's fingerprint (provenance.json); "" for older runs


def load_run(run_dir: Path, split: str) -> RunReport:
    """Read a run's config, history, metrics and predictions of `split`."""
    run = RunFolder(run_dir)
    evaluation = run.evaluation(split)
    needed = [run.config_file, evaluation / METRICS, evaluation / PREDICTIONS]
    for path in needed:
        if not path.exists():
            raise InputError(
                path, "missing", f"run `sign2text evaluate {run_dir} --split {split}` first"
            )
    history = run.read_history()
    with open(evaluation / PREDICTIONS, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    return RunReport(
        name=run_dir.name,
        config=flatten(yaml.safe_load(run.config_file.read_text())),
        metrics=json.loads((evaluation / METRICS).read_text()),
        epochs=len(history.get("epoch", [])),
        train_seconds=float(sum(history.get("epoch_seconds", []))),
        predictions=[(r[0], r[1], r[2]) for r in rows],
        data=run.read_provenance().get("data", {}).get("sha256", ""),
    )


def config_differences(reports: list[RunReport]) -> list[str]:
    """Config keys whose values differ between the runs (paths and names left out)."""
    keys = sorted({k for r in reports for k in r.config})
    ignored = {"name", "data.prepared", "train.loggers", "train.tracking_uri"}
    return [
        k
        for k in keys
        if k not in ignored and len({json.dumps(r.config.get(k)) for r in reports}) > 1
    ]


def data_warnings(reports: list[RunReport]) -> list[str]:
    """A warning when the runs were trained on prepared data with different fingerprints (the
    data changed, or another dataset), and which runs recorded none."""
    known = [r for r in reports if r.data]
    warnings = []
    if len({r.data for r in known}) > 1:
        shown = ", ".join(f"{r.name} {r.data[:12]}" for r in known)
        warnings.append(
            f"the runs were trained on different prepared data ({shown}): their scores are "
            "not comparable unless that was the point (provenance.json, data.sha256)"
        )
    if known and len(known) < len(reports):
        missing = ", ".join(r.name for r in reports if not r.data)
        warnings.append(f"no data fingerprint for {missing} (trained before runs recorded one)")
    return warnings


def _significance(report: RunReport, baseline: RunReport, metric: str) -> float | None:
    """Paired-bootstrap p-value of `report` against `baseline` (None for the baseline)."""
    if report is baseline:
        return None
    if [p[:2] for p in report.predictions] != [p[:2] for p in baseline.predictions]:
        raise InputError(
            report.name,
            f"was evaluated on other clips than {baseline.name}",
            "compare runs evaluated on the same split of the same dataset",
        )
    references = [p[1] for p in baseline.predictions]
    return paired_bootstrap(
        [p[2] for p in report.predictions],
        [p[2] for p in baseline.predictions],
        references,
        metric,
        SIGNIFICANCE_SAMPLES,
    ).p_value


def table(reports: list[RunReport]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the comparison, as text cells."""
    differences = config_differences(reports)
    header = [
        "run",
        *differences,
        "parameters",
        "epochs",
        "train time (min)",
        *(name for name, _ in METRIC_COLUMNS),
        f"{LABELS['bleu4']} 95% CI",
        f"{LABELS['wer']} 95% CI",
        f"p ({LABELS['bleu4']} vs {reports[0].name})",
        f"p ({LABELS['wer']} vs {reports[0].name})",
    ]
    rows = []
    for report in reports:
        m = report.metrics
        bleu_ci, wer_ci = m["intervals_95"]["bleu4"], m["intervals_95"]["wer"]
        p_bleu = _significance(report, reports[0], "bleu4")
        p_wer = _significance(report, reports[0], "wer")
        rows.append(
            [
                report.name,
                *(str(report.config.get(k, "-")) for k in differences),
                f"{m.get('parameters') or 0:,}",
                str(report.epochs),
                f"{report.train_seconds / 60:.1f}",
                *(
                    f"{m[key]:.3f}" if key == "wer" else f"{m[key]:.2f}"
                    for _, key in METRIC_COLUMNS
                ),
                f"{bleu_ci[0]:.2f}-{bleu_ci[1]:.2f}",
                f"{wer_ci[0]:.3f}-{wer_ci[1]:.3f}",
                "-" if p_bleu is None else f"{p_bleu:.3f}",
                "-" if p_wer is None else f"{p_wer:.3f}",
            ]
        )
    return header, rows


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    for char, escaped in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("_", r"\_"),
        ("#", r"\#"),
        ("$", r"\$"),
    ):
        text = text.replace(char, escaped)
    return text


def latex(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        r"\toprule",
        " & ".join(_latex_escape(h) for h in header) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(_latex_escape(c) for c in row) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
