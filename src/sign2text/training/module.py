"""The LightningModule: loss, optimiser and schedule around a `Translator`, micro-batches on
running out of memory, per-epoch figures, validation with decoding, and the exact resume state."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from sign2text.config import Config, TrainConfig, flatten, to_dict
from sign2text.data.ablation import derangement
from sign2text.data.augment import augment
from sign2text.data.dataset import Batch, BucketBatchSampler, PackedBatch, cut_by_frames
from sign2text.data.features import Anchors, model_input
from sign2text.errors import TrainingError
from sign2text.metrics import corpus_scores, gloss_wer
from sign2text.model import text_model
from sign2text.model.ctc import ctc_loss_sum
from sign2text.model.inference import Reader, infer
from sign2text.model.text_model import PretrainedTranslator
from sign2text.model.translator import Translator
from sign2text.text.glosses import BLANK
from sign2text.text.pretrained import PretrainedTokenizer
from sign2text.text.tokenizer import PAD
from sign2text.training import schedule
from sign2text.training.data import Data, train_loader, val_loader
from sign2text.training.resumable import ExactResume
from sign2text.training.runtime import resolve_micro_frames

log = logging.getLogger(__name__)


class Diverged(TrainingError):
    """A loss that is not a finite number: training stops at once."""


def _trimmed(batch: Batch, rows: list[int], frames: int, words: int) -> Batch:
    """Rows `rows` of `batch`, cut to their longest clip (`frames`) and sentence (`words`)."""
    part = batch.rows(torch.tensor(rows, device=batch.items.device))
    return replace(
        part,
        keypoints=part.keypoints[:, :frames],
        frame_mask=part.frame_mask[:, :frames],
        tokens_in=part.tokens_in[:, :words],
        tokens_out=part.tokens_out[:, :words],
    )


@dataclass
class Losses:
    """A batch's summed losses: label-smoothed translation (what is trained), its plain NLL
    (perplexity), and the recognition head's CTC loss (0 without one)."""

    smoothed: torch.Tensor
    nll: torch.Tensor
    ctc: torch.Tensor


def build_model(config: Config, data: Data, glosses: int) -> Translator | PretrainedTranslator:
    """Our Transformer, or a pretrained text model behind the keypoint encoder
    (`model.text_model`, whose tokenizer `data` then holds)."""
    if config.model.text_model:
        assert isinstance(data.tokenizer, PretrainedTokenizer)
        return text_model.from_pretrained(config, data.features, data.tokenizer, glosses)
    return Translator.build(config, data.features, len(data.tokenizer), glosses)


def parameter_groups(
    model: Translator | PretrainedTranslator, train: TrainConfig
) -> list[dict[str, Any]]:
    """The optimiser's parameter groups: a pretrained text model's own at `train.text_model_lr`
    (when set), everything else at `train.lr`."""
    if not isinstance(model, PretrainedTranslator) or not train.text_model_lr:
        return [{"params": list(model.parameters()), "lr": train.lr}]
    text = {id(p) for p in model.text.parameters()}
    rest = [p for p in model.parameters() if id(p) not in text]
    return [
        {"params": rest, "lr": train.lr},
        {"params": list(model.text.parameters()), "lr": train.text_model_lr},
    ]


class TranslationModule(ExactResume, L.LightningModule):
    """Loss, optimiser and schedule around a `Translator`; validation also decodes.

    Optimisation is manual so that a batch that runs out of GPU memory can be split into
    micro-batches whose gradients add up to the whole batch's: the effective batch is kept.
    """

    def __init__(
        self,
        config: Config,
        data: Data,
        hyperparameters: dict[str, Any] | None = None,
        *,
        resumed: bool = False,
    ) -> None:
        """`hyperparameters`: what resume.ckpt records and, unless the run is `resumed` (they
        were logged when it started, and MLflow's parameters cannot change), the loggers get
        (default: the flattened config)."""
        super().__init__()
        self.save_hyperparameters(hyperparameters or flatten(to_dict(config)), logger=not resumed)
        self.automatic_optimization = False
        self.config, self.data = config, data
        glosses = len(data.glosses) if data.glosses else 0
        self.model = build_model(config, data, glosses)
        self.anchors = Anchors.of(data.layout)
        self.reader = Reader(
            self.model,
            data.tokenizer,
            self.anchors,
            config.data,
            config.text.max_tokens,
            data.glosses,
        )
        self.micro_batches = 1
        self.started_from: dict[str, Any] | None = None  # `model.init`'s encoder, when one
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

    def _loss_sums(self, batch: Batch, smoothing: float) -> Losses:
        """The batch's summed losses over its target tokens (and gloss targets)."""
        memory, padding = self.model.encode(self.features(batch), batch.frame_mask)
        logits = self.model.decode(memory, padding, batch.tokens_in)  # (B, L, V)
        flat, target = logits.flatten(0, 1).float(), batch.tokens_out.flatten()
        smoothed = torch.nn.functional.cross_entropy(
            flat, target, ignore_index=PAD, label_smoothing=smoothing, reduction="sum"
        )
        nll = torch.nn.functional.cross_entropy(flat, target, ignore_index=PAD, reduction="sum")
        ctc = smoothed.new_zeros(())
        if self.model.recognition is not None:
            steps = (~padding).sum(dim=1)  # (B,) encoder steps of each clip
            ctc = ctc_loss_sum(self.model.recognise(memory), steps, batch.glosses)
        return Losses(smoothed, nll.detach(), ctc)

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
    ) -> tuple[float, float, int]:
        """Forward and backward part by part (`_parts`), each part trimmed to its own longest
        clip and sentence (`lengths` frames and `words` target tokens per row), the loss
        divided by the whole batch's target tokens (the CTC loss by its gloss targets,
        weighted by `model.ctc_weight`): the gradients add up to the whole batch's. Returns
        the batch's summed translation and CTC losses and the padded frames run."""
        total, ctc_total, padded, tokens = 0.0, 0.0, 0, sum(words)
        weight = self.config.model.ctc_weight
        glosses = max(int((batch.glosses != BLANK).sum()), 1)
        for rows in self._parts(lengths):
            longest = max(lengths[r] for r in rows)
            part = _trimmed(batch, rows, longest, max(words[r] for r in rows))
            losses = self._loss_sums(part, self.config.train.label_smoothing)
            loss = losses.smoothed / tokens
            if self.model.recognition is not None:
                loss = loss + weight * losses.ctc / glosses
            self.manual_backward(loss)
            total += float(losses.smoothed.detach())
            ctc_total += float(losses.ctc.detach())
            padded += part.frame_mask.numel()
        return total, ctc_total, padded

    def training_step(self, batch: Batch, batch_index: int) -> None:
        if self.config.augment.enabled:
            keypoints, frame_mask = augment(batch.keypoints, batch.frame_mask, self.config.augment)
            batch = replace(batch, keypoints=keypoints, frame_mask=frame_mask)
        optimizer = self.optimizers()
        lengths = batch.frame_mask.sum(dim=1).tolist()  # read from the device once per batch
        words = (batch.tokens_out != PAD).sum(dim=1).tolist()
        tokens = sum(words)
        while True:
            optimizer.zero_grad(set_to_none=True)
            try:
                loss_sum, ctc_sum, padded = self._backward_in_parts(batch, lengths, words)
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
        frozen: list[torch.nn.Parameter] = []
        if self.current_epoch < self.config.train.freeze_encoder_epochs:
            frozen += self.model.encoder_parameters()
        if isinstance(self.model, PretrainedTranslator):
            frozen += self.model.frozen(self.current_epoch)
        for parameter in frozen:
            parameter.grad = None  # AdamW leaves a parameter without a gradient as it is
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
        self._add(
            train_loss=loss_sum,
            train_ctc=ctc_sum,
            train_glosses=int((batch.glosses != BLANK).sum()),
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
        self._glosses: dict[int, str] = {}

    def validation_step(self, batch: Batch, batch_index: int) -> None:
        smoothing = self.config.train.label_smoothing
        losses = self._loss_sums(batch, smoothing)
        tokens = int((batch.tokens_out != PAD).sum())
        self._add(val_loss=float(losses.smoothed), val_nll=float(losses.nll), val_tokens=tokens)
        if self.model.recognition is not None:
            glosses = int((batch.glosses != BLANK).sum())
            self._add(val_ctc=float(losses.ctc), val_glosses=glosses)
        if len(batch.items) > 1:  # the same sentences with the keypoints of other clips
            source = torch.from_numpy(derangement(len(batch.items), seed=batch_index))
            source = source.to(batch.keypoints.device)
            swapped = replace(
                batch, keypoints=batch.keypoints[source], frame_mask=batch.frame_mask[source]
            )
            self._add(val_swapped=float(self._loss_sums(swapped, smoothing).smoothed))
            self._add(val_swapped_tokens=tokens)
        budget = self.config.train.val_decode_max - len(self._hypotheses)
        if budget > 0:  # a capped sample of clips, decoded greedily
            part = batch.rows(slice(0, budget))
            greedy = replace(self.config.decode, beam_size=1, ctc_beam_size=1)
            out = infer(self.reader, part.keypoints, part.frame_mask, greedy)
            self._hypotheses.update(zip(part.items.tolist(), out.hypotheses, strict=True))
            if out.glosses is not None:
                self._glosses.update(zip(part.items.tolist(), out.glosses, strict=True))

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
        if s.get("val_glosses"):
            record["val_ctc_loss"] = s["val_ctc"] / s["val_glosses"]
        if self._glosses:
            items = sorted(self._glosses)
            clips = self.data.val.split.clips
            references = [clips[self.data.val.indices[i]].glosses for i in items]
            record["val_gloss_wer"] = gloss_wer([self._glosses[i] for i in items], references)
        record["val_seconds"] = time.perf_counter() - self._clock["val"]
        self.val_record = record
        if not math.isfinite(record["val_loss"]):
            self._diverged(f"the validation loss is {record['val_loss']}")
        for key, value in record.items():
            self.log(key, value, prog_bar=key in ("val_loss", "val_bleu4"))

    def on_train_epoch_end(self) -> None:
        scheduler = self.lr_schedulers()
        if schedule.per_epoch(scheduler):
            scheduler.step(self.val_record["val_loss"])

    def train_record(self) -> dict[str, float]:
        """This epoch's training figures: mean loss per token, throughput, padding share and
        the share of training time spent waiting for data."""
        seconds = time.perf_counter() - self._clock["train"]
        s = self._sums
        train_seconds = seconds - getattr(self, "val_record", {}).get("val_seconds", 0.0)
        glosses = s.get("train_glosses", 0)
        ctc = {"train_ctc_loss": s["train_ctc"] / glosses} if glosses else {}
        return {
            "train_loss": s.get("train_loss", 0.0) / max(s.get("train_tokens", 0), 1),
            **ctc,
            "epoch_seconds": seconds,
            "clips_per_second": s.get("train_clips", 0) / max(train_seconds, 1e-9),
            "padding_share": 1.0 - s.get("train_frames", 0) / max(s.get("train_padded", 0), 1),
            "data_wait_share": s.get("train_data_seconds", 0.0) / max(train_seconds, 1e-9),
            "micro_batches": self.micro_batches,
        }

    def extra_resume_state(self) -> dict[str, Any]:
        return {"micro_batches": self.micro_batches}

    def restore_extra_state(self, saved: dict[str, Any]) -> None:
        self.micro_batches = int(saved["micro_batches"])

    def configure_optimizers(self) -> Any:
        train = self.config.train
        optimizer = torch.optim.AdamW(
            parameter_groups(self.model, train),
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
