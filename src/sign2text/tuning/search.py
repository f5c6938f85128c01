"""Hyper-parameter search: the search (base config, space, budget, storage) and its Optuna
study, which workers on one machine or many share and resume."""

from __future__ import annotations

import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.exceptions import ExperimentalWarning
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from sign2text.config import Config, ConfigError, from_dict, to_dict
from sign2text.tuning.space import SearchSpace, load_space
from sign2text.urls import mask_password

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
        values = {
            **job,
            "base": from_dict(job["base"]),
            "space": load_space(job["space"]),
            "out": Path(job["out"]),
        }
        return cls(**values, storage=os.environ.get(STORAGE_ENV))


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
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError) as error:
            # Another process is creating the tables of a new database right now (a locked
            # database, or its schema version row written between our check and our insert).
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
