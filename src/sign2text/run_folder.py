"""A run folder: the one place that knows its file names and reads and writes them.

config.yaml          the resolved config (every key)
train.log            this package's log records; train.out: a background run's console
history.json         per-epoch lists (train_loss, val_loss, ...)
best_checkpoint.pt   portable checkpoints (model, config, tokenizer), weights-only loadable
last_checkpoint.pt
resume.ckpt          the full trainer state for `train --resume`
state.json, pid      how the run stands: running (with its pid), then how it ended
progress.json        where the running epoch is (batches, clips), rewritten every few seconds
provenance.json      package versions, git commit, command line, machine, data fingerprint
tensorboard/         TensorBoard logs
mlflow.db, mlartifacts/, wandb/   the MLflow store and W&B files (train.loggers), when chosen
eval_<split>/        metrics.json and predictions.tsv of `evaluate`
curves.png           `plot`'s default output
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sign2text import atomic
from sign2text.config import Config, dump, from_saved

if TYPE_CHECKING:  # checkpoints need torch: imported when used, so `status` starts fast
    from sign2text.model.checkpoint import Loaded

CONFIG = "config.yaml"
LOG = "train.log"
CONSOLE = "train.out"
HISTORY = "history.json"
BEST = "best_checkpoint.pt"
LAST = "last_checkpoint.pt"
RESUME = "resume.ckpt"
STATE = "state.json"
PROGRESS = "progress.json"
PID = "pid"
TENSORBOARD = "tensorboard"
CURVES = "curves.png"
METRICS = "metrics.json"
PREDICTIONS = "predictions.tsv"
GLOSSES = "glosses.tsv"  # recognised glosses, from a model with a recognition head
PROVENANCE = "provenance.json"
MLFLOW_DB = "mlflow.db"
MLFLOW_ARTIFACTS = "mlartifacts"
WANDB = "wandb"
NAMES = (
    *(CONFIG, LOG, CONSOLE, HISTORY, BEST, LAST, RESUME, STATE, PID, TENSORBOARD, CURVES),
    *(PROGRESS, PROVENANCE, MLFLOW_DB, MLFLOW_ARTIFACTS, WANDB),
)
ENDINGS = ("finished", "stopped", "failed", "pruned")
PRETRAIN = "pretrain"  # state.json's "task" in a `sign2text pretrain` run
# What a fresh start removes, so that an older run's files are not mistaken for its own.
EARLIER_ATTEMPT = (RESUME, HISTORY, STATE, BEST, LAST, PROGRESS)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class RunFolder:
    """One run's folder and its files."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def __str__(self) -> str:
        return str(self.path)

    # -- what it holds -------------------------------------------------------------------
    @property
    def config_file(self) -> Path:
        return self.path / CONFIG

    @property
    def history_file(self) -> Path:
        return self.path / HISTORY

    @property
    def resume_file(self) -> Path:
        return self.path / RESUME

    @property
    def log_file(self) -> Path:
        return self.path / LOG

    @property
    def console_file(self) -> Path:
        return self.path / CONSOLE

    def checkpoint_file(self, name: str = BEST) -> Path:
        """`best_checkpoint.pt`, `last_checkpoint.pt`, or another file name in the folder."""
        return self.path / name

    def evaluation(self, split: str) -> Path:
        """The folder `evaluate` writes a split's metrics and predictions to."""
        return self.path / f"eval_{split}"

    def is_run(self) -> bool:
        """Whether training has started here (a config.yaml exists)."""
        return self.config_file.is_file()

    # -- config and history --------------------------------------------------------------
    def write_config(self, config: Config) -> None:
        atomic.write_text(self.config_file, dump(config))

    def read_config(self) -> Config:
        """The saved config, as `config.from_saved` rebuilds runs of earlier versions."""
        return from_saved(yaml.safe_load(self.config_file.read_text(encoding="utf-8")))

    def read_history(self) -> dict[str, list[Any]]:
        """Per-epoch lists; empty before the first epoch ends (or when unreadable)."""
        return _read_json(self.history_file)

    def write_history(self, history: dict[str, list[Any]]) -> None:
        atomic.write_json(self.history_file, history)

    # -- provenance ----------------------------------------------------------------------
    def write_provenance(self, record: dict[str, Any]) -> None:
        atomic.write_json(self.path / PROVENANCE, record)

    def read_provenance(self) -> dict[str, Any]:
        """Where the run came from (`training.provenance`); empty for runs without it."""
        return _read_json(self.path / PROVENANCE)

    # -- checkpoints ---------------------------------------------------------------------
    def save_checkpoint(self, name: str, **parts: Any) -> None:
        """A portable checkpoint (`checkpoint.save`) under `name`, written atomically."""
        from sign2text.model import checkpoint

        checkpoint.save(self.checkpoint_file(name), **parts)

    def load_checkpoint(self, name: str = BEST, device: Any = "cpu") -> Loaded:
        from sign2text.model import checkpoint

        return checkpoint.load(self.checkpoint_file(name), device)

    # -- state and process ---------------------------------------------------------------
    def forget_earlier_attempt(self) -> None:
        """Remove what an earlier attempt left (a fresh start must not be mistaken for it)."""
        for name in EARLIER_ATTEMPT:
            (self.path / name).unlink(missing_ok=True)

    def record_state(self, status: str, **details: Any) -> None:
        """The run's own record: `status` (running or one of ENDINGS), this process's pid and
        `details`; "running" also names this process in the pid file."""
        if status == "running":
            self.write_pid(os.getpid())
        atomic.write_json(self.path / STATE, {"status": status, "pid": os.getpid(), **details})

    def read_state(self) -> dict[str, Any]:
        return _read_json(self.path / STATE)

    def clear_state(self) -> None:
        """Forget how an earlier attempt ended: a newly started one writes its own."""
        (self.path / STATE).unlink(missing_ok=True)

    def write_progress(self, progress: dict[str, Any]) -> None:
        """Where the running epoch is (`training.progress.EpochProgress` writes it)."""
        atomic.write_json(self.path / PROGRESS, progress)

    def read_progress(self) -> dict[str, Any]:
        return _read_json(self.path / PROGRESS)

    def write_pid(self, pid: int) -> None:
        atomic.write_text(self.path / PID, f"{pid}\n")

    def pid(self) -> int | None:
        """The process training the run, as it (or its launcher) recorded it."""
        try:
            return int((self.path / PID).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
