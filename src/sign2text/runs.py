"""Runs as processes: launching training in the background, a run's status, stopping it."""

from __future__ import annotations

import math
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sign2text.config import ConfigError
from sign2text.run_folder import CONFIG, ENDINGS, PRETRAIN, RunFolder


def is_alive(pid: int | None) -> bool:
    """Whether `pid` is a running sign2text process (not a zombie, not a reused pid)."""
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z" and b"sign2text" in cmdline


@dataclass(frozen=True)
class RunStatus:
    """One run at a glance."""

    run_dir: Path
    state: str  # running | finished | stopped | failed | pruned | died | not started
    epoch: int
    epochs: int
    eta_seconds: float | None
    last: dict[str, Any]
    best: dict[str, Any]
    health: str
    reason: str = ""  # why it failed
    progress: dict[str, Any] = field(default_factory=dict)  # in the running epoch (see below)


def _state(run: RunFolder, record: dict[str, Any]) -> tuple[str, bool]:
    """(state, whether its process is alive), from the run's own record and its processes.

    A run's process records "running" with its pid when it starts, superseding what an
    earlier attempt left, and how it ended when it ends; a process gone without saying how it
    ended (kill -9, out of memory, power loss) died. A run just launched in the background has
    no record yet, only the pid file.
    """
    launched = run.pid()
    if is_alive(launched):
        return "running", True
    status = record.get("status")
    if status == "running":
        pid = record.get("pid")
        alive = isinstance(pid, int) and is_alive(pid)
        return ("running" if alive else "died"), alive
    if status in ENDINGS:
        return status, False
    return ("died" if launched is not None else "not started"), False


def run_status(run_dir: str | Path) -> RunStatus:
    """Read a run folder's history, config, pid and end state."""
    run = RunFolder(Path(run_dir))
    history = run.read_history()
    record = run.read_state()
    try:
        config = run.read_config()
        epochs = config.pretrain.epochs if record.get("task") == PRETRAIN else config.train.epochs
    except (OSError, ValueError, TypeError, AttributeError, ConfigError, yaml.YAMLError):
        epochs = 0
    state, alive = _state(run, record)
    done = len(history.get("epoch", []))

    def at(i: int) -> dict[str, Any]:
        keys = ("epoch", "train_loss", "val_loss", "val_bleu4", "val_wer")
        return {k: history[k][i] for k in keys if k in history and len(history[k]) > i}

    last = at(done - 1) if done else {}
    scored = [(v, i) for i, v in enumerate(history.get("val_loss", [])) if _finite(v)]
    best = at(min(scored)[1]) if scored else {}
    progress = _running_epoch(run, done) if alive else {}
    eta = _eta(history, done, epochs, progress) if alive else None
    health = history["health"][-1] if done and history.get("health") else "-"
    reason = str(record.get("reason", "")) if state == "failed" else ""
    return RunStatus(run.path, state, done, epochs, eta, last, best, health, reason, progress)


def _running_epoch(run: RunFolder, done: int) -> dict[str, Any]:
    """progress.json when it is about the epoch after the `done` finished ones (one an earlier
    process left, or of an epoch now finished, is not)."""
    progress = run.read_progress()
    return progress if progress.get("epoch") == done + 1 else {}


def _eta(history: dict[str, Any], done: int, epochs: int, progress: dict[str, Any]) -> float | None:
    """Seconds to the last epoch's end: epochs left at the mean epoch's time, less what the
    running epoch has done; in the first epoch, from how far it has come."""
    batches, total = progress.get("batches") or 0, progress.get("batches_total") or 0
    into = float(progress.get("seconds", 0.0))
    if done:
        per_epoch = sum(history["epoch_seconds"]) / done
    elif batches and total:
        per_epoch = into * total / batches
    else:
        return None
    return max(per_epoch * max(epochs - done, 0) - (into if progress else 0.0), 0.0)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def find_runs(root: str | Path = "runs") -> list[Path]:
    """Run folders under `root` (folders holding a config.yaml), newest first."""
    root = Path(root)
    if RunFolder(root).is_run():
        return [root]
    runs = [p.parent for p in root.glob(f"*/{CONFIG}")]
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


def stop_run(run_dir: str | Path, timeout: float = 120.0) -> bool:
    """Ask a running training to stop (SIGTERM): it saves resume.ckpt and exits.

    Returns True once the process has ended, False if it was not running.
    """
    pid = RunFolder(Path(run_dir)).pid()
    if not is_alive(pid):
        return False
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not is_alive(pid)
