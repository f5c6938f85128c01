"""Hyper-parameter search: Optuna trials that are ordinary training runs, pruned after any epoch
that leaves them behind, in one study that workers on one machine or many share and resume."""

from __future__ import annotations

import datetime
import fcntl
import functools
import logging
import os
import re
import signal
import socket
import subprocess
import time
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import optuna
import sqlalchemy
import torch
from lightning.pytorch.callbacks import Callback
from optuna.exceptions import ExperimentalWarning
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback, fail_stale_trials
from optuna.trial import FrozenTrial, TrialState

from sign2text import atomic, jobs, outputs
from sign2text.config import Config, ConfigError, from_dict, to_dict
from sign2text.data.dataset import read_meta
from sign2text.run_folder import RunFolder
from sign2text.training import Diverged, train
from sign2text.tuning.space import SearchSpace, apply, load_space

log = logging.getLogger(__name__)

METRICS = {"val_loss": "minimize", "val_bleu4": "maximize"}  # a trial's score: its best epoch's
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
PRUNER_STARTUP_TRIALS = 3  # completed trials before the pruner judges any trial
MAX_RETRIES = 2  # a trial whose worker died is run again at most this often
SCHEMA_ATTEMPTS = 10  # tries to open a database whose tables another process is creating
SQLITE_TIMEOUT_SECONDS = 120  # how long a worker waits for another's write to the study file
POLL_SECONDS = 1.0  # how often waiting workers and the supervisor look at the study
STORAGE_ENV = "SIGN2TEXT_STORAGE"  # the study's database URL, kept off command lines
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ExperimentalWarning)
    RETRY = RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES)  # queues a trial again


@dataclass(frozen=True)
class Search:
    """One search: the base config, what to vary, how long trials train, where results go."""

    base: Config
    space: SearchSpace
    out: Path
    trials: int  # finished (complete or pruned) trials the study should hold
    epochs: int  # epochs of each trial; the base config's epochs are the full run's
    metric: str = "val_loss"
    storage: str | None = field(default=None, repr=False)  # database URL (may hold a
    # password, hence not in the repr); None: the SQLite file OUT/study.db
    study: str | None = None  # study name; None: the base config's name
    heartbeat_seconds: int = 60  # a running trial silent for twice this is failed and retried

    def __post_init__(self) -> None:
        checks = [
            (self.trials >= 1, f"--trials ({self.trials}) must be at least 1"),
            (self.epochs >= 1, f"--epochs ({self.epochs}) must be at least 1"),
            (self.metric in METRICS, f"--metric {self.metric!r} is not one of {list(METRICS)}"),
            (
                self.metric != "val_bleu4" or self.base.train.val_decode_max > 0,
                "--metric val_bleu4 needs train.val_decode_max > 0 (clips decoded each epoch)",
            ),
            (self.heartbeat_seconds >= 1, "--heartbeat must be at least 1 second"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        self.space.check(self.base)
        searched = {key for parameter in self.space.parameters for key in parameter.keys}
        if self.metric == "val_loss" and "train.label_smoothing" in searched:
            log.warning(
                "%s searches train.label_smoothing, but val_loss is label-smoothed: less "
                "smoothing lowers it by itself, so the search will favour little smoothing "
                "(--metric val_bleu4 compares trials fairly)",
                self.space.path,
            )

    @property
    def storage_url(self) -> str:
        """`storage`, or the URL of OUT/study.db, escaped so that any folder name works."""
        if self.storage:
            return self.storage
        database = str((self.out / "study.db").resolve())
        url = sqlalchemy.engine.URL.create("sqlite", database=database)
        return url.render_as_string(hide_password=False)

    @property
    def storage_shown(self) -> str:
        """The storage URL as messages show it: without its password."""
        return mask_password(self.storage_url)

    @property
    def study_name(self) -> str:
        return self.study or self.base.name

    @property
    def direction(self) -> str:
        return METRICS[self.metric]

    def run_dir(self, number: int) -> Path:
        """The run folder of trial `number`."""
        return self.out / f"trial-{number:04d}"

    def best_score(self, scores: list[float]) -> float:
        return min(scores) if self.direction == "minimize" else max(scores)

    def to_job(self) -> dict[str, Any]:
        """The search as JSON values for a worker process, without the storage URL (it may
        hold a password: workers read it from STORAGE_ENV)."""
        return {
            "base": to_dict(self.base),
            "space": str(self.space.path),
            "out": str(self.out),
            "trials": self.trials,
            "epochs": self.epochs,
            "metric": self.metric,
            "study": self.study,
            "heartbeat_seconds": self.heartbeat_seconds,
        }

    @classmethod
    def from_job(cls, job: dict[str, Any]) -> Search:
        """The search `to_job` described; its storage from STORAGE_ENV."""
        values = {**job, "base": from_dict(job["base"]), "space": load_space(job["space"])}
        return cls(**values, out=Path(job["out"]), storage=os.environ.get(STORAGE_ENV))


def mask_password(url: str) -> str:
    """`url` (or any text holding URLs) with passwords replaced by ***, for anything printed
    or logged."""
    return re.sub(r"([\w+.-]+://[^:/@\s]*):[^@\s]*@", r"\1:***@", url)


def worker_seed(seed: int, worker: int, trials: int) -> int:
    """A worker's sampler seed, from the config's seed, this machine, the worker's number and
    the trials the study held when it started: parallel workers, and a rerun, draw different
    trials, and the same search started afresh draws the same ones."""
    return zlib.crc32(f"{seed}/{socket.gethostname()}/{worker}/{trials}".encode())


def pruner() -> optuna.pruners.BasePruner:
    """Stops a trial whose best score so far is worse than the median of the other trials'
    at the same epoch, once a few trials have completed."""
    return optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS)


def open_study(search: Search) -> optuna.Study:
    """The search's study, created on first use. Running trials send a heartbeat; one that
    stops (its worker died) is failed and queued to run again."""
    sqlite = search.storage_url.startswith("sqlite")
    for attempt in range(SCHEMA_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ExperimentalWarning)
                storage = RDBStorage(
                    search.storage_url,
                    engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT_SECONDS}}
                    if sqlite
                    else {},
                    heartbeat_interval=search.heartbeat_seconds,
                    heartbeat_stale_trial_callback=RETRY,
                )
            break
        except sqlalchemy.exc.OperationalError as error:
            # Another process is creating the tables of a new database right now.
            if attempt == SCHEMA_ATTEMPTS - 1:
                raise ConfigError(
                    f"{search.storage_shown}: cannot open the study's database "
                    f"({mask_password(str(error.orig))})"
                ) from None
            time.sleep(1.0)
        except (sqlalchemy.exc.ArgumentError, ImportError, ValueError, LookupError) as error:
            raise ConfigError(
                f"--storage {search.storage_shown}: not a usable database URL "
                f"({mask_password(str(error))}); e.g. postgresql://USER@HOST/DB"
            ) from None
    study = optuna.create_study(
        storage=storage,
        study_name=search.study_name,
        direction=search.direction,
        pruner=pruner(),
        load_if_exists=True,
    )
    for key, value in (("metric", search.metric), ("epochs", search.epochs)):
        stored = study.user_attrs.get(key)
        if stored is None:
            study.set_user_attr(key, value)
        elif stored != value:
            raise ConfigError(
                f"study {search.study_name!r} in {search.storage_shown} was run with {key} "
                f"{stored}, not {value}; pass --study NEW_NAME to start another"
            )
    return study


def count(study: optuna.Study, states: tuple[TrialState, ...]) -> int:
    return len(study.get_trials(deepcopy=False, states=states))


class PruningCallback(Callback):
    """Reports each epoch's score to the trial; when the pruner gives up on the trial, Lightning
    stops after this epoch and the objective raises `optuna.TrialPruned`."""

    def __init__(self, trial: optuna.Trial, metric: str, epochs: int) -> None:
        self.trial, self.metric, self.epochs = trial, metric, epochs
        self.pruned_after: int | None = None

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        epoch = trainer.current_epoch + 1
        self.trial.report(float(trainer.callback_metrics[self.metric]), epoch)
        if epoch < self.epochs and self.trial.should_prune():  # the last epoch ends it anyway
            self.pruned_after = epoch
            trainer.should_stop = True


class TrialStopped(RuntimeError):
    """A trial's training was stopped on request (SIGTERM) before it ended."""

    def __init__(self, number: int, epochs: int) -> None:
        super().__init__(f"trial {number} was stopped after {epochs} epochs")
        self.number = number


def run_trial(
    search: Search, trial: optuna.Trial, started: Callable[[], None] | None = None
) -> float:
    """Train the trial's config as the run folder OUT/trial-NNNN; returns its best score.
    `started` is called once the trial is under way in the study."""
    run_dir = search.run_dir(trial.number)
    trial.set_user_attr("run", run_dir.name)  # not the name a retry inherits from its original
    if started is not None:
        started()
    values = search.space.suggest(trial)
    trial.set_user_attr("config", values)
    config = apply(search.base, {**values, "train.epochs": search.epochs, "name": run_dir.name})
    pruning = PruningCallback(trial, search.metric, search.epochs)
    try:
        result = train(config, run_dir, progress=False, callbacks=[pruning])
    except Diverged as error:  # a bad corner of the search space, not a broken search
        raise optuna.TrialPruned(str(error)) from error
    trial.set_user_attr("epochs", result["epochs"])
    trial.set_user_attr("seconds", result["seconds"])
    if result["status"] != "finished":
        raise TrialStopped(trial.number, result["epochs"])
    scores = result["history"][search.metric]
    if pruning.pruned_after is not None:
        RunFolder(run_dir).record_state("pruned", seconds=result["seconds"])
        raise optuna.TrialPruned(
            f"{search.metric} {scores[-1]:.4g} after epoch {pruning.pruned_after} is behind "
            "the other trials'"
        )
    return search.best_score(scores)


def _fail_unstarted(study: optuna.Study, search: Search) -> None:
    """Fail running trials that never reached `run_trial` although they were created a grace
    period ago: their worker died before their first heartbeat, so they would never go stale."""
    grace = datetime.timedelta(seconds=2 * search.heartbeat_seconds)
    now = datetime.datetime.now()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        reached = trial.user_attrs.get("run") == search.run_dir(trial.number).name
        if not reached and trial.datetime_start and now - trial.datetime_start > grace:
            study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)


def _next_step(study: optuna.Study, search: Search) -> str:
    """start (a trial), wait (the last trials run elsewhere) or end (the study is complete)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        fail_stale_trials(study)  # a dead worker's trial fails and is queued to run again
    _fail_unstarted(study, search)
    finished = count(study, FINISHED)
    if finished >= search.trials:
        return "end"
    return "wait" if finished + count(study, (TrialState.RUNNING,)) >= search.trials else "start"


def work(search: Search, worker: int, workers: int) -> None:
    """Run trials of the shared study in this process until it holds `search.trials` finished
    ones; while the last ones run elsewhere, wait, in case their worker dies.

    The workers of one machine take turns (a file lock) to count the trials and start one, so
    together they start no more than the study needs.
    """
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0)) // workers))
    study = open_study(search)
    seed = worker_seed(search.base.train.seed, worker, len(study.get_trials(deepcopy=False)))
    study.sampler = optuna.samplers.TPESampler(seed=seed)
    with open(search.out / "start.lock", "a") as lock:
        release = functools.partial(fcntl.flock, lock, fcntl.LOCK_UN)
        objective = functools.partial(run_trial, search, started=release)
        while True:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                step = _next_step(study, search)
                if step == "start":
                    study.optimize(objective, n_trials=1)
            except TrialStopped as stopped:
                log.info("%s; it will run again, and this worker ends", stopped)
                RETRY(study, study.get_trials(deepcopy=False)[stopped.number])
                return
            finally:
                release()
            if step == "end":
                return
            if step == "wait":
                time.sleep(POLL_SECONDS)


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
