"""What a search worker does: take trials from the study and train each as an ordinary run,
pruned after any epoch that leaves it behind."""

from __future__ import annotations

import datetime
import fcntl
import functools
import logging
import os
import socket
import time
import warnings
import zlib
from collections.abc import Callable

import lightning as L
import optuna
import torch
from lightning.pytorch.callbacks import Callback
from optuna.exceptions import ExperimentalWarning
from optuna.storages import fail_stale_trials
from optuna.trial import TrialState

from sign2text.run_folder import RunFolder
from sign2text.training import Diverged, train
from sign2text.tuning.search import FINISHED, POLL_SECONDS, RETRY, Search, count, open_study
from sign2text.tuning.space import apply

log = logging.getLogger(__name__)


def worker_seed(seed: int, worker: int, trials: int) -> int:
    """A worker's sampler seed, from the config's seed, this machine, the worker's number and
    the trials the study held when it started: parallel workers, and a rerun, draw different
    trials, and the same search started afresh draws the same ones."""
    return zlib.crc32(f"{seed}/{socket.gethostname()}/{worker}/{trials}".encode())


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
