"""What a run keeps while it trains: history.json with health, the best and last portable
checkpoints, resume.ckpt (written atomically, read back checked) and train.log."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback, Checkpoint
from lightning.pytorch.plugins.io import TorchCheckpointIO

from sign2text.config import Config
from sign2text.errors import InputError
from sign2text.model import checkpoint
from sign2text.model.translator import count_parameters
from sign2text.run_folder import BEST, LAST, RunFolder
from sign2text.training.data import Data
from sign2text.training.health import FAILING, assess
from sign2text.training.module import Diverged, TranslationModule

log = logging.getLogger(__name__)

DATA_WAIT_WARNING = 0.2  # share of training time spent waiting for batches


def data_wait_advice(share: float, workers: int) -> str | None:
    """What to change when training waited for data more than DATA_WAIT_WARNING of an epoch."""
    if share <= DATA_WAIT_WARNING:
        return None
    return (
        f"training waited for data {share:.0%} of this epoch: the loader is the bottleneck; "
        f"raise train.num_workers (now {workers}) towards the number of free CPU cores"
    )


class RunRecorder(Callback):
    """After every epoch: history.json with health, last and best portable checkpoints; when
    training diverges, the figures of the epoch it stopped in."""

    def __init__(
        self, run: RunFolder, config: Config, data: Data, provenance: dict[str, Any] | None = None
    ) -> None:
        self.run, self.config, self.data = run, config, data
        self.provenance = provenance or {}  # what every checkpoint's info records of the run
        self.history: dict[str, list[Any]] = {}
        self.best = math.inf
        self.steps, self.lr_steps = 0, 0.0  # optimizer steps so far, and their lrs added up

    def _append(self, trainer: L.Trainer, record: dict[str, Any], health: str) -> None:
        for key, value in record.items():
            self.history.setdefault(key, []).append(value)
        self.history.setdefault("health", []).append(health)
        if trainer.is_global_zero:
            self.run.write_history(self.history)

    def on_exception(
        self, trainer: L.Trainer, module: TranslationModule, exception: BaseException
    ) -> None:
        if isinstance(exception, Diverged):
            record = {"epoch": trainer.current_epoch + 1, **module.train_record()}
            self._append(trainer, record, f"{FAILING}: diverged (the loss is not a number)")

    def on_train_batch_start(self, trainer: L.Trainer, *args: Any) -> None:
        """Count the optimizer step this batch makes, at the lr it makes it with."""
        self.steps += 1
        self.lr_steps += trainer.optimizers[0].param_groups[0]["lr"]

    def on_train_epoch_end(self, trainer: L.Trainer, module: TranslationModule) -> None:
        record: dict[str, Any] = {
            "epoch": trainer.current_epoch + 1,
            **module.train_record(),
            **getattr(module, "val_record", {}),
            "lr": trainer.optimizers[0].param_groups[0]["lr"],
            "steps": self.steps,
            "lr_steps": self.lr_steps,
        }
        history = {key: [*self.history.get(key, []), value] for key, value in record.items()}
        verdict = assess(history, self.config.health)
        self._append(trainer, record, verdict.line())
        if not trainer.is_global_zero:
            return
        log.info(
            "epoch %d/%d: %s",
            record["epoch"],
            self.config.train.epochs,
            ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k != "epoch"),
        )
        log.info("health after epoch %d: %s", record["epoch"], verdict.line())
        advice = data_wait_advice(record["data_wait_share"], self.config.train.num_workers)
        if advice:
            log.warning(advice)
        self._save(module, record)

    def _save(self, module: TranslationModule, record: dict[str, Any]) -> None:
        """The last checkpoint, and the best one when its validation loss is the lowest yet."""
        info = {
            "epoch": record["epoch"],
            "metrics": record,
            "parameters": count_parameters(module.model),
            "fps": self.data.fps,
            "provenance": self.provenance,
        }
        if module.started_from is not None:  # where the encoder started (`model.init`)
            info["init"] = module.started_from
        parts = {
            "model": module.model,
            "config": self.config,
            "tokenizer": self.data.tokenizer,
            "source": self.data.source,
            "layout": self.data.layout,
            "points": self.data.points,
            "features": self.data.features,
            "info": info,
            "glosses": self.data.glosses,
        }
        self.run.save_checkpoint(LAST, **parts)
        if record["val_loss"] < self.best:  # finite: a non-finite one stopped training
            self.best = record["val_loss"]
            self.run.save_checkpoint(BEST, **parts)

    def state_dict(self) -> dict[str, Any]:
        return {
            "history": self.history,
            "best": self.best,
            "steps": self.steps,
            "lr_steps": self.lr_steps,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.best = float(state["best"])
        self.steps = int(state.get("steps", 0))  # resume points of earlier versions lack them
        self.lr_steps = float(state.get("lr_steps", 0.0))


class ResumePoint(Checkpoint):
    """Saves the full trainer state to resume.ckpt after every epoch, every few minutes
    inside long epochs, and after the current batch when SIGTERM arrives (Lightning then
    stops the run). A `Checkpoint`, so Lightning calls it after early stopping has decided."""

    def __init__(self, run: RunFolder, minutes: float) -> None:
        self.path, self.seconds = run.resume_file, minutes * 60
        self.last = time.monotonic()

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        if trainer.fit_loop.epoch_loop.batch_progress.is_last_batch:
            return  # the epoch-end checkpoint follows validation; a save here would skip it
        overdue = self.seconds and time.monotonic() - self.last > self.seconds
        if trainer.received_sigterm or overdue:
            trainer.save_checkpoint(self.path, weights_only=False)
            self.last = time.monotonic()

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        trainer.save_checkpoint(self.path, weights_only=False)
        self.last = time.monotonic()


RESUME_FIX = "delete it to start the run again from its first epoch"


class RunCheckpointIO(TorchCheckpointIO):
    """resume.ckpt written atomically and read back checked: a failed write, or a file that is
    truncated, foreign or of another model, is one line naming it."""

    def __init__(self, module: L.LightningModule) -> None:
        self.shapes = {name: tensor.shape for name, tensor in module.state_dict().items()}

    def save_checkpoint(
        self, state: dict[str, Any], path: Any, storage_options: Any = None
    ) -> None:
        checkpoint.write_state(path, state)

    def load_checkpoint(
        self, path: Any, map_location: Any = None, weights_only: bool | None = None
    ) -> dict[str, Any]:
        state = checkpoint.read_state(path, RESUME_FIX, map_location or "cpu")
        if not {"state_dict", "loops", "sign2text"} <= set(state):
            raise InputError(path, "not a resume point that sign2text train wrote", RESUME_FIX)
        saved = state["state_dict"]
        shapes = {name: getattr(tensor, "shape", None) for name, tensor in saved.items()}
        if shapes != self.shapes:
            raise InputError(
                path,
                "holds another model than this run's config.yaml describes",
                f"resume without --set model.*, or {RESUME_FIX}",
            )
        return state


def add_log_file(path: Path) -> logging.Handler:
    """Copy this package's log records into `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger("sign2text").addHandler(handler)
    logging.getLogger("sign2text").setLevel(logging.INFO)
    return handler
