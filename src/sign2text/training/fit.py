"""`train(config, run_dir)`: build the data, module, callbacks and Lightning trainer; fit; keep
the run folder's state (running, then finished, stopped or failed)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, LearningRateMonitor
from lightning.pytorch.loggers import Logger
from lightning.pytorch.utilities import rank_zero_only
from lightning.pytorch.utilities.exceptions import SIGTERMException

from sign2text.config import Config, flatten, to_dict
from sign2text.errors import Failure, write_error
from sign2text.model.pretrained import init_encoder
from sign2text.model.text_model import PretrainedTranslator
from sign2text.model.translator import count_parameters
from sign2text.run_folder import RunFolder
from sign2text.training import provenance, trackers
from sign2text.training.data import Data, load_data
from sign2text.training.module import TranslationModule
from sign2text.training.progress import EpochBar, EpochProgress
from sign2text.training.recording import (
    ResumePoint,
    RunCheckpointIO,
    RunRecorder,
    add_log_file,
)
from sign2text.training.runtime import configure_kernels, resolve_precision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Devices:
    """Where training runs: accelerator, devices per node, nodes."""

    accelerator: str = "auto"
    devices: int = 1
    num_nodes: int = 1


def train(
    config: Config,
    run_dir: str | Path,
    *,
    resume: bool = False,
    devices: Devices | None = None,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> dict[str, Any]:
    """Train `config` into `run_dir` (continuing its resume.ckpt when `resume`); returns the
    history and summary figures. The run folder's state is kept as `in_run_folder` says."""

    def fit(run: RunFolder) -> dict[str, Any]:
        return _fit(config, run, resume, devices or Devices(), progress, callbacks)

    return in_run_folder(run_dir, resume, fit)


def in_run_folder(
    run_dir: str | Path,
    resume: bool,
    work: Callable[[RunFolder], dict[str, Any]],
    **details: Any,
) -> dict[str, Any]:
    """Run `work` (training of some kind) in the run folder `run_dir`, keeping its state and
    train.log; `details` go into every state record.

    state.json says "running" (with this process's pid) while it runs, superseding what an
    earlier attempt left, then how it ended: finished, stopped (on request; resumable) or
    failed (with the reason, which is raised on). A run killed outright keeps "running" with a
    pid that is gone: `runs.run_status` calls it died. `work` returns a dict with at least
    "rank", "status" and "seconds".
    """
    run = RunFolder(Path(run_dir))
    try:
        run.path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_error(run.path, error) from error
    if not resume:
        run.forget_earlier_attempt()
    _record_state(run, "running", **details)
    started = time.perf_counter()
    handler = None
    try:
        handler = add_log_file(run.log_file)
        result = work(run)
    except BaseException as error:
        status = "stopped" if isinstance(error, KeyboardInterrupt | SystemExit) else "failed"
        reason = str(error) if isinstance(error, Failure) else f"{type(error).__name__}: {error}"
        if handler is not None:  # into train.log only: the command line prints it itself
            handler.handle(_record(logging.ERROR, f"{status}: {reason}"))
        with contextlib.suppress(Failure, OSError):  # a full disk may refuse this record too
            seconds = time.perf_counter() - started
            _record_state(run, status, seconds=seconds, reason=reason, **details)
        raise
    finally:
        if handler is not None:
            logging.getLogger("sign2text").removeHandler(handler)
            handler.close()
    if result["rank"] == 0:
        _record_state(run, result["status"], seconds=result["seconds"], **details)
    return result


def _record(level: int, message: str) -> logging.LogRecord:
    return log.makeRecord(log.name, level, __file__, 0, message, None, None)


def _record_state(run: RunFolder, status: str, **details: Any) -> None:
    """The run's own record (`RunFolder.record_state`), kept by the first process of a DDP
    group."""
    if rank_zero_only.rank == 0:
        run.record_state(status, **details)


def _describe(module: TranslationModule, data: Data) -> int:
    """Log the model's size and the data it learns from; returns the parameter count."""
    parameters = count_parameters(module.model)
    log.info(
        "model: %s parameters (%d train / %d val clips, vocabulary %d %s)",
        f"{parameters:,}",
        len(data.train),
        len(data.val),
        len(data.tokenizer),
        data.tokenizer.kind,
    )
    if isinstance(module.model, PretrainedTranslator):
        log.info("%s", module.model.describe())
    return parameters


def build_trainer(
    config: Config,
    module: L.LightningModule,
    devices: Devices,
    callbacks: Sequence[Callback],
    progress: bool,
    loggers: list[Logger],
) -> L.Trainer:
    """The Lightning trainer of `module` (a translator's or `pretrain`'s): epochs or time
    budget, devices and DDP, precision, callbacks, loggers (with the learning rate of every
    epoch)."""
    several = devices.devices > 1 or devices.num_nodes > 1
    precision = resolve_precision(config.train.precision, devices.accelerator)
    configure_kernels()
    log.info("precision %s (train.precision %s)", precision, config.train.precision)
    if loggers:  # the learning rate of every epoch, beside the metrics
        callbacks = [*callbacks, LearningRateMonitor(logging_interval="epoch")]
    return L.Trainer(
        max_epochs=config.train.epochs,
        max_time={"minutes": config.train.max_minutes} if config.train.max_minutes else None,
        accelerator=devices.accelerator,
        devices=devices.devices,
        num_nodes=devices.num_nodes,
        strategy="ddp" if several else "auto",
        use_distributed_sampler=False,
        precision=precision,
        callbacks=[*callbacks, EpochBar(refresh_rate=10)] if progress else [*callbacks],
        plugins=[RunCheckpointIO(module)],
        logger=loggers or False,
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        deterministic=not torch.cuda.is_available(),
        log_every_n_steps=10,
    )


def _fit(
    config: Config,
    run: RunFolder,
    resume: bool,
    devices: Devices,
    progress: bool,
    callbacks: Sequence[Callback],
) -> dict[str, Any]:
    """Build data, module, callbacks and trainer; fit; summarise."""
    L.seed_everything(config.train.seed, workers=True, verbose=False)
    prepared = str(Path(config.data.prepared).resolve())
    config = replace(config, data=replace(config.data, prepared=prepared))
    if config.model.init:  # recorded absolute, like the data
        init = str(Path(config.model.init).resolve())
        config = replace(config, model=replace(config.model, init=init))
    run.write_config(config)
    earlier = run.read_provenance() if resume else {}
    loggers = trackers.build(config, run, earlier.get("trackers", {}))
    record = provenance.collect(prepared)
    data = load_data(config)
    hyperparameters = {**flatten(to_dict(config)), **provenance.summary(record)}
    module = TranslationModule(config, data, hyperparameters, resumed=resume)
    if config.model.init:
        module.started_from = init_encoder(
            module.model, config.model.init, config, data.layout, data.features
        )
    parameters = _describe(module, data)
    record["trackers"] = trackers.places(loggers, config, run)
    if rank_zero_only.rank == 0:
        run.write_provenance(provenance.with_earlier(record, earlier))
    recorder = RunRecorder(run, config, data, record)
    stopping = EarlyStopping(
        monitor="val_loss", patience=config.train.early_stopping_patience, mode="min"
    )
    resume_point = ResumePoint(run, config.train.checkpoint_minutes)
    trainer_callbacks = [recorder, resume_point, stopping, EpochProgress(run), *callbacks]
    trainer = build_trainer(
        config, module, devices, trainer_callbacks, progress, list(loggers.values())
    )
    ckpt = run.resume_file if resume and run.resume_file.exists() else None
    if resume and ckpt is None:
        log.info("no resume point in %s yet: starting from the first epoch", run)
    started = time.perf_counter()
    status = "finished"
    try:
        trainer.fit(module, ckpt_path=ckpt, weights_only=True)
    except SIGTERMException:
        status = "stopped"
        log.info("stopped on request; continue with `sign2text train --resume %s`", run)
    seconds = time.perf_counter() - started
    history = recorder.history
    epochs = len(history.get("epoch", []))
    log.info(
        "%s after %d epochs in %.1f s; best val_loss %.4f", status, epochs, seconds, recorder.best
    )
    return {
        "run_dir": str(run.path),
        "status": status,
        "rank": trainer.global_rank,
        "parameters": parameters,
        "seconds": seconds,
        "epochs": epochs,
        "best_val_loss": recorder.best,
        "history": history,
        "train_clips": len(data.train),
    }
