"""The experiment trackers a run logs to (`train.loggers`): Lightning's TensorBoard, MLflow and
Weights & Biases loggers, each built from the config and the run folder."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import Logger, TensorBoardLogger

from sign2text.config import Config, ConfigError
from sign2text.run_folder import MLFLOW_ARTIFACTS, MLFLOW_DB, TENSORBOARD, WANDB, RunFolder
from sign2text.urls import mask_password

TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"


def mlflow_uri(config: Config, run: RunFolder) -> str:
    """train.tracking_uri, else $MLFLOW_TRACKING_URI, else a SQLite store in the run folder
    (MLflow's file store is in maintenance mode and refused by default)."""
    uri = config.train.tracking_uri or os.environ.get(TRACKING_URI_ENV, "")
    return uri or f"sqlite:///{(run.path / MLFLOW_DB).resolve()}"


def _tensorboard(config: Config, run: RunFolder, earlier: dict[str, Any]) -> Logger:
    return TensorBoardLogger(str(run.path), name=TENSORBOARD, version="")


def _mlflow(config: Config, run: RunFolder, earlier: dict[str, Any]) -> Logger:
    from lightning.pytorch.loggers import MLFlowLogger

    uri = mlflow_uri(config, run)
    local = not (config.train.tracking_uri or os.environ.get(TRACKING_URI_ENV))
    return MLFlowLogger(
        experiment_name=config.name,
        run_name=run.path.name,
        tracking_uri=uri,
        artifact_location=(run.path / MLFLOW_ARTIFACTS).resolve().as_uri() if local else None,
        run_id=earlier.get("run_id"),  # a resumed run goes on logging into its own MLflow run
    )


def _wandb(config: Config, run: RunFolder, earlier: dict[str, Any]) -> Logger:
    from lightning.pytorch.loggers import WandbLogger

    (run.path / WANDB).mkdir(exist_ok=True)
    return WandbLogger(
        project=config.name,
        name=run.path.name,
        save_dir=str(run.path),
        id=earlier.get("run_id"),
        resume="allow",
    )


def _tensorboard_place(logger: Any, config: Config, run: RunFolder) -> dict[str, Any]:
    return {"log_dir": str(Path(logger.log_dir))}


def _mlflow_place(logger: Any, config: Config, run: RunFolder) -> dict[str, Any]:
    return {
        "tracking_uri": mask_password(mlflow_uri(config, run)),
        "experiment_id": logger.experiment_id,
        "run_id": logger.run_id,
    }


def _wandb_place(logger: Any, config: Config, run: RunFolder) -> dict[str, Any]:
    return {"project": logger.name, "run_id": logger.version}


@dataclass(frozen=True)
class Tracker:
    """One tracker: its Lightning logger, where it keeps a run, and what it needs installed."""

    build: Callable[[Config, RunFolder, dict[str, Any]], Logger]
    place: Callable[[Any, Config, RunFolder], dict[str, Any]]
    needs: tuple[str, str] | None = None  # (module, the command that installs it)


TRACKERS: dict[str, Tracker] = {
    "tensorboard": Tracker(_tensorboard, _tensorboard_place),
    "mlflow": Tracker(_mlflow, _mlflow_place, ("mlflow", "pip install 'sign2text[mlflow]'")),
    "wandb": Tracker(_wandb, _wandb_place, ("wandb", "pip install wandb")),
}


def check_installed(config: Config) -> None:
    """Refuse, before any work, a tracker the config names but this environment lacks."""
    for name in config.train.loggers:
        needs = TRACKERS[name].needs
        if needs and importlib.util.find_spec(needs[0]) is None:
            raise ConfigError(f"train.loggers names {name}, which is not installed: {needs[1]}")


def build(config: Config, run: RunFolder, earlier: dict[str, Any]) -> dict[str, Logger]:
    """The loggers `train.loggers` names, by name; `earlier`: where an earlier attempt of this
    run kept it (`places`): a resumed run logs into the same tracker runs again."""
    check_installed(config)
    return {
        name: TRACKERS[name].build(config, run, earlier.get(name, {}))
        for name in config.train.loggers
    }


def places(loggers: dict[str, Logger], config: Config, run: RunFolder) -> dict[str, Any]:
    """Where each tracker keeps this run, for provenance.json: TensorBoard's folder, MLflow's
    tracking URI (password masked), experiment and run ids, W&B's project and run id."""
    return {name: TRACKERS[name].place(logger, config, run) for name, logger in loggers.items()}
