"""Work that runs here or in another process: training with its summary, a tuning worker.

`start` runs a job in a new process as `python -m sign2text.jobs JOB`, where JOB is the job's
name and arguments as JSON (resolved configs, never command-line options), so a background run
or a tuning worker does not depend on how the command line spells its options.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sign2text.config import from_dict

# The command line a job records as its own (`training.provenance`): the one that started it,
# not `python -m sign2text.jobs JOB`; set once, by the first sign2text process of a chain.
COMMAND_ENV = "SIGN2TEXT_COMMAND"


def own_command() -> list[str]:
    """This process's command line as the system started it (`python -m sign2text train ..`),
    else the interpreter and `sys.argv`."""
    try:
        with open("/proc/self/cmdline", "rb") as handle:
            words = handle.read().decode("utf-8", "replace").split("\0")[:-1]
    except OSError:
        words = []
    return words or [sys.executable, *sys.argv]


def start(
    job: str,
    arguments: dict[str, Any],
    output: Path,
    *,
    detach: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Run `job` with `arguments` (JSON values) in a new process whose console output is
    appended to `output`; `detach`: in its own session, so it outlives this terminal."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}")
    spec = json.dumps({"job": job, **arguments})
    command = os.environ.get(COMMAND_ENV) or shlex.join(own_command())
    with open(output, "ab") as console:
        return subprocess.Popen(
            [sys.executable, "-m", "sign2text.jobs", spec],
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=detach,
            env={**os.environ, COMMAND_ENV: command, **(env or {})},
        )


def train(
    config: dict[str, Any],
    run_dir: str,
    resume: bool = False,
    devices: dict[str, Any] | None = None,
    quick_of: dict[str, Any] | None = None,
) -> list[str]:
    """Train `config` (a resolved config as `to_dict` writes it) into `run_dir`; the lines
    that sum it up (none on DDP processes but the first). `quick_of`: the full run's config,
    when this is its quick test, for the verdict."""
    from sign2text.training import Devices
    from sign2text.training import train as fit
    from sign2text.training.quick import conclude, describe

    result = fit(from_dict(config), run_dir, resume=resume, devices=Devices(**(devices or {})))
    if result["rank"] != 0:
        return []
    lines = [
        f"{result['status']}: {result['epochs']} epochs in {result['seconds']:.0f} s "
        f"({result['parameters']:,} parameters); best val_loss {result['best_val_loss']:.4f}"
    ]
    if quick_of is not None:
        full = from_dict(quick_of)
        lines.append(describe(conclude(full, result), full))
    return [*lines, f"run folder: {run_dir}"]


def pretrain(
    config: dict[str, Any], run_dir: str, resume: bool = False, accelerator: str = "auto"
) -> list[str]:
    """Pretrain `config`'s encoder (a resolved config) into `run_dir`; the lines that sum it
    up."""
    from sign2text.pretraining import pretrain as fit

    result = fit(from_dict(config), run_dir, resume=resume, accelerator=accelerator)
    ratio = result["baseline_ratio"]
    return [
        f"{result['status']}: {result['epochs']} epochs in {result['seconds']:.0f} s "
        f"({result['parameters']:,} parameters); best val_loss {result['best_val_loss']:.4f}, "
        f"{100 * ratio:.1f}% of the clip baseline",
        f"run folder: {run_dir}",
        f"fine-tune: sign2text train --init {run_dir} --config ...",
    ]


def tune_worker(search: dict[str, Any], worker: int, workers: int) -> list[str]:
    """One of the processes a search starts (`tuning.Search.to_job` describes the search)."""
    from sign2text.tuning.search import Search
    from sign2text.tuning.trials import work

    work(Search.from_job(search), worker, workers)
    return []


JOBS: dict[str, Callable[..., list[str]]] = {
    "train": train,
    "pretrain": pretrain,
    "tune-worker": tune_worker,
}


def main(argv: list[str] | None = None) -> int:
    """Run the job `argv[0]` describes and print its summary."""
    from sign2text.console import run_reporting_failures

    spec = json.loads((argv or sys.argv[1:])[0])
    job = JOBS[spec.pop("job")]

    def run() -> None:
        for line in job(**spec):
            print(line, flush=True)

    return run_reporting_failures(run)


if __name__ == "__main__":
    sys.exit(main())
