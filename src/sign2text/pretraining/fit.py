"""`pretrain(config, run_dir)`: masked prediction (`pretrain.objective`) with the encoder
`config.model` describes, in a run folder kept as `train` keeps its own (status, stop, resume,
background)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback, EarlyStopping
from lightning.pytorch.utilities.exceptions import SIGTERMException

from sign2text.config import Config
from sign2text.model.translator import count_parameters
from sign2text.pretraining.data import UnlabelledData, load_unlabelled
from sign2text.pretraining.module import PretrainModule
from sign2text.pretraining.recording import PretrainRecorder
from sign2text.run_folder import PRETRAIN, RunFolder
from sign2text.training import trackers
from sign2text.training.fit import Devices, build_trainer, in_run_folder
from sign2text.training.recording import ResumePoint

log = logging.getLogger(__name__)


def pretrain(
    config: Config,
    run_dir: str | Path,
    *,
    resume: bool = False,
    accelerator: str = "auto",
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> dict[str, Any]:
    """Pretrain `config`'s encoder into `run_dir` (continuing its resume.ckpt when `resume`);
    returns the history and summary figures."""

    def work(run: RunFolder) -> dict[str, Any]:
        return _fit(config, run, resume, Devices(accelerator), progress, callbacks)

    return in_run_folder(run_dir, resume, work, task=PRETRAIN)


def _absolute(config: Config) -> Config:
    """`config` with its data paths absolute, as the run folder records them."""
    folder = config.pretrain.folder and str(Path(config.pretrain.folder).resolve())
    return replace(
        config,
        data=replace(config.data, prepared=str(Path(config.data.prepared).resolve())),
        pretrain=replace(config.pretrain, folder=folder),
    )


def _describe(module: PretrainModule, data: UnlabelledData) -> int:
    parameters = count_parameters(module.head) + sum(
        p.numel() for p in module.model.encoder_parameters()
    )
    log.info(
        "pretraining: %s parameters (encoder and head), %d clips to learn from, %d to check; "
        "%d features per frame in %d body parts %s",
        f"{parameters:,}",
        len(data.train),
        len(data.val),
        data.features,
        len(module.fmap.parts),
        list(module.fmap.parts),
    )
    return parameters


def _fit(
    config: Config,
    run: RunFolder,
    resume: bool,
    devices: Devices,
    progress: bool,
    callbacks: Sequence[Callback],
) -> dict[str, Any]:
    L.seed_everything(config.train.seed, workers=True, verbose=False)
    config = _absolute(config)
    run.write_config(config)
    data = load_unlabelled(config)
    ckpt = run.resume_file if resume and run.resume_file.exists() else None
    module = PretrainModule(config, data, fit_targets=ckpt is None)
    parameters = _describe(module, data)
    recorder = PretrainRecorder(run, config, data)
    stopping = EarlyStopping(
        monitor="val_loss", patience=config.train.early_stopping_patience, mode="min"
    )
    resume_point = ResumePoint(run, config.train.checkpoint_minutes)
    every = [recorder, resume_point, stopping, *callbacks]
    loggers = list(trackers.build(module.config, run, {}).values())
    trainer = build_trainer(module.config, module, devices, every, progress, loggers)
    started, status = time.perf_counter(), "finished"
    try:
        trainer.fit(module, ckpt_path=ckpt, weights_only=True)
    except SIGTERMException:
        status = "stopped"
        log.info("stopped on request; continue with `sign2text pretrain --resume %s`", run)
    seconds = time.perf_counter() - started
    history = recorder.history
    epochs = len(history.get("epoch", []))
    ratio = history["baseline_ratio"][-1] if epochs else float("nan")
    log.info(
        "%s after %d epochs in %.1f s; best val_loss %.4f (%.1f%% of the clip baseline)",
        *(status, epochs, seconds, recorder.best, 100 * ratio),
    )
    return {
        "run_dir": str(run.path),
        "status": status,
        "rank": trainer.global_rank,
        "parameters": parameters,
        "seconds": seconds,
        "epochs": epochs,
        "best_val_loss": recorder.best,
        "baseline_ratio": ratio,
        "history": history,
        "train_clips": len(data.train),
    }
