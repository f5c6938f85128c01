"""What a search found: the trials table, the best trial as a config file, and two plots."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import optuna
from matplotlib.figure import Figure
from optuna.trial import FrozenTrial, TrialState

from sign2text import atomic
from sign2text import config as configuration
from sign2text.reports.compare import csv_text
from sign2text.tuning.search import FINISHED, Search, count
from sign2text.tuning.space import apply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """The search's results as the CLI shows them."""

    header: list[str]
    rows: list[list[str]]
    finished: int
    best: str  # which trial is best and where its config went, or why there is none
    files: list[Path]


def _cell(value: Any, spec: str = ".4g") -> str:
    if value is None:
        return "-"
    return format(value, spec) if isinstance(value, float) else str(value)


def trial_table(study: optuna.Study, search: Search) -> tuple[list[str], list[list[str]]]:
    """One row per trial: number, state, score, epochs run, training seconds, parameters."""
    names = [parameter.name for parameter in search.space.parameters]
    header = ["trial", "state", search.metric, "epochs", "seconds", *names]
    rows = [
        [
            str(t.number),
            t.state.name.lower(),
            _cell(t.value, ".4f"),
            _cell(t.user_attrs.get("epochs")),
            _cell(t.user_attrs.get("seconds"), ".1f"),
            *[_cell(t.params.get(name)) for name in names],
        ]
        for t in study.get_trials(deepcopy=False)
    ]
    return header, rows


def best_config(study: optuna.Study, search: Search, path: Path) -> str:
    """The best trial's config, trained for the base config's full epochs, as a YAML file
    whose opening comment says where it came from."""
    best = study.best_trial
    config = apply(
        search.base,
        {
            **best.user_attrs["config"],
            "name": f"{search.base.name}-tuned",
            "data.prepared": str(Path(search.base.data.prepared).resolve()),
        },
    )
    comment = [
        f"Best configuration of the search {search.study_name!r}: trial {best.number} "
        f"({search.run_dir(best.number)}),",
        f"{search.metric} {best.value:.4f} after {best.user_attrs.get('epochs')} of "
        f"{search.epochs} epochs. Epochs here are the base config's full {config.train.epochs}.",
        f"Train it with: sign2text train --config {path}",
    ]
    return "".join(f"# {line}\n" for line in comment) + configuration.dump(config)


def _save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    with atomic.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120)
    plt.close(figure)


def plot_history(study: optuna.Study, search: Search, path: Path) -> None:
    """Each trial's score by trial number, complete and pruned, and the best so far."""
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for state, marker in ((TrialState.COMPLETE, "o"), (TrialState.PRUNED, "x")):
        trials = [
            t for t in study.get_trials(deepcopy=False, states=(state,)) if t.value is not None
        ]
        axis.scatter(
            [t.number for t in trials],
            [t.value for t in trials],
            marker=marker,
            label=state.name.lower(),
        )
    complete: list[FrozenTrial] = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if complete:
        better = min if search.direction == "minimize" else max
        best = list(itertools.accumulate((t.value for t in complete), better))
        last = study.get_trials(deepcopy=False)[-1].number  # the line runs on to the last trial
        numbers = [t.number for t in complete] + [last]
        axis.step(numbers, best + best[-1:], where="post", color="black", label="best so far")
    axis.set_xlabel("trial")
    axis.set_ylabel(f"{search.metric} (best epoch; pruned: last epoch)")
    axis.set_title(f"search {search.study_name!r}")
    axis.grid(alpha=0.3)
    axis.legend()
    _save(figure, path)


def plot_importances(study: optuna.Study, path: Path) -> None:
    """How much each parameter explains the completed trials' scores (needs two of them)."""
    evaluator = optuna.importance.PedAnovaImportanceEvaluator()
    importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    names = list(reversed(importances))
    figure, axis = plt.subplots(figsize=(7, 0.5 * len(names) + 1.5))
    axis.barh(names, [importances[name] for name in names])
    axis.set_xlabel("importance (share, PED-ANOVA over the completed trials)")
    axis.grid(axis="x", alpha=0.3)
    _save(figure, path)


def write_report(study: optuna.Study, search: Search) -> Report:
    """trials.csv, best.yaml and the plots in the search's folder, each written atomically."""
    out = search.out
    header, rows = trial_table(study, search)
    atomic.write_text(out / "trials.csv", csv_text(header, rows))
    files = [out / "trials.csv"]
    complete = count(study, (TrialState.COMPLETE,))
    if complete:
        path = out / "best.yaml"
        atomic.write_text(path, best_config(study, search, path))
        best = study.best_trial
        summary = f"best: trial {best.number}, {search.metric} {best.value:.4f}; config: {path}"
        files.append(path)
    else:
        summary = "no trial has completed yet, so there is no best configuration"
    plot_history(study, search, out / "optimization_history.png")
    files.append(out / "optimization_history.png")
    if complete >= 2:
        plot_importances(study, out / "param_importances.png")
        files.append(out / "param_importances.png")
    else:
        log.info("parameter importances need two completed trials; %d so far", complete)
    return Report(header, rows, count(study, FINISHED), summary, files)
