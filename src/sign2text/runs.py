"""Run folders: launching training in the background, reading a run's status, stopping it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sign2text import atomic
from sign2text.config import from_saved
from sign2text.health import assess


def launch_background(arguments: list[str], run_dir: Path) -> int:
    """Start `sign2text ARGUMENTS` detached from this terminal; output goes to train.out."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / "train.out", "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sign2text", *arguments],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    atomic.write_text(run_dir / "pid", f"{process.pid}\n")
    (run_dir / "state.json").unlink(missing_ok=True)
    return process.pid


def _pid(run_dir: Path) -> int | None:
    try:
        return int((run_dir / "pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


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
    state: str  # running | finished | stopped | died | not started
    epoch: int
    epochs: int
    eta_seconds: float | None
    last: dict[str, Any]
    best: dict[str, Any]
    health: str


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_status(run_dir: str | Path) -> RunStatus:
    """Read a run folder's history, config, pid and end state."""
    run_dir = Path(run_dir)
    history = _read_json(run_dir / "history.json")
    try:
        config = from_saved(yaml.safe_load((run_dir / "config.yaml").read_text()))
        epochs = config.train.epochs
    except (OSError, ValueError, TypeError, AttributeError):
        config, epochs = None, 0
    ended = _read_json(run_dir / "state.json").get("status")
    alive = is_alive(_pid(run_dir))
    done = len(history.get("epoch", []))
    if alive:
        state = "running"
    elif ended:
        state = ended
    else:
        state = "died" if (run_dir / "pid").exists() else "not started"

    def at(i: int) -> dict[str, Any]:
        keys = ("epoch", "train_loss", "val_loss", "val_bleu4", "val_wer")
        return {k: history[k][i] for k in keys if k in history and len(history[k]) > i}

    last = at(done - 1) if done else {}
    best = (
        at(min(range(done), key=lambda i: history["val_loss"][i]))
        if (done and "val_loss" in history)
        else {}
    )
    eta = None
    if alive and done:
        per_epoch = sum(history["epoch_seconds"]) / done
        eta = per_epoch * max(epochs - done, 0)
    health = assess(history, config.health).line() if config and done else "-"
    return RunStatus(run_dir, state, done, epochs, eta, last, best, health)


def find_runs(root: str | Path = "runs") -> list[Path]:
    """Run folders under `root` (folders holding a config.yaml), newest first."""
    root = Path(root)
    if (root / "config.yaml").exists():
        return [root]
    runs = [p.parent for p in root.glob("*/config.yaml")]
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


def stop_run(run_dir: str | Path, timeout: float = 120.0) -> bool:
    """Ask a running training to stop (SIGTERM): it saves resume.ckpt and exits.

    Returns True once the process has ended, False if it was not running.
    """
    pid = _pid(Path(run_dir))
    if not is_alive(pid):
        return False
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not is_alive(pid)
