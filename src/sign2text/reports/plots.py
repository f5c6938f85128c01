"""Training curves of one or several runs as one PNG."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sign2text import atomic
from sign2text.errors import InputError
from sign2text.metrics import LABELS
from sign2text.run_folder import RunFolder

PANELS = (
    ("loss", ("train_loss", "val_loss"), "loss (label-smoothed, per token)", False),
    ("learning rate", ("lr",), "learning rate", True),
    (f"validation {LABELS['bleu4']}", ("val_bleu4",), LABELS["bleu4"], False),
    (f"validation {LABELS['wer']}", ("val_wer",), LABELS["wer"], False),
)


def load_history(run_dir: Path) -> dict[str, list]:
    path = RunFolder(run_dir).history_file
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputError(path, "no history yet", "plot a run that finished an epoch") from error
    except ValueError as error:
        raise InputError(path, f"not valid JSON ({error})") from error


def plot_runs(run_dirs: list[Path], out: Path) -> Path:
    """Draw loss, learning rate, validation BLEU-4 and WER per epoch, runs overlaid."""
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, run_dir in enumerate(run_dirs):
        history = load_history(run_dir)
        epochs = history.get("epoch", list(range(1, len(history.get("train_loss", [])) + 1)))
        colour = colours[i % len(colours)]
        for axis, (title, keys, label, log_scale) in zip(axes.flat, PANELS, strict=True):
            for key in keys:
                if key in history:
                    style = "--" if key.startswith("val") and len(keys) > 1 else "-"
                    axis.plot(
                        epochs[: len(history[key])],
                        history[key],
                        style,
                        color=colour,
                        marker="o",
                        markersize=3,
                        label=f"{run_dir.name} {key}",
                    )
            axis.set_title(title)
            axis.set_xlabel("epoch")
            axis.set_ylabel(label)
            if log_scale:
                axis.set_yscale("log")
    for axis in axes.flat:
        if axis.lines:
            axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    with atomic.atomic_path(out) as tmp:
        figure.savefig(tmp, format="png", dpi=120)
    plt.close(figure)
    return out
