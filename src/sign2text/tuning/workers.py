"""Running a search on this machine: start its worker processes, watch them, report how each
ended."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass

import optuna
import torch
from optuna.trial import FrozenTrial, TrialState

from sign2text import atomic, jobs, outputs
from sign2text.config import ConfigError
from sign2text.data.dataset import read_meta
from sign2text.tuning.search import FINISHED, POLL_SECONDS, STORAGE_ENV, Search, count, open_study

log = logging.getLogger(__name__)


def _gpu_environment(worker: int) -> dict[str, str]:
    """One GPU per worker, in turn, on a machine with several."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    gpus = visible.split(",") if visible else [str(i) for i in range(torch.cuda.device_count())]
    return {"CUDA_VISIBLE_DEVICES": gpus[worker % len(gpus)]} if len(gpus) > 1 else {}


def _start_worker(worker: int, workers: int, search: Search) -> subprocess.Popen:
    """Worker `worker` of `workers` as a new process; it reads the storage URL from
    STORAGE_ENV, where no other user of the machine can see its password."""
    storage = {STORAGE_ENV: search.storage} if search.storage else {}
    return jobs.start(
        "tune-worker",
        {"search": search.to_job(), "worker": worker, "workers": workers},
        search.out / f"worker-{worker}.log",
        env={**_gpu_environment(worker), **storage},
    )


def _ending(code: int) -> str:
    """How a worker process ended, from its exit status (negative: killed by that signal)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"ended with exit code {code}"


def _describe(trial: FrozenTrial, search: Search) -> str:
    if trial.state == TrialState.FAIL:
        return f"trial {trial.number} failed"
    return (
        f"trial {trial.number} {trial.state.name.lower()}: {search.metric} {trial.value:.4g}, "
        f"epochs run: {trial.user_attrs.get('epochs', '?')}"
    )


def _supervise(study: optuna.Study, processes: list[subprocess.Popen], search: Search) -> list[str]:
    """Wait for the workers, logging each trial as it ends and each worker that fails;
    returns one line per failed worker."""
    failures: list[str] = []
    seen = {t.number for t in study.get_trials(deepcopy=False) if t.state.is_finished()}
    running = dict(enumerate(processes))
    while running:
        time.sleep(POLL_SECONDS)
        for trial in study.get_trials(deepcopy=False):
            if trial.state.is_finished() and trial.number not in seen:
                seen.add(trial.number)
                log.info(
                    "%s (%d of %d finished)",
                    _describe(trial, search),
                    count(study, FINISHED),
                    search.trials,
                )
        for worker, process in list(running.items()):
            code = process.poll()
            if code is None:
                continue
            del running[worker]
            if code != 0:
                failure = f"worker {worker} (pid {process.pid}) {_ending(code)}"
                log.warning("%s; its log: %s", failure, search.out / f"worker-{worker}.log")
                failures.append(failure)
    return failures


@dataclass(frozen=True)
class Tuned:
    """What a search's run left: the study, and a line for each worker that failed."""

    study: optuna.Study
    failures: list[str]


def _claim_folder(search: Search) -> None:
    """The search folder is new, empty or a search's; it is created, and what interrupted
    runs of it left (temporary files of its trials) is removed."""
    outputs.own_folder(search.out, outputs.SEARCH, inputs=[search.base.data.prepared])
    search.out.mkdir(parents=True, exist_ok=True)
    atomic.remove_debris(search.out)
    for run_dir in sorted(search.out.glob("trial-*")):
        atomic.remove_debris(run_dir)


def tune(search: Search, workers: int) -> Tuned:
    """Run the search with `workers` worker processes (`jobs.tune_worker`) on this machine,
    sharing the study; returns once they end, or once Ctrl-C or SIGTERM has stopped them
    (the same command continues the study)."""
    if workers < 1:
        raise ConfigError(f"--workers ({workers}) must be at least 1")
    read_meta(search.base.data.prepared)  # a missing dataset is reported once, here
    _claim_folder(search)
    study = open_study(search)
    finished = count(study, FINISHED)
    log.info(
        "study %r: %d of %d trials finished; %d worker(s) on this machine, logs in %s",
        search.study_name,
        finished,
        search.trials,
        workers,
        search.out,
    )
    if finished >= search.trials:
        return Tuned(study, [])
    processes = [_start_worker(worker, workers, search) for worker in range(workers)]
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    failures: list[str] = []
    try:
        failures = _supervise(study, processes, search)
    except KeyboardInterrupt:
        log.warning("stopping the workers; run the same command again to continue the study")
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return Tuned(study, failures)
