"""Where a run came from: package versions, the git commit of the sign2text source, the command
line, the machine and the prepared data's fingerprint; kept in the run folder's
provenance.json and in every checkpoint's info."""

from __future__ import annotations

import os
import platform
import shlex
import socket
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

import sign2text
from sign2text.data.fingerprint import fingerprint
from sign2text.jobs import COMMAND_ENV, own_command
from sign2text.urls import mask_password

# The distributions whose versions decide what a run computes or records.
PACKAGES = (
    "torch",
    "lightning",
    "numpy",
    "sacrebleu",
    "jiwer",
    "rouge-score",
    "sentencepiece",
    "pose-format",
    "ftfy",
    "optuna",
    "tensorboard",
    "mlflow-skinny",
    "mlflow",
    "wandb",
)
GIT_SECONDS = 10


def package_versions() -> dict[str, str]:
    """sign2text's version and those of PACKAGES that are installed."""
    versions = {"sign2text": sign2text.__version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=GIT_SECONDS,
        check=True,
    )
    return done.stdout


def git_state(package: Path | None = None) -> dict[str, Any] | None:
    """The commit of the sign2text checkout this package runs from and whether its tree had
    changes (tracked or untracked files); None when it is not run from a git checkout of
    sign2text (an installed package, a checkout without git)."""
    package = (package or Path(sign2text.__file__).parent).resolve()
    try:
        top = Path(_git(package, "rev-parse", "--show-toplevel").strip())
        if (top / "src" / "sign2text").resolve() != package:
            return None  # a package installed inside some other repository
        commit = _git(top, "rev-parse", "HEAD").strip()
        changes = _git(top, "status", "--porcelain").splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(changes), "changed_paths": len(changes)}


def command_line() -> str:
    """The command that started this run (a job process's: the command that started the job),
    passwords in URLs masked."""
    command = os.environ.get(COMMAND_ENV) or shlex.join(own_command())
    return mask_password(command)


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """Host, operating system, CPU, GPUs and Python."""
    gpus = (
        [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if torch.cuda.is_available()
        else []
    )
    return {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "python": platform.python_version(),
    }


def collect(prepared: str | Path) -> dict[str, Any]:
    """This run's provenance: plain values (they go into checkpoints loaded weights-only)."""
    return {
        "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "packages": package_versions(),
        "git": git_state(),
        "command": command_line(),
        "cwd": os.getcwd(),
        "machine": machine(),
        "data": {"prepared": str(prepared), **fingerprint(prepared).to_dict()},
    }


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """The few provenance values trackers get beside the config's (as hyper-parameters)."""
    git = record.get("git") or {}
    return {
        "provenance.sign2text": record["packages"]["sign2text"],
        "provenance.data_sha256": record["data"]["sha256"],
        "provenance.git_commit": git.get("commit", ""),
        "provenance.git_dirty": git.get("dirty", False),
    }


def with_earlier(record: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """A resumed run's record: this attempt's, with those of the attempts before it (oldest
    first) under `earlier_attempts`."""
    if not earlier:
        return record
    previous = {k: v for k, v in earlier.items() if k != "earlier_attempts"}
    return {**record, "earlier_attempts": [*earlier.get("earlier_attempts", []), previous]}
