"""Where training stands inside an epoch: the console's progress bar, numbering epochs as
train.log does, and `progress.json`, which `sign2text status` reads."""

from __future__ import annotations

import math
import time
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback, TQDMProgressBar
from lightning.pytorch.callbacks.progress.tqdm_progress import convert_inf

from sign2text.data.dataset import BucketBatchSampler
from sign2text.run_folder import RunFolder
from sign2text.training.module import TranslationModule

PROGRESS_SECONDS = 10.0  # how often progress.json is rewritten while an epoch trains


class EpochBar(TQDMProgressBar):
    """Lightning's bar, its epochs numbered from 1 of `train.epochs` as train.log numbers
    them ("epoch 1/30", where Lightning writes "Epoch 0"), validation labelled with its epoch
    ("validating epoch 1/30", not "Validation DataLoader 0"), no logger version among the
    figures. (Lightning's own hooks would show its labels for a moment: each label is set
    here before the bar is reset, which draws it.)"""

    @property
    def train_description(self) -> str:
        return epoch_label(self.trainer)

    def on_train_epoch_start(self, trainer: L.Trainer, *args: Any) -> None:
        bar = self.train_progress_bar
        bar.set_description(epoch_label(trainer), refresh=False)
        bar.reset(total=convert_inf(self.total_train_batches))

    @property
    def validation_description(self) -> str:
        return f"validating {epoch_label(self.trainer)}"

    def on_validation_batch_start(
        self,
        trainer: L.Trainer,
        module: L.LightningModule,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if self.has_dataloader_changed(dataloader_idx):
            bar = self.val_progress_bar
            bar.set_description(self.validation_description, refresh=False)
            bar.reset(total=convert_inf(self.total_val_batches_current_dataloader))

    def get_metrics(self, trainer: L.Trainer, module: L.LightningModule) -> dict[str, Any]:
        figures = super().get_metrics(trainer, module)
        figures.pop("v_num", None)
        return figures


def epoch_label(trainer: L.Trainer) -> str:
    """The current epoch as train.log names it: "epoch 3/30"."""
    return f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}"


class EpochProgress(Callback):
    """Writes progress.json (atomically) after an epoch's first batch and every `seconds`
    after that: the epoch (numbered from 1), batches done of this process's, clips done of
    the epoch's (over all processes), and seconds since the epoch started here."""

    def __init__(self, run: RunFolder, seconds: float = PROGRESS_SECONDS) -> None:
        self.run, self.seconds = run, seconds
        self.started = self.written = time.monotonic()

    def on_train_epoch_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.started = time.monotonic()
        self.written = -math.inf  # written after the first batch, when the module counted it

    def on_train_batch_end(self, trainer: L.Trainer, module: TranslationModule, *args: Any) -> None:
        if time.monotonic() - self.written >= self.seconds:
            self._write(trainer, module.batches_done)

    def _write(self, trainer: L.Trainer, done: int) -> None:
        """progress.json after `done` batches of this process in the current epoch."""
        if not trainer.is_global_zero:
            return
        loader = trainer.train_dataloader
        sampler = loader.batch_sampler if loader is not None else None
        clips = sampler.clips(done) if isinstance(sampler, BucketBatchSampler) else (None, None)
        self.run.write_progress(
            {
                "epoch": trainer.current_epoch + 1,
                "epochs": trainer.max_epochs,
                "batches": done,
                "batches_total": trainer.num_training_batches,
                "clips": clips[0],
                "clips_total": clips[1],
                "seconds": time.monotonic() - self.started,
            }
        )
        self.written = time.monotonic()
