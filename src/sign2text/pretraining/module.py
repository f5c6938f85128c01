"""The pretraining LightningModule: a translator's encoder and a small head, trained by masked
keypoint modelling (`masking`: regress hidden points) or masked cluster prediction (`clusters`:
classify hidden parts), with the exact resume state `train` keeps."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from typing import Any

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader

from sign2text.config import Config
from sign2text.data.augment import augment
from sign2text.data.dataset import Batch, BucketBatchSampler, PackedBatch
from sign2text.data.features import Anchors, model_input
from sign2text.errors import TrainingError
from sign2text.model.translator import Translator
from sign2text.pretraining import clusters, masking
from sign2text.pretraining.data import UnlabelledData
from sign2text.text.tokenizer import SPECIALS
from sign2text.training import schedule
from sign2text.training.data import train_loader, val_loader
from sign2text.training.resumable import ExactResume

log = logging.getLogger(__name__)


class ReconstructionHead(nn.Module):
    """Encoder steps back to frames: each of the T' steps predicts the features of the
    2**downsample frames it was made from."""

    def __init__(self, d_model: int, features: int, frames_per_step: int) -> None:
        super().__init__()
        self.frames_per_step = frames_per_step
        self.net = nn.Sequential(
            nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, features * frames_per_step)
        )

    def forward(self, memory: torch.Tensor, frames: int) -> torch.Tensor:
        """memory (B, T', d) -> predicted features (B, frames, F)."""
        out = self.net(memory)  # (B, T', F * r)
        out = out.unflatten(-1, (self.frames_per_step, -1)).flatten(1, 2)  # (B, T' * r, F)
        return out[:, :frames]


def pretraining_config(config: Config) -> Config:
    """`config` with the epochs, time budget and peak learning rate taken from `pretrain.*`:
    the trainer and schedule read them from `train.*`."""
    p = config.pretrain
    train = replace(config.train, epochs=p.epochs, lr=p.lr, max_minutes=p.max_minutes)
    return replace(config, train=train)


class PretrainModule(ExactResume, L.LightningModule):
    """Masked keypoint modelling around a `Translator`'s encoder (its decoder is not used).

    `config` is the run's config; its optimiser settings come from `pretraining_config`.
    `fit_targets` False (a run resumed from its checkpoint): the cluster centroids come from
    the checkpoint, not from fitting k-means again.
    """

    def __init__(self, config: Config, data: UnlabelledData, fit_targets: bool = True) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.config, self.data = pretraining_config(config), data
        self.model = Translator.build(config, data.features, len(SPECIALS))
        self.anchors = Anchors.of(data.layout)
        self.fmap = masking.FeatureMap.of(data.layout, data.values, config.data)
        self.head = self._head(fit_targets)
        self.batches_done = 0
        self.start: tuple[int, int] | None = None
        self._sums: dict[str, float] = {}
        self._clock: dict[str, float] = {}

    def _head(self, fit_targets: bool) -> nn.Module:
        d_model, frames_per_step = self.config.model.d_model, 2**self.config.model.downsample
        if self.config.pretrain.objective != "clusters":
            return ReconstructionHead(d_model, self.data.features, frames_per_step)
        seed, count = self.config.train.seed, self.config.pretrain.clusters
        if not fit_targets:
            empty = clusters.empty_centroids(self.fmap, count)
            return clusters.ClusterHead(d_model, empty, frames_per_step)
        started = time.perf_counter()
        units, seen = clusters.sample_frames(
            self.data.train, self.anchors, self.config.data, self.fmap, seed
        )
        centroids = clusters.fit_centroids(units, seen, self.fmap, count, seed)
        log.info(
            "pretraining targets: %d clusters per body part, fitted on %d frames in %.1f s",
            *(count, len(units), time.perf_counter() - started),
        )
        return clusters.ClusterHead(d_model, centroids, frames_per_step)

    # -- data ----------------------------------------------------------------------------
    def train_dataloader(self) -> DataLoader:
        loader = train_loader(self.config, self.data, self.global_rank)  # type: ignore[arg-type]
        if self.start is not None:
            loader.batch_sampler.resume(*self.start)
        return loader

    def val_dataloader(self) -> DataLoader:
        return val_loader(self.config, self.data)  # type: ignore[arg-type]

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        return batch.padded() if isinstance(batch, PackedBatch) else batch

    # -- the objective -------------------------------------------------------------------
    def masked_prediction(
        self, batch: Batch, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """Hide spans and parts of the batch's clips and predict them: their points
        (`reconstruct`) or their clusters (`clusters`). Returns the summed loss of the model
        and of its baseline (each clip's visible mean or cluster frequencies), and the
        amount they are divided by (summed weights, or counted parts)."""
        fmap = self.fmap.to(batch.keypoints.device)
        target = model_input(batch.keypoints, batch.frame_mask, self.anchors, self.config.data)
        hidden = masking.draw_hidden(
            batch.frame_mask, len(fmap.parts), self.config.pretrain, generator
        )  # (B, T, P)
        memory, _ = self.model.encode(masking.hide(target, hidden, fmap), batch.frame_mask)
        predicted = self.head(memory, target.shape[1])  # (B, T, F) or (B, T, P, K)
        weight = masking.feature_weights(batch.keypoints, batch.frame_mask, fmap)  # (B, T, F)
        if isinstance(self.head, clusters.ClusterHead):
            return self._cluster_terms(predicted, target, weight, hidden, fmap)
        hidden_f = hidden[..., fmap.part]  # (B, T, F)
        error, total = masking.masked_error(predicted, target, weight * hidden_f)
        baseline = masking.clip_mean_prediction(target, weight * ~hidden_f)
        baseline_error, _ = masking.masked_error(baseline, target, weight * hidden_f)
        return {"error": error, "weight": total, "baseline": baseline_error.detach()}

    def _cluster_terms(
        self,
        scores: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor,
        hidden: torch.Tensor,
        fmap: masking.FeatureMap,
    ) -> dict[str, torch.Tensor]:
        head = self.head
        assert isinstance(head, clusters.ClusterHead)
        units = clusters.unit_input(target, weight)
        ids = clusters.assign(units, head.centroids, clusters.part_columns(fmap))  # (B, T, P)
        seen = clusters.part_seen(weight, fmap)  # (B, T, P)
        error, count = clusters.cluster_loss(scores, ids, hidden & seen)
        baseline = clusters.frequency_baseline(ids, ~hidden & seen, hidden & seen, head.clusters)
        return {"error": error, "weight": count, "baseline": baseline.detach()}

    def training_step(self, batch: Batch, batch_index: int) -> None:
        if self.config.augment.enabled:
            keypoints, frame_mask = augment(batch.keypoints, batch.frame_mask, self.config.augment)
            batch = replace(batch, keypoints=keypoints, frame_mask=frame_mask)
        optimizer = self.optimizers()
        optimizer.zero_grad(set_to_none=True)
        out = self.masked_prediction(batch)
        self.manual_backward(out["error"] / out["weight"].clamp(min=1e-9))
        if self.config.train.grad_clip:
            self.clip_gradients(
                optimizer,
                gradient_clip_val=self.config.train.grad_clip,
                gradient_clip_algorithm="norm",
            )
        optimizer.step()
        scheduler = self.lr_schedulers()
        if not schedule.per_epoch(scheduler):
            scheduler.step()
        error, weight = float(out["error"].detach()), float(out["weight"])
        self._add(
            train_error=error,
            train_weight=weight,
            train_clips=len(batch.items),
            train_frames=int(batch.frame_mask.sum()),
        )
        if not math.isfinite(error):
            raise TrainingError(
                f"pretraining diverged in epoch {self.current_epoch + 1}: the loss is {error} "
                f"(lower pretrain.lr, now {self.config.train.lr:g})"
            )
        self.batches_done += 1
        self.log("loss", error / max(weight, 1e-9), prog_bar=True, batch_size=len(batch.items))

    def validation_step(self, batch: Batch, batch_index: int) -> None:
        generator = torch.Generator().manual_seed(batch_index)  # the same hiding every epoch
        out = self.masked_prediction(batch, generator)
        self._add(
            val_error=float(out["error"]),
            val_weight=float(out["weight"]),
            val_baseline=float(out["baseline"]),
        )

    # -- figures -------------------------------------------------------------------------
    def _add(self, **values: float) -> None:
        for key, value in values.items():
            self._sums[key] = self._sums.get(key, 0.0) + value

    def _reset(self, prefix: str) -> None:
        self._sums = {k: v for k, v in self._sums.items() if not k.startswith(prefix)}
        self._clock[prefix] = time.perf_counter()

    def on_train_start(self) -> None:
        self._clock.setdefault("train", time.perf_counter())

    def on_train_epoch_start(self) -> None:
        if self._sums.get("epoch") != self.current_epoch:  # not when resumed inside it
            self._reset("train")
            self._sums["epoch"] = self.current_epoch
            self.batches_done = 0
        sampler = self.trainer.train_dataloader.batch_sampler
        if isinstance(sampler, BucketBatchSampler):
            sampler.set_epoch(self.current_epoch)

    def on_validation_epoch_start(self) -> None:
        self._reset("val")

    def on_validation_epoch_end(self) -> None:
        s = self._sums
        weight = max(s.get("val_weight", 0.0), 1e-9)
        record = {
            "val_loss": s.get("val_error", 0.0) / weight,
            "val_loss_baseline": s.get("val_baseline", 0.0) / weight,
            "val_seconds": time.perf_counter() - self._clock["val"],
        }
        self.val_record = record
        for key in ("val_loss", "val_loss_baseline"):
            self.log(key, record[key], prog_bar=key == "val_loss")

    def on_train_epoch_end(self) -> None:
        scheduler = self.lr_schedulers()
        if schedule.per_epoch(scheduler):
            scheduler.step(self.val_record["val_loss"])

    def train_record(self) -> dict[str, float]:
        """This epoch's training figures: mean loss per weighted hidden coordinate, speed."""
        s = self._sums
        seconds = time.perf_counter() - self._clock["train"]
        train_seconds = seconds - getattr(self, "val_record", {}).get("val_seconds", 0.0)
        return {
            "train_loss": s.get("train_error", 0.0) / max(s.get("train_weight", 0.0), 1e-9),
            "epoch_seconds": seconds,
            "clips_per_second": s.get("train_clips", 0) / max(train_seconds, 1e-9),
        }

    def configure_optimizers(self) -> Any:
        train = self.config.train
        parameters = [*self.model.encoder_parameters(), *self.head.parameters()]
        optimizer = torch.optim.AdamW(
            parameters,
            lr=train.lr,
            betas=train.betas,
            weight_decay=train.weight_decay,
            fused=self.device.type == "cuda",
        )
        scheduler = schedule.build(
            optimizer,
            train,
            lambda: int(self.trainer.estimated_stepping_batches),
            self.trainer.max_epochs or 1,
            self._budget_used,
        )
        return {"optimizer": optimizer, "lr_scheduler": scheduler}
