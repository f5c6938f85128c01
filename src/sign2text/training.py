"""Training on PyTorch Lightning: the module, the run folder's history and checkpoints."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, TQDMProgressBar
from lightning.pytorch.loggers import TensorBoardLogger
from torch.utils.data import DataLoader

from sign2text import atomic, checkpoint
from sign2text import config as configuration
from sign2text.config import Config, TrainConfig
from sign2text.dataset import (
    Batch,
    BucketBatchSampler,
    PreparedSplit,
    TranslationDataset,
    collate,
    dataset_layout,
    load_tokenizer,
    read_meta,
)
from sign2text.decoding import greedy, length_limits
from sign2text.features import Anchors, model_input
from sign2text.layouts import Layout
from sign2text.metrics import corpus_scores
from sign2text.model import Translator, count_parameters
from sign2text.tokenizer import PAD, Tokenizer

log = logging.getLogger(__name__)


@dataclass
class Data:
    """Everything training reads from the prepared dataset."""

    tokenizer: Tokenizer
    layout: Layout
    points: list[int]
    features: int
    train: TranslationDataset
    val: TranslationDataset


def load_data(config: Config) -> Data:
    """Tokenizer, point selection and the train/val datasets of `config.data.prepared`."""
    folder = Path(config.data.prepared)
    meta = read_meta(folder)
    tokenizer = load_tokenizer(folder, config.text.tokenizer, config.text.vocab_size)
    layout, points = dataset_layout(meta, config.data.points)
    train_split, val_split = PreparedSplit(folder, "train"), PreparedSplit(folder, "val")
    subset = None
    if config.data.train_subset < 1.0:
        rng = np.random.default_rng(config.train.seed)
        count = max(1, round(len(train_split) * config.data.train_subset))
        subset = sorted(rng.permutation(len(train_split))[:count].tolist())
    cap, words = config.data.max_frames, config.text.max_tokens
    train = TranslationDataset(train_split, tokenizer, points, cap, words, subset)
    val = TranslationDataset(val_split, tokenizer, points, cap, words)
    features = len(points) * int(meta["values"])
    return Data(tokenizer, layout, points, features, train, val)


def _lr_lambda(train: TrainConfig, total_steps: int, steps_per_epoch: int):
    """Warm-up then cosine decay to min_lr (or constant), as a factor of the base lr."""
    warmup = max(1, round(train.warmup_epochs * steps_per_epoch))
    floor = train.min_lr / train.lr

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if train.scheduler == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


class TranslationModule(L.LightningModule):
    """Loss, optimiser and schedule around a `Translator`; validation also decodes."""

    def __init__(self, config: Config, data: Data) -> None:
        super().__init__()
        self.config, self.data = config, data
        self.model = Translator(config.model, data.features, len(data.tokenizer))
        self.anchors = Anchors.of(data.layout)
        self._sums: dict[str, float] = {}

    def features(self, batch: Batch) -> torch.Tensor:
        """Model input for a batch, computed on the batch's device: (B, T, F)."""
        return model_input(
            batch.keypoints, batch.frame_mask, self.anchors, self.config.data.normalize
        )

    def _losses(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Label-smoothed loss (mean per token), plain NLL sum, and the token count."""
        logits = self.model(self.features(batch), batch.frame_mask, batch.tokens_in)
        flat, target = logits.flatten(0, 1).float(), batch.tokens_out.flatten()
        smoothed = torch.nn.functional.cross_entropy(
            flat, target, ignore_index=PAD, label_smoothing=self.config.train.label_smoothing
        )
        nll = torch.nn.functional.cross_entropy(flat, target, ignore_index=PAD, reduction="sum")
        return smoothed, nll.detach(), int((target != PAD).sum())

    def _add(self, **values: float) -> None:
        for key, value in values.items():
            self._sums[key] = self._sums.get(key, 0.0) + value

    def on_train_epoch_start(self) -> None:
        self._sums = {key: v for key, v in self._sums.items() if not key.startswith("train")}
        sampler = self.trainer.train_dataloader.batch_sampler
        if isinstance(sampler, BucketBatchSampler):
            sampler.set_epoch(self.current_epoch)
        self._epoch_started = time.perf_counter()

    def training_step(self, batch: Batch, batch_index: int) -> torch.Tensor:
        loss, _, tokens = self._losses(batch)
        padded = batch.frame_mask.numel()
        self._add(
            train_loss=float(loss.detach()) * tokens,
            train_tokens=tokens,
            train_clips=len(batch.items),
            train_frames=float(batch.frame_mask.sum()),
            train_padded=padded,
        )
        self.log("loss", loss.detach(), prog_bar=True, batch_size=len(batch.items))
        return loss

    def on_validation_epoch_start(self) -> None:
        self._sums = {key: v for key, v in self._sums.items() if not key.startswith("val")}
        self._hypotheses: dict[int, str] = {}

    def validation_step(self, batch: Batch, batch_index: int) -> None:
        loss, nll, tokens = self._losses(batch)
        self._add(val_loss=float(loss) * tokens, val_nll=float(nll), val_tokens=tokens)
        budget = self.config.train.val_decode_max - len(self._hypotheses)
        if budget > 0:
            chosen = slice(0, budget)
            memory, padding = self.model.encode(
                self.features(batch)[chosen], batch.frame_mask[chosen]
            )
            limits = length_limits(
                padding,
                self.config.decode.max_len_ratio,
                self.config.decode.max_len_extra,
                self.config.text.max_tokens,
            )
            for item, ids in zip(
                batch.items[chosen].tolist(),
                greedy(self.model, memory, padding, limits),
                strict=True,
            ):
                self._hypotheses[item] = self.data.tokenizer.decode(ids)

    def on_validation_epoch_end(self) -> None:
        tokens = max(self._sums.get("val_tokens", 0), 1)
        record = {
            "val_loss": self._sums.get("val_loss", 0.0) / tokens,
            "val_ppl": math.exp(min(self._sums.get("val_nll", 0.0) / tokens, 50.0)),
        }
        if self._hypotheses:
            items = sorted(self._hypotheses)
            references = [
                self.data.val.split.clips[self.data.val.indices[i]].sentence for i in items
            ]
            scores = corpus_scores([self._hypotheses[i] for i in items], references)
            record.update(val_bleu4=scores["bleu4"], val_wer=scores["wer"])
        self.val_record = record
        for key, value in record.items():
            self.log(key, value, prog_bar=key in ("val_loss", "val_bleu4"))

    def train_record(self) -> dict[str, float]:
        """This epoch's training figures: mean loss per token, throughput, padding share."""
        seconds = time.perf_counter() - self._epoch_started
        s = self._sums
        return {
            "train_loss": s.get("train_loss", 0.0) / max(s.get("train_tokens", 0), 1),
            "epoch_seconds": seconds,
            "clips_per_second": s.get("train_clips", 0) / max(seconds, 1e-9),
            "padding_share": 1.0 - s.get("train_frames", 0) / max(s.get("train_padded", 0), 1),
        }

    def configure_optimizers(self) -> Any:
        train = self.config.train
        optimizer = torch.optim.AdamW(
            self.model.parameters(),
            lr=train.lr,
            betas=train.betas,
            weight_decay=train.weight_decay,
            fused=self.device.type == "cuda",
        )
        if train.scheduler == "plateau":
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer,
                mode="min",
                factor=train.plateau_factor,
                patience=train.plateau_patience,
                min_lr=train.min_lr,
            )
            return {
                "optimizer": optimizer,
                "lr_scheduler": {"scheduler": plateau, "monitor": "val_loss", "interval": "epoch"},
            }
        total = int(self.trainer.estimated_stepping_batches)
        per_epoch = max(1, total // max(1, self.trainer.max_epochs or 1))
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(train, total, per_epoch))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


class RunRecorder(Callback):
    """After every epoch: append to history.json, save last and best checkpoints."""

    def __init__(self, run_dir: Path, config: Config, data: Data) -> None:
        self.run_dir, self.config, self.data = run_dir, config, data
        self.history: dict[str, list[float]] = {}
        self.best = math.inf

    def on_train_epoch_end(self, trainer: L.Trainer, module: TranslationModule) -> None:
        record = {
            "epoch": trainer.current_epoch + 1,
            **module.train_record(),
            **getattr(module, "val_record", {}),
            "lr": trainer.optimizers[0].param_groups[0]["lr"],
        }
        for key, value in record.items():
            self.history.setdefault(key, []).append(value)
        atomic.write_json(self.run_dir / "history.json", self.history)
        log.info(
            "epoch %d: %s",
            record["epoch"],
            ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k != "epoch"),
        )
        info = {
            "epoch": record["epoch"],
            "metrics": record,
            "parameters": count_parameters(module.model),
        }
        save = {
            "model": module.model,
            "config": self.config,
            "tokenizer": self.data.tokenizer,
            "layout": self.data.layout,
            "points": self.data.points,
            "features": self.data.features,
            "info": info,
        }
        checkpoint.save(self.run_dir / "last_checkpoint.pt", **save)
        if record.get("val_loss", math.inf) < self.best:
            self.best = record["val_loss"]
            checkpoint.save(self.run_dir / "best_checkpoint.pt", **save)


def _loaders(config: Config, data: Data) -> tuple[DataLoader, DataLoader]:
    train = config.train
    common = {
        "collate_fn": collate,
        "num_workers": train.num_workers,
        "pin_memory": torch.cuda.is_available(),
        "persistent_workers": train.num_workers > 0,
    }
    train_sampler = BucketBatchSampler(data.train.lengths, train.batch_size, seed=train.seed)
    val_sampler = BucketBatchSampler(data.val.lengths, train.batch_size, shuffle=False)
    return (
        DataLoader(data.train, batch_sampler=train_sampler, **common),
        DataLoader(data.val, batch_sampler=val_sampler, **common),
    )


def add_log_file(path: Path) -> logging.Handler:
    """Copy this package's log records into `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger("sign2text").addHandler(handler)
    logging.getLogger("sign2text").setLevel(logging.INFO)
    return handler


def train(config: Config, run_dir: str | Path, *, progress: bool = True) -> dict[str, Any]:
    """Train `config` into `run_dir`; returns the history and summary figures."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    handler = add_log_file(run_dir / "train.log")
    try:
        L.seed_everything(config.train.seed, workers=True, verbose=False)
        prepared = str(Path(config.data.prepared).resolve())
        config = replace(config, data=replace(config.data, prepared=prepared))
        atomic.write_text(run_dir / "config.yaml", configuration.dump(config))
        data = load_data(config)
        module = TranslationModule(config, data)
        parameters = count_parameters(module.model)
        log.info(
            "model: %s parameters (%d train / %d val clips, vocabulary %d %s)",
            f"{parameters:,}",
            len(data.train),
            len(data.val),
            len(data.tokenizer),
            data.tokenizer.kind,
        )
        recorder = RunRecorder(run_dir, config, data)
        callbacks: list[Callback] = [
            recorder,
            EarlyStopping(
                monitor="val_loss", patience=config.train.early_stopping_patience, mode="min"
            ),
        ]
        if progress:
            callbacks.append(TQDMProgressBar(refresh_rate=10))
        on_cpu = not torch.cuda.is_available()
        trainer = L.Trainer(
            max_epochs=config.train.epochs,
            max_time={"minutes": config.train.max_minutes} if config.train.max_minutes else None,
            accelerator="auto",
            devices=1,
            precision=config.train.precision,
            gradient_clip_val=config.train.grad_clip or None,
            callbacks=callbacks,
            logger=TensorBoardLogger(str(run_dir), name="tensorboard", version=""),
            enable_checkpointing=False,
            enable_progress_bar=progress,
            enable_model_summary=False,
            num_sanity_val_steps=0,
            deterministic=on_cpu,
            log_every_n_steps=10,
        )
        started = time.perf_counter()
        train_loader, val_loader = _loaders(config, data)
        trainer.fit(module, train_loader, val_loader)
        seconds = time.perf_counter() - started
        log.info(
            "trained %d epochs in %.1f s; best val_loss %.4f",
            len(recorder.history.get("epoch", [])),
            seconds,
            recorder.best,
        )
        return {
            "run_dir": str(run_dir),
            "parameters": parameters,
            "seconds": seconds,
            "epochs": len(recorder.history.get("epoch", [])),
            "best_val_loss": recorder.best,
            "history": recorder.history,
        }
    finally:
        logging.getLogger("sign2text").removeHandler(handler)
        handler.close()
