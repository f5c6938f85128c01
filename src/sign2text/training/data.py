"""What training reads: the prepared dataset's splits, tokenizer and points, and their loaders."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from sign2text.config import Config
from sign2text.data import common
from sign2text.data.dataset import (
    TRAINING_SPLITS,
    BucketBatchSampler,
    PreparedSplit,
    TranslationDataset,
    collate_packed,
    dataset_layout,
    load_tokenizer,
    read_meta,
)
from sign2text.data.features import Anchors, input_size
from sign2text.data.frames import target_fps
from sign2text.data.layouts import Layout
from sign2text.errors import InputError
from sign2text.model import text_model
from sign2text.text.glosses import GlossVocabulary
from sign2text.text.tokenizer import Tokenizer
from sign2text.training import randomness

log = logging.getLogger(__name__)


@dataclass
class Data:
    """Everything training reads from the prepared dataset."""

    tokenizer: Tokenizer
    source: Layout  # the stored clips' layout
    layout: Layout  # the points the model reads
    points: list[int]  # their positions in `source`
    features: int
    fps: float  # the frame rate the model sees clips at
    train: TranslationDataset
    val: TranslationDataset
    glosses: GlossVocabulary | None = None  # with a recognition head (model.ctc_weight > 0)


def _require_training_splits(folder: Path, meta: dict[str, Any]) -> None:
    """Refuse a prepared dataset without train or val clips, saying what it has."""
    have = {split: counts["clips"] for split, counts in meta["splits"].items()}
    for split in TRAINING_SPLITS:
        if not have.get(split):
            what = "an empty" if split in have else "no"
            shown = ", ".join(f"{s} {n:,} clips" for s, n in have.items()) or "none"
            raise InputError(
                folder,
                f"has {what} {split!r} split (its splits: {shown}); training needs train and "
                "val clips",
                "prepare a download that has both (report.json there says what was missing "
                "or skipped)",
            )


def load_data(config: Config) -> Data:
    """Tokenizer, point selection and the train/val datasets of `config.data.prepared`."""
    folder = Path(config.data.prepared)
    meta = read_meta(folder)
    _require_training_splits(folder, meta)
    tokenizer = text_tokenizer(config, folder)
    layout, points = dataset_layout(meta, config.data.points)
    lowercase = config.text.lowercase
    train_split = PreparedSplit(folder, "train", lowercase)
    val_split = PreparedSplit(folder, "val", lowercase)
    subset = None
    if config.data.train_subset < 1.0:
        rng = np.random.default_rng(config.train.seed)
        count = max(1, round(len(train_split) * config.data.train_subset))
        subset = sorted(rng.permutation(len(train_split))[:count].tolist())
    cap, words = config.data.max_frames, config.text.max_tokens
    fps = target_fps(config.data.fps, config.data.max_fps, float(meta["fps"]))
    on_common = config.data.points == common.POINTS
    glosses = gloss_vocabulary(folder, train_split) if config.model.ctc_weight > 0 else None
    train = TranslationDataset(
        train_split, tokenizer, points, cap, words, subset, fps, on_common, glosses
    )
    val = TranslationDataset(
        val_split, tokenizer, points, cap, words, fps=fps, on_common=on_common, glosses=glosses
    )
    values = 3 if on_common else int(meta["values"])  # the common skeleton: x, y, confidence
    features = input_size(len(points), values, Anchors.of(layout), config.data)
    source = Layout.from_dict(meta["layout"])
    seen_fps = fps or float(meta["fps"])
    return Data(tokenizer, source, layout, points, features, seen_fps, train, val, glosses)


def text_tokenizer(config: Config, folder: Path) -> Tokenizer:
    """The pretrained text model's own tokenizer (`model.text_model`), else the prepared
    dataset's of `text.tokenizer` and `text.vocab_size`."""
    if config.model.text_model:
        return text_model.load_tokenizer(config.model.text_model)
    text = config.text
    return load_tokenizer(folder, text.tokenizer, text.vocab_size, text.lowercase)


def gloss_vocabulary(folder: Path, train: PreparedSplit) -> GlossVocabulary:
    """The glosses of the training clips, for a recognition head; refused when the prepared
    dataset has none."""
    vocabulary = GlossVocabulary.of(clip.glosses for clip in train.clips)
    if not vocabulary.glosses:
        raise InputError(
            folder,
            "model.ctc_weight needs glosses, and this prepared dataset has none",
            "prepare it with glosses (PHOENIX .gloss files, `prepare how2sign --glosses "
            "TABLE`, a manifest's glosses column), or set model.ctc_weight: 0",
        )
    unglossed = sum(not clip.glosses for clip in train.clips)
    if unglossed:
        log.warning(
            "%s: %d of %d training clips have no glosses; the CTC loss skips them",
            folder,
            unglossed,
            len(train.clips),
        )
    return vocabulary


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
