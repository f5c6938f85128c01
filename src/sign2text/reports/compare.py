"""The comparison table of several runs on one test set: Markdown, LaTeX (booktabs, for a
thesis) and CSV (numbers as numbers).

A `Table` holds numbers, not text: each renderer formats them itself, so the CSV keeps full
precision with interval bounds in columns of their own, while Markdown and LaTeX round, mark
the best value of each metric in bold and show intervals as `±` or `[low, high]`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from sign2text.bootstrap import bootstrap_interval, paired_bootstrap
from sign2text.config import flatten
from sign2text.errors import ConfigError, InputError
from sign2text.evaluation.sentences import read_predictions
from sign2text.metrics import HIGHER_IS_BETTER, LABELS
from sign2text.run_folder import METRICS, PREDICTIONS, RunFolder

SIGNIFICANCE_SAMPLES = 1000
INTERVAL_SAMPLES = 1000  # as `evaluate` draws them, so its intervals are reused as they are
BASELINE = "<baseline>"  # in a label: the first run's name


@dataclass(frozen=True)
class Column:
    """A column of the table: its name (as `--columns` and the CSV header spell it), its label
    (as Markdown and LaTeX show it), and how its numbers are shown and ranked."""

    name: str
    label: str
    decimals: int | None = None  # None: shown as it is (run names, config values)
    better: int = 0  # +1: the highest value is best, -1: the lowest, 0: not ranked
    interval: bool = False  # has a bootstrap interval


def _metric_column(key: str) -> Column:
    decimals = 3 if key.startswith("wer") else 2
    return Column(key, LABELS[key], decimals, 1 if HIGHER_IS_BETTER[key] else -1, True)


# Every column `--columns` can choose, in the order they are listed.
COLUMNS: dict[str, Column] = {
    "parameters": Column("parameters", "parameters", 0),
    "epochs": Column("epochs", "epochs", 0),
    "train_minutes": Column("train_minutes", "train time (min)", 1),
    **{key: _metric_column(key) for key in HIGHER_IS_BETTER},
    "perplexity": Column("perplexity", LABELS["perplexity"], 2, -1),
    **{
        f"p_{key}": Column(f"p_{key}", f"p ({LABELS[key]} vs {BASELINE})", 3)
        for key in HIGHER_IS_BETTER
    },
}
DEFAULT_COLUMNS = (
    "parameters",
    "epochs",
    "train_minutes",
    "bleu1",
    "bleu4",
    "chrf",
    "rouge_l",
    "wer",
    "perplexity",
    "p_bleu4",
    "p_wer",
)
INTERVAL_STYLES = ("pm", "brackets", "none")


def column_names(text: str | None) -> tuple[str, ...]:
    """The columns a comma-separated `--columns` value names (DEFAULT_COLUMNS for None)."""
    if text is None:
        return DEFAULT_COLUMNS
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or not names:
        raise ConfigError(
            f"--columns: unknown column(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {','.join(COLUMNS)}"
        )
    return names


@dataclass(frozen=True)
class Cell:
    """A value with its interval, if it has one."""

    value: float | int | str | None  # None: nothing to show (the baseline's own p-value)
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Table:
    """Columns and rows of cells, one row per run; the first column names the run."""

    columns: list[Column]
    rows: list[list[Cell]]


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
    return RunReport(
        name=run_dir.name,
        config=flatten(yaml.safe_load(run.config_file.read_text())),
        metrics=json.loads((evaluation / METRICS).read_text()),
        epochs=len(history.get("epoch", [])),
        train_seconds=float(sum(history.get("epoch_seconds", []))),
        predictions=[
            (p.clip, p.reference, p.hypothesis) for p in read_predictions(evaluation / PREDICTIONS)
        ],
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
    data changed, or another dataset), which runs recorded none, and when some learnt and were
    scored in lower case (`text.lowercase`) and others not."""
    known = [r for r in reports if r.data]
    warnings = []
    lower = [r.name for r in reports if r.config.get("text.lowercase")]
    if lower and len(lower) < len(reports):
        warnings.append(
            f"{', '.join(lower)} learnt and were scored in lower case (text.lowercase), the "
            "others with case: their BLEU is not comparable (lower-cased scoring is kinder)"
        )
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


def _same_clips(report: RunReport, baseline: RunReport) -> None:
    """Refuse runs evaluated on other clips (references compared without case: a
    `text.lowercase` run's are lower-cased, and `data_warnings` says so)."""

    def clips(run: RunReport) -> list[tuple[str, str]]:
        return [(clip, reference.lower()) for clip, reference, _ in run.predictions]

    if clips(report) != clips(baseline):
        raise InputError(
            report.name,
            f"was evaluated on other clips than {baseline.name}",
            "compare runs evaluated on the same split of the same dataset",
        )


def _significance(report: RunReport, baseline: RunReport, metric: str) -> float | None:
    """Paired-bootstrap p-value of `report` against `baseline` (None for the baseline)."""
    if report is baseline:
        return None
    _same_clips(report, baseline)
    return paired_bootstrap(
        [p[2] for p in report.predictions],
        [p[2] for p in baseline.predictions],
        [p[1] for p in baseline.predictions],
        metric,
        SIGNIFICANCE_SAMPLES,
    ).p_value


def _interval(report: RunReport, metric: str) -> tuple[float, float]:
    """The metric's 95% bootstrap interval: evaluate's when it computed one, else drawn the
    same way from the predictions."""
    saved = report.metrics.get("intervals_95", {}).get(metric)
    if saved is not None:
        return float(saved[0]), float(saved[1])
    hypotheses = [p[2] for p in report.predictions]
    references = [p[1] for p in report.predictions]
    found = bootstrap_interval(hypotheses, references, metric, INTERVAL_SAMPLES)
    return found.low, found.high


def _cell(report: RunReport, baseline: RunReport, name: str, intervals: bool) -> Cell:
    """One run's value of the column `name`."""
    figures: dict[str, Callable[[], Any]] = {
        "parameters": lambda: report.metrics.get("parameters"),
        "epochs": lambda: report.epochs,
        "train_minutes": lambda: report.train_seconds / 60,
    }
    if name in figures:
        return Cell(figures[name]())
    if name.startswith("p_"):
        return Cell(_significance(report, baseline, name[2:]))
    value = report.metrics.get(name)
    if intervals and COLUMNS[name].interval and value is not None:
        return Cell(value, *_interval(report, name))
    return Cell(value)


def table(
    reports: list[RunReport], columns: Sequence[str] = DEFAULT_COLUMNS, *, intervals: bool = True
) -> Table:
    """The runs side by side: name, the config keys that differ, then `columns` (names of
    COLUMNS); metrics with their 95% bootstrap interval when `intervals`. p-values compare
    each run with the first one."""
    differences = config_differences(reports)
    baseline = reports[0]
    chosen = [
        replace(COLUMNS[name], label=COLUMNS[name].label.replace(BASELINE, baseline.name))
        for name in columns
    ]
    rows = [
        [
            Cell(report.name),
            *(Cell(report.config.get(key)) for key in differences),
            *(_cell(report, baseline, name, intervals) for name in columns),
        ]
        for report in reports
    ]
    return Table([Column("run", "run"), *(Column(k, k) for k in differences), *chosen], rows)


# Rendering ----------------------------------------------------------------------------------


class Markup(NamedTuple):
    """How a text format writes bold, plus-minus and its special characters."""

    bold: Callable[[str], str]
    plus_minus: str
    escape: Callable[[str], str]


LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile("|".join(map(re.escape, LATEX_SPECIAL)))


def _latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped, in one pass."""
    return _LATEX_SPECIAL.sub(lambda match: LATEX_SPECIAL[match.group()], text)


MARKDOWN = Markup(lambda text: f"**{text}**", " ± ", lambda text: text.replace("|", r"\|"))
LATEX = Markup(lambda text: rf"\textbf{{{text}}}", r" $\pm$ ", _latex_escape)


def _number(value: float | int, decimals: int) -> str:
    return f"{round(value):,}" if decimals == 0 else f"{value:.{decimals}f}"


def _best_rows(table: Table, index: int) -> set[int]:
    """Rows holding the best value of column `index` as shown (ties: all of them); none when
    the column is not ranked or fewer than two runs have a value."""
    column = table.columns[index]
    if not column.better or column.decimals is None:
        return set()
    shown = {
        i: round(float(row[index].value), column.decimals)
        for i, row in enumerate(table.rows)
        if isinstance(row[index].value, int | float)
    }
    if len(shown) < 2:
        return set()
    best = max(column.better * value for value in shown.values())
    return {i for i, value in shown.items() if column.better * value == best}


def _text(column: Column, cell: Cell, markup: Markup, style: str, bold: bool) -> str:
    """A cell as Markdown or LaTeX shows it."""
    if cell.value is None:
        return "-"
    if column.decimals is None or not isinstance(cell.value, int | float):
        return markup.escape(cell.value if isinstance(cell.value, str) else json.dumps(cell.value))
    text = _number(cell.value, column.decimals)
    text = markup.bold(text) if bold else text
    if cell.low is None or cell.high is None or style == "none":
        return text
    if style == "pm":
        return text + markup.plus_minus + _number((cell.high - cell.low) / 2, column.decimals)
    return f"{text} [{_number(cell.low, column.decimals)}, {_number(cell.high, column.decimals)}]"


def _shown(table: Table, markup: Markup, style: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows as text, best values in bold."""
    if style not in INTERVAL_STYLES:
        raise ValueError(f"unknown interval style {style!r}; choose from {INTERVAL_STYLES}")
    best = [_best_rows(table, index) for index in range(len(table.columns))]
    header = [markup.escape(column.label) for column in table.columns]
    rows = [
        [
            _text(column, cell, markup, style, i in best[index])
            for index, (column, cell) in enumerate(zip(table.columns, row, strict=True))
        ]
        for i, row in enumerate(table.rows)
    ]
    return header, rows


def markdown(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of text cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def table_markdown(table: Table, intervals: str = "brackets") -> str:
    """The table in Markdown; `intervals`: "pm", "brackets" or "none" (INTERVAL_STYLES)."""
    return markdown(*_shown(table, MARKDOWN, intervals))


def table_latex(
    table: Table,
    intervals: str = "brackets",
    *,
    caption: str | None = None,
    label: str | None = None,
) -> str:
    """The table as a LaTeX `table` float with booktabs rules (needs `\\usepackage{booktabs}`);
    `caption` (LaTeX, written as given) and `label` when given."""
    header, rows = _shown(table, LATEX, intervals)
    align = "".join("r" if c.decimals is not None else "l" for c in table.columns)
    lines = [r"% needs \usepackage{booktabs}", r"\begin{table}[t]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{caption}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{align}}}", r"\toprule", " & ".join(header) + r" \\"]
    lines += [r"\midrule", *(" & ".join(row) + r" \\" for row in rows)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _csv_value(value: Any) -> Any:
    """A value as the csv module writes it: numbers as numbers, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool | list | dict):
        return json.dumps(value)
    return value


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """CSV of text cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def table_csv(table: Table) -> str:
    """The table as CSV: column names as `--columns` spells them, numbers unrounded, and each
    interval's bounds in columns of their own (`NAME_low`, `NAME_high`)."""
    bounded = [any(row[i].low is not None for row in table.rows) for i in range(len(table.columns))]
    header: list[str] = []
    for column, has_bounds in zip(table.columns, bounded, strict=True):
        header += [column.name, f"{column.name}_low", f"{column.name}_high"][
            : 3 if has_bounds else 1
        ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in table.rows:
        values: list[Any] = []
        for cell, has_bounds in zip(row, bounded, strict=True):
            values += [cell.value, cell.low, cell.high][: 3 if has_bounds else 1]
        writer.writerow([_csv_value(value) for value in values])
    return buffer.getvalue()
