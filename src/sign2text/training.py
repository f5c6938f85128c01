"""Training on PyTorch Lightning: the module, health checks, run-folder history and checkpoints.

A run folder holds `config.yaml` (the resolved config), `train.log`, `history.json` (per-epoch
lists), `best_checkpoint.pt` and `last_checkpoint.pt` (portable: model, config, tokenizer),
`resume.ckpt` (the full trainer state for `--resume`) and `tensorboard/`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback, Checkpoint, EarlyStopping, Timer, TQDMProgressBar
from lightning.pytorch.loggers import TensorBoardLogger
from lightning.pytorch.plugins.io import TorchCheckpointIO
from lightning.pytorch.utilities import rank_zero_only
from lightning.pytorch.utilities.exceptions import SIGTERMException
from torch.utils.data import DataLoader

from sign2text import atomic, checkpoint, randomness, runs
from sign2text import config as configuration
from sign2text.augment import augment
from sign2text.config import Config, TrainConfig
from sign2text.dataset import (
    Batch,
    BucketBatchSampler,
    PackedBatch,
    PreparedSplit,
    TranslationDataset,
    collate_packed,
    cut_by_frames,
    dataset_layout,
    load_tokenizer,
    read_meta,
)
from sign2text.decoding import greedy, length_limits
from sign2text.errors import Failure, InputError, TrainingError, write_error
from sign2text.features import Anchors, input_size, model_input
from sign2text.health import FAILING, assess
from sign2text.layouts import Layout
from sign2text.metrics import corpus_scores
from sign2text.model import Translator, count_parameters
from sign2text.runtime import configure_kernels, resolve_micro_frames, resolve_precision
from sign2text.schedules import SHAPES
from sign2text.tokenizer import PAD, Tokenizer

log = logging.getLogger(__name__)

RESUME_FILE = "resume.ckpt"


class Diverged(TrainingError):
    """A loss that is not a finite number: training stops at once."""


@dataclass
class Data:
    """Everything training reads from the prepared dataset."""

    tokenizer: Tokenizer
    source: Layout  # the stored clips' layout
    layout: Layout  # the points the model reads
    points: list[int]  # their positions in `source`
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
    fps = config.data.fps
    train = TranslationDataset(train_split, tokenizer, points, cap, words, subset, fps)
    val = TranslationDataset(val_split, tokenizer, points, cap, words, fps=fps)
    features = input_size(len(points), int(meta["values"]), Anchors.of(layout), config.data)
    return Data(tokenizer, Layout.from_dict(meta["layout"]), layout, points, features, train, val)


def _lr_lambda(
    train: TrainConfig,
    total_steps: int,
    steps_per_epoch: int,
    clock: Callable[[], float] = lambda: 0.0,
) -> Callable[[int], float]:
    """The schedule as a factor of the base lr: linear warm-up, then
    - cosine: cosine decay to min_lr over the whole run;
    - wsd (warm-up, stable, decay): the full lr until the last `train.decay_share` of the run,
      then a cosine decay to min_lr over that share;
    - constant: the full lr throughout.
    How far the run is: the share of `total_steps` taken or, when further along, `clock()`, the
    share of a time budget used so far, so a run cut short by `train.max_minutes` still ends
    annealed."""
    warmup = round(train.warmup_epochs * steps_per_epoch)
    floor = train.min_lr / train.lr

    shape = SHAPES[train.scheduler]

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = max((step - warmup) / max(1, total_steps - warmup), clock())
        return shape(progress, floor, train.decay_share)

    return factor


def _rows(batch: Batch, rows: slice) -> Batch:
    return Batch(
        batch.keypoints[rows],
        batch.frame_mask[rows],
        batch.tokens_in[rows],
        batch.tokens_out[rows],
        batch.items[rows],
    )


def _trimmed(batch: Batch, rows: list[int], frames: int, words: int) -> Batch:
    """Rows `rows` of `batch`, cut to their longest clip (`frames`) and sentence (`words`)."""
    index = torch.tensor(rows, device=batch.items.device)
    return Batch(
        batch.keypoints[index, :frames],
        batch.frame_mask[index, :frames],
        batch.tokens_in[index, :words],
        batch.tokens_out[index, :words],
        batch.items[index],
    )


class TranslationModule(L.LightningModule):
    """Loss, optimiser and schedule around a `Translator`; validation also decodes.

    Optimisation is manual so that a batch that runs out of GPU memory can be split into
    micro-batches whose gradients add up to the whole batch's: the effective batch is kept.
    """

    def __init__(self, config: Config, data: Data) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.config, self.data = config, data
        self.model = Translator.build(config, data.features, len(data.tokenizer))
        self.anchors = Anchors.of(data.layout)
        self.micro_batches = 1
        self.batches_done = 0  # training steps taken in the current epoch
        self.start: tuple[int, int] | None = None  # (epoch, batches done) of a resume point
        self._sums: dict[str, float] = {}
        self._clock: dict[str, float] = {}

    def train_dataloader(self) -> DataLoader:
        """The training batches; a resumed run's start inside its first epoch after the
        batches the interrupted run had done (Lightning asks after `on_load_checkpoint`)."""
        loader = train_loader(self.config, self.data, self.global_rank)
        if self.start is not None:
            loader.batch_sampler.resume(*self.start)
        return loader

    def val_dataloader(self) -> DataLoader:
        return val_loader(self.config, self.data)

    def features(self, batch: Batch) -> torch.Tensor:
        """Model input for a batch, computed on the batch's device: (B, T, F)."""
        return model_input(batch.keypoints, batch.frame_mask, self.anchors, self.config.data)

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Loaders hand over clips unpadded (`collate_packed`): less to pass between
        processes and to copy to the device; the padding is made here, on the device."""
        return batch.padded() if isinstance(batch, PackedBatch) else batch

    def _loss_sums(self, batch: Batch, smoothing: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed label-smoothed loss and summed plain NLL over the batch's tokens."""
        logits = self.model(self.features(batch), batch.frame_mask, batch.tokens_in)
        flat, target = logits.flatten(0, 1).float(), batch.tokens_out.flatten()
        smoothed = torch.nn.functional.cross_entropy(
            flat, target, ignore_index=PAD, label_smoothing=smoothing, reduction="sum"
        )
        nll = torch.nn.functional.cross_entropy(flat, target, ignore_index=PAD, reduction="sum")
        return smoothed, nll.detach()

    def _add(self, **values: float) -> None:
        for key, value in values.items():
            self._sums[key] = self._sums.get(key, 0.0) + value

    def _reset(self, prefix: str) -> None:
        self._sums = {k: v for k, v in self._sums.items() if not k.startswith(prefix)}
        self._clock[prefix] = time.perf_counter()

    def on_train_start(self) -> None:
        self._clock.setdefault("train", time.perf_counter())  # resumed inside an epoch

    def on_train_epoch_start(self) -> None:
        if self._sums.get("epoch") != self.current_epoch:  # not when resumed inside this epoch
            self._reset("train")
            self._sums["epoch"] = self.current_epoch
            self.batches_done = 0
        sampler = self.trainer.train_dataloader.batch_sampler
        if isinstance(sampler, BucketBatchSampler):
            sampler.set_epoch(self.current_epoch)
        self._batch_clock = time.perf_counter()

    def on_train_batch_start(self, batch: Batch, batch_index: int) -> None:
        # From the end of the last step to here, training waited for this batch.
        now = time.perf_counter()
        self._add(train_data_seconds=now - getattr(self, "_batch_clock", now))

    def on_train_batch_end(self, outputs: Any, batch: Batch, batch_index: int) -> None:
        self._batch_clock = time.perf_counter()

    def _parts(self, lengths: list[int]) -> list[list[int]]:
        """The rows of a batch of clips of `lengths` frames in the parts it runs in: sorted by
        length and cut into parts of at most `train.micro_frames` padded frames
        (`resolve_micro_frames`), each cut again into `micro_batches` pieces after running out
        of memory."""
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        budget = resolve_micro_frames(self.config.train.micro_frames, self.device.type == "cuda")
        groups = cut_by_frames(order, lengths, len(order), budget)  # budget 0: one group
        parts = []
        for group in groups:
            step = math.ceil(len(group) / self.micro_batches)
            parts += [group[i : i + step] for i in range(0, len(group), step)]
        return parts

    def _backward_in_parts(
        self, batch: Batch, lengths: list[int], words: list[int]
    ) -> tuple[float, int]:
        """Forward and backward part by part (`_parts`), each part trimmed to its own longest
        clip and sentence (`lengths` frames and `words` target tokens per row), the loss
        divided by the whole batch's target tokens: the gradients add up to the whole
        batch's. Returns the batch's summed loss and the padded frames run."""
        total, padded, tokens = 0.0, 0, sum(words)
        for rows in self._parts(lengths):
            longest = max(lengths[r] for r in rows)
            part = _trimmed(batch, rows, longest, max(words[r] for r in rows))
            smoothed, _ = self._loss_sums(part, self.config.train.label_smoothing)
            self.manual_backward(smoothed / tokens)
            total += float(smoothed.detach())
            padded += part.frame_mask.numel()
        return total, padded

    def training_step(self, batch: Batch, batch_index: int) -> None:
        if self.config.augment.enabled:
            keypoints, frame_mask = augment(batch.keypoints, batch.frame_mask, self.config.augment)
            batch = Batch(keypoints, frame_mask, batch.tokens_in, batch.tokens_out, batch.items)
        optimizer = self.optimizers()
        lengths = batch.frame_mask.sum(dim=1).tolist()  # read from the device once per batch
        words = (batch.tokens_out != PAD).sum(dim=1).tolist()
        tokens = sum(words)
        while True:
            optimizer.zero_grad(set_to_none=True)
            try:
                loss_sum, padded = self._backward_in_parts(batch, lengths, words)
                break
            except torch.OutOfMemoryError:
                if self.micro_batches >= len(batch.items):
                    raise
                self.micro_batches *= 2
                optimizer.zero_grad(set_to_none=True)
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                log.warning(
                    "out of memory on a batch of %d clips: continuing with %d "
                    "micro-batches of about %d clips, accumulating gradients (the "
                    "effective batch is unchanged)",
                    len(batch.items),
                    self.micro_batches,
                    math.ceil(len(batch.items) / self.micro_batches),
                )
        if self.config.train.grad_clip:
            self.clip_gradients(
                optimizer,
                gradient_clip_val=self.config.train.grad_clip,
                gradient_clip_algorithm="norm",
            )
        optimizer.step()
        scheduler = self.lr_schedulers()
        if not isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step()
        self._add(
            train_loss=loss_sum,
            train_tokens=tokens,
            train_clips=len(batch.items),
            train_frames=sum(lengths),
            train_padded=padded,  # frames the model ran, padding included
        )
        if not math.isfinite(loss_sum):
            self._diverged(f"the training loss is {loss_sum} at batch {self.batches_done + 1}")
        self.batches_done += 1  # here, not in on_train_batch_end: ResumePoint saves before that
        self.log("loss", loss_sum / max(tokens, 1), prog_bar=True, batch_size=len(batch.items))

    def _diverged(self, what: str) -> None:
        lr = self.config.train.lr
        raise Diverged(
            f"training diverged in epoch {self.current_epoch + 1}: {what} (lower train.lr, now "
            f"{lr:g}, or raise train.warmup_epochs; if it persists, look at the prepared clips "
            "with `sign2text show`: they may hold extreme values)"
        )

    def on_validation_epoch_start(self) -> None:
        self._reset("val")
        self._hypotheses: dict[int, str] = {}

    def validation_step(self, batch: Batch, batch_index: int) -> None:
        smoothing = self.config.train.label_smoothing
        smoothed, nll = self._loss_sums(batch, smoothing)
        tokens = int((batch.tokens_out != PAD).sum())
        self._add(val_loss=float(smoothed), val_nll=float(nll), val_tokens=tokens)
        if len(batch.items) > 1:  # the same sentences with the keypoints of other clips
            swapped = Batch(
                batch.keypoints.roll(1, 0),
                batch.frame_mask.roll(1, 0),
                batch.tokens_in,
                batch.tokens_out,
                batch.items,
            )
            loss, _ = self._loss_sums(swapped, smoothing)
            self._add(val_swapped=float(loss), val_swapped_tokens=tokens)
        budget = self.config.train.val_decode_max - len(self._hypotheses)
        if budget > 0:
            part = _rows(batch, slice(0, budget))
            memory, padding = self.model.encode(self.features(part), part.frame_mask)
            decode = self.config.decode
            limits = length_limits(
                padding, decode.max_len_ratio, decode.max_len_extra, self.config.text.max_tokens
            )
            for item, ids in zip(
                part.items.tolist(), greedy(self.model, memory, padding, limits), strict=True
            ):
                self._hypotheses[item] = self.data.tokenizer.decode(ids)

    def on_validation_epoch_end(self) -> None:
        s = self._sums
        tokens = max(s.get("val_tokens", 0), 1)
        record = {
            "val_loss": s.get("val_loss", 0.0) / tokens,
            "val_ppl": math.exp(min(s.get("val_nll", 0.0) / tokens, 50.0)),
        }
        if s.get("val_swapped_tokens"):
            record["val_loss_swapped"] = s["val_swapped"] / s["val_swapped_tokens"]
        if self._hypotheses:
            items = sorted(self._hypotheses)
            references = [
                self.data.val.split.clips[self.data.val.indices[i]].sentence for i in items
            ]
            scores = corpus_scores([self._hypotheses[i] for i in items], references)
            record.update(val_bleu4=scores["bleu4"], val_wer=scores["wer"])
        record["val_seconds"] = time.perf_counter() - self._clock["val"]
        self.val_record = record
        if not math.isfinite(record["val_loss"]):
            self._diverged(f"the validation loss is {record['val_loss']}")
        for key, value in record.items():
            self.log(key, value, prog_bar=key in ("val_loss", "val_bleu4"))

    def on_train_epoch_end(self) -> None:
        scheduler = self.lr_schedulers()
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(self.val_record["val_loss"])

    def train_record(self) -> dict[str, float]:
        """This epoch's training figures: mean loss per token, throughput, padding share and
        the share of training time spent waiting for data."""
        seconds = time.perf_counter() - self._clock["train"]
        s = self._sums
        train_seconds = seconds - getattr(self, "val_record", {}).get("val_seconds", 0.0)
        return {
            "train_loss": s.get("train_loss", 0.0) / max(s.get("train_tokens", 0), 1),
            "epoch_seconds": seconds,
            "clips_per_second": s.get("train_clips", 0) / max(train_seconds, 1e-9),
            "padding_share": 1.0 - s.get("train_frames", 0) / max(s.get("train_padded", 0), 1),
            "data_wait_share": s.get("train_data_seconds", 0.0) / max(train_seconds, 1e-9),
            "micro_batches": self.micro_batches,
        }

    def on_save_checkpoint(self, state: dict[str, Any]) -> None:
        """Besides Lightning's state: this epoch's sums, where the run is (epoch, batches done;
        the next epoch once every batch is done), whether it was told to stop, and every
        random-number state, so that a resumed run goes on exactly as this one would."""
        epoch, done = self.current_epoch, self.batches_done
        if done >= self.trainer.num_training_batches:
            epoch, done = epoch + 1, 0
        state["sign2text"] = {
            "sums": dict(self._sums),
            "micro_batches": self.micro_batches,
            "position": [epoch, done],
            "should_stop": self.trainer.should_stop,
            "rng": randomness.states(),
        }

    def on_load_checkpoint(self, state: dict[str, Any]) -> None:
        saved = state["sign2text"]
        self._sums = dict(saved["sums"])
        self.micro_batches = int(saved["micro_batches"])
        epoch, self.batches_done = saved["position"]
        self.start = (epoch, self.batches_done)
        self.trainer.should_stop = bool(saved["should_stop"])
        randomness.restore(saved["rng"])

    def _budget_used(self) -> float:
        """Share of the `train.max_minutes` budget spent so far (0 without a budget), read
        from the timer Lightning stops the run with."""
        minutes = self.config.train.max_minutes
        timer = next((c for c in self.trainer.callbacks if isinstance(c, Timer)), None)
        if not minutes or timer is None:
            return 0.0
        return timer.time_elapsed() / (minutes * 60)

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
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer,
                mode="min",
                factor=train.plateau_factor,
                patience=train.plateau_patience,
                min_lr=train.min_lr,
            )
        else:
            total = int(self.trainer.estimated_stepping_batches)
            per_epoch = max(1, total // max(1, self.trainer.max_epochs or 1))
            scheduler = torch.optim.lr_scheduler.LambdaLR(
                optimizer, _lr_lambda(train, total, per_epoch, self._budget_used)
            )
        return {"optimizer": optimizer, "lr_scheduler": scheduler}


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

    def __init__(self, run_dir: Path, config: Config, data: Data) -> None:
        self.run_dir, self.config, self.data = run_dir, config, data
        self.history: dict[str, list[Any]] = {}
        self.best = math.inf

    def _append(self, trainer: L.Trainer, record: dict[str, Any], health: str) -> None:
        for key, value in record.items():
            self.history.setdefault(key, []).append(value)
        self.history.setdefault("health", []).append(health)
        if trainer.is_global_zero:
            atomic.write_json(self.run_dir / "history.json", self.history)

    def on_exception(
        self, trainer: L.Trainer, module: TranslationModule, exception: BaseException
    ) -> None:
        if isinstance(exception, Diverged):
            record = {"epoch": trainer.current_epoch + 1, **module.train_record()}
            self._append(trainer, record, f"{FAILING}: diverged (the loss is not a number)")

    def on_train_epoch_end(self, trainer: L.Trainer, module: TranslationModule) -> None:
        record: dict[str, Any] = {
            "epoch": trainer.current_epoch + 1,
            **module.train_record(),
            **getattr(module, "val_record", {}),
            "lr": trainer.optimizers[0].param_groups[0]["lr"],
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
        info = {
            "epoch": record["epoch"],
            "metrics": record,
            "parameters": count_parameters(module.model),
        }
        save = {
            "model": module.model,
            "config": self.config,
            "tokenizer": self.data.tokenizer,
            "source": self.data.source,
            "layout": self.data.layout,
            "points": self.data.points,
            "features": self.data.features,
            "info": info,
        }
        checkpoint.save(self.run_dir / "last_checkpoint.pt", **save)
        if record["val_loss"] < self.best:  # finite: a non-finite one stopped training
            self.best = record["val_loss"]
            checkpoint.save(self.run_dir / "best_checkpoint.pt", **save)

    def state_dict(self) -> dict[str, Any]:
        return {"history": self.history, "best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.best = float(state["best"])


class ResumePoint(Checkpoint):
    """Saves the full trainer state to resume.ckpt after every epoch, every few minutes
    inside long epochs, and after the current batch when SIGTERM arrives (Lightning then
    stops the run). A `Checkpoint`, so Lightning calls it after early stopping has decided."""

    def __init__(self, run_dir: Path, minutes: float) -> None:
        self.path, self.seconds = run_dir / RESUME_FILE, minutes * 60
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


def _common(config: Config, sampler: BucketBatchSampler, rank: int) -> dict[str, Any]:
    """DataLoader settings of both splits: own generator, workers seeded by epoch (started
    afresh every epoch, so their seeds follow the epoch in a resumed run too)."""
    workers = config.train.num_workers
    return {
        "batch_sampler": sampler,
        "collate_fn": collate_packed,
        "num_workers": workers,
        "pin_memory": torch.cuda.is_available(),
        "generator": randomness.loader_generator(config.train.seed),
        "worker_init_fn": functools.partial(
            randomness.seed_worker, config.train.seed, sampler, rank
        ),
    }


def train_loader(config: Config, data: Data, rank: int = 0) -> DataLoader:
    """Training batches: shuffled every epoch, each process of a DDP group its share."""
    train = config.train
    sampler = BucketBatchSampler(
        data.train.lengths,
        train.batch_size,
        seed=train.seed,
        distributed=True,
        max_frames=train.batch_frames,
        bucket=train.bucketing,
    )
    return DataLoader(data.train, **_common(config, sampler, rank))


def val_loader(config: Config, data: Data) -> DataLoader:
    """Validation batches, shortest clips first."""
    sampler = BucketBatchSampler(
        data.val.lengths,
        config.train.batch_size,
        shuffle=False,
        max_frames=config.train.batch_frames,
    )
    return DataLoader(data.val, **_common(config, sampler, 0))


def add_log_file(path: Path) -> logging.Handler:
    """Copy this package's log records into `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger("sign2text").addHandler(handler)
    logging.getLogger("sign2text").setLevel(logging.INFO)
    return handler


def weights_digest(model: torch.nn.Module) -> str:
    """SHA-256 of all parameters: equal on every DDP rank when they are in sync."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


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
    devices: Devices = Devices(),
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> dict[str, Any]:
    """Train `config` into `run_dir` (continuing its resume.ckpt when `resume`); returns the
    history and summary figures.

    state.json says "running" (with this process's pid) while it runs, superseding what an
    earlier attempt left, then how it ended: finished, stopped (on request; resumable) or
    failed (with the reason, which is raised on). A run killed outright keeps "running" with a
    pid that is gone: `runs.run_status` calls it died.
    """
    run_dir = Path(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_error(run_dir, error) from error
    if not resume:  # a fresh start must not leave an older run's files to be mistaken for its own
        for stale in (RESUME_FILE, "history.json", runs.STATE_FILE, *CHECKPOINT_FILES):
            (run_dir / stale).unlink(missing_ok=True)
    _record_state(run_dir, "running")
    started = time.perf_counter()
    handler = None
    try:
        handler = add_log_file(run_dir / "train.log")
        result = _fit(config, run_dir, resume, devices, progress, callbacks)
    except BaseException as error:
        status = "stopped" if isinstance(error, KeyboardInterrupt | SystemExit) else "failed"
        reason = str(error) if isinstance(error, Failure) else f"{type(error).__name__}: {error}"
        if handler is not None:  # into train.log only: the command line prints it itself
            handler.handle(_record(logging.ERROR, f"{status}: {reason}"))
        with contextlib.suppress(Failure, OSError):  # a full disk may refuse this record too
            _record_state(run_dir, status, seconds=time.perf_counter() - started, reason=reason)
        raise
    finally:
        if handler is not None:
            logging.getLogger("sign2text").removeHandler(handler)
            handler.close()
    if result["rank"] == 0:
        _record_state(run_dir, result["status"], seconds=result["seconds"])
    return result


CHECKPOINT_FILES = ("best_checkpoint.pt", "last_checkpoint.pt")


def _record(level: int, message: str) -> logging.LogRecord:
    return log.makeRecord(log.name, level, __file__, 0, message, None, None)


def _record_state(run_dir: Path, status: str, **details: Any) -> None:
    """The run's own record (`runs.record_state`), kept by the first process of a DDP group."""
    if rank_zero_only.rank == 0:
        runs.record_state(run_dir, status, **details)


def _fit(
    config: Config,
    run_dir: Path,
    resume: bool,
    devices: Devices,
    progress: bool,
    callbacks: Sequence[Callback],
) -> dict[str, Any]:
    """Build data, module, callbacks and trainer; fit; summarise."""
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
    trainer_callbacks: list[Callback] = [
        recorder,
        ResumePoint(run_dir, config.train.checkpoint_minutes),
        EarlyStopping(
            monitor="val_loss", patience=config.train.early_stopping_patience, mode="min"
        ),
        *callbacks,
    ]
    if progress:
        trainer_callbacks.append(TQDMProgressBar(refresh_rate=10))
    several = devices.devices > 1 or devices.num_nodes > 1
    precision = resolve_precision(config.train.precision, devices.accelerator)
    configure_kernels()
    log.info("precision %s (train.precision %s)", precision, config.train.precision)
    trainer = L.Trainer(
        max_epochs=config.train.epochs,
        max_time={"minutes": config.train.max_minutes} if config.train.max_minutes else None,
        accelerator=devices.accelerator,
        devices=devices.devices,
        num_nodes=devices.num_nodes,
        strategy="ddp" if several else "auto",
        use_distributed_sampler=False,
        precision=precision,
        callbacks=trainer_callbacks,
        plugins=[RunCheckpointIO(module)],
        logger=TensorBoardLogger(str(run_dir), name="tensorboard", version=""),
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        deterministic=not torch.cuda.is_available(),
        log_every_n_steps=10,
    )
    ckpt = run_dir / RESUME_FILE if resume and (run_dir / RESUME_FILE).exists() else None
    if resume and ckpt is None:
        log.info("no resume point in %s yet: starting from the first epoch", run_dir)
    started = time.perf_counter()
    status = "finished"
    try:
        trainer.fit(module, ckpt_path=ckpt, weights_only=True)
    except SIGTERMException:
        status = "stopped"
        log.info("stopped on request; continue with `sign2text train --resume %s`", run_dir)
    seconds = time.perf_counter() - started
    history = recorder.history
    log.info("rank %d final weights digest %s", trainer.global_rank, weights_digest(module.model))
    log.info(
        "%s after %d epochs in %.1f s; best val_loss %.4f",
        status,
        len(history.get("epoch", [])),
        seconds,
        recorder.best,
    )
    return {
        "run_dir": str(run_dir),
        "status": status,
        "rank": trainer.global_rank,
        "parameters": parameters,
        "seconds": seconds,
        "epochs": len(history.get("epoch", [])),
        "best_val_loss": recorder.best,
        "history": history,
        "train_clips": len(data.train),
    }
