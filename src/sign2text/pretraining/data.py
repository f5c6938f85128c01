"""What pretraining reads: clips without sentences, from a prepared dataset's train split (its
val split checks) and from a folder of keypoint files, all in the layout the model reads."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from sign2text.config import Config
from sign2text.data import common
from sign2text.data.dataset import (
    PreparedSplit,
    Sample,
    TranslationDataset,
    dataset_layout,
    read_meta,
)
from sign2text.data.features import Anchors, input_size
from sign2text.data.frames import model_frames
from sign2text.data.layouts import Layout
from sign2text.data.readers.registry import READERS, VIDEO_SUFFIXES, read_clip
from sign2text.errors import InputError

log = logging.getLogger(__name__)

NO_TOKENS = torch.zeros(0, dtype=torch.long)  # no sentence, and no glosses


class _NoText:
    """The tokenizer of clips whose sentences pretraining ignores."""

    def encode(self, sentence: str) -> list[int]:
        return []


class InMemoryClips(Dataset):
    """Clips already read and converted: (T, K, C) float32 arrays."""

    def __init__(self, clips: Sequence[np.ndarray]) -> None:
        self.clips = list(clips)
        self.lengths = [len(c) for c in self.clips]

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, item: int) -> Sample:
        return Sample(torch.from_numpy(self.clips[item]), NO_TOKENS, NO_TOKENS, item)


class Clips(Dataset):
    """Several clip datasets as one; items are numbered across them."""

    def __init__(self, parts: Sequence[Dataset]) -> None:
        self.parts = [p for p in parts if len(p)]
        self.lengths = [n for p in self.parts for n in p.lengths]
        self.starts = np.cumsum([0, *(len(p) for p in self.parts)])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, item: int) -> Sample:
        part = int(np.searchsorted(self.starts, item, side="right")) - 1
        clip = self.parts[part][item - int(self.starts[part])].keypoints
        return Sample(clip, NO_TOKENS, NO_TOKENS, item)


@dataclass
class UnlabelledData:
    """Everything pretraining reads; `train` and `val` serve `training.data`'s loaders."""

    source: Layout  # the stored clips' layout
    layout: Layout  # the points the model reads
    points: list[int]  # their positions in `source`
    values: int  # values per point: coordinates, then confidence
    features: int
    fps: float  # the frame rate the model sees clips at
    train: Clips
    val: Clips


def clip_paths(folder: Path) -> list[Path]:
    """The keypoint clips under `folder`: .pose, .npy and .npz files and OpenPose clip folders
    (folders of `*_keypoints.json` files), in name order. A video is refused with the fix."""
    if not folder.is_dir():
        raise InputError(folder, "is not a folder", "set pretrain.folder to a folder of clips")
    suffixes = {s for reader in READERS.values() for s in reader.suffixes}
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        suffix = path.suffix.lower()
        if suffix in VIDEO_SUFFIXES:
            raise InputError(
                path,
                "a video, not keypoints",
                f"extract keypoints first: sign2text extract VIDEOS --out DIR, then pretrain on "
                f"DIR (or move the videos out of {folder})",
            )
        is_clip_folder = path.is_dir() and next(path.glob("*_keypoints.json"), None) is not None
        if is_clip_folder or (path.is_file() and suffix in suffixes):
            found.append(path)
    if not found:
        raise InputError(
            folder, "holds no keypoint clips", "give a folder of .pose, .npy/.npz or OpenPose clips"
        )
    return found


def _model_points(
    path: Path,
    clip: Layout,
    stacked: np.ndarray,
    source: Layout,
    points: list[int],
    on_common: bool,
) -> np.ndarray:
    """A read clip's stacked array (T, K', C) in the model's points (T, K, C), or a refusal
    naming the file."""
    if on_common:
        if not common.maps(clip):
            raise InputError(path, f"layout {clip.name!r} has no map onto the common skeleton",
                             "remove it from the folder")  # fmt: skip
        return common.common_array(stacked, common.common_indices(clip))
    if clip.points != source.points:
        raise InputError(
            path,
            f"its layout {clip.name!r} ({len(clip.points)} points) is not the pretraining's "
            f"{source.name!r} ({len(source.points)} points)",
            "set data.points: common to pretrain on clips of several layouts",
        )
    return np.ascontiguousarray(stacked[:, points])


def read_folder(
    folder: Path, source: Layout, points: list[int], config: Config, fps: float
) -> list[np.ndarray]:
    """Every clip under `folder` in the model's points, at `fps` (0: its own), capped at
    `data.max_frames`: (T, K, C) arrays."""
    on_common = config.data.points == common.POINTS
    clips = []
    for path in clip_paths(folder):
        clip = read_clip(path)
        stacked = _model_points(path, clip.layout, clip.stacked(), source, points, on_common)
        stacked = stacked.astype(np.float32)
        clips.append(model_frames(stacked, clip.fps, fps, config.data.max_frames))
    log.info("pretraining reads %d clips from %s", len(clips), folder)
    return clips


def _folder_layout(folder: Path) -> tuple[Layout, float, int]:
    """(layout, fps, values) of a folder's first clip: the pretraining's without a dataset."""
    first = read_clip(clip_paths(folder)[0])
    return first.layout, first.fps, first.stacked().shape[-1]


def load_unlabelled(config: Config) -> UnlabelledData:
    """The clips `config.pretrain` names, split into clips to learn from and clips to check."""
    settings = config.pretrain
    on_common = config.data.points == common.POINTS
    folder = Path(settings.folder) if settings.folder else None
    train_parts: list[Dataset] = []
    val_parts: list[Dataset] = []
    if settings.prepared:
        prepared = Path(config.data.prepared)
        meta = read_meta(prepared)
        source = Layout.from_dict(meta["layout"])
        layout, points = dataset_layout(meta, config.data.points)
        fps = config.data.fps or float(meta["fps"])
        values = 3 if on_common else int(meta["values"])
        for split, parts in (("train", train_parts), ("val", val_parts)):
            clips = TranslationDataset(
                PreparedSplit(prepared, split), _NoText(), points, config.data.max_frames, 0,
                fps=config.data.fps, on_common=on_common,
            )  # fmt: skip
            parts.append(clips)
    else:
        assert folder is not None  # validate() asks for one of them
        source, own_fps, values = _folder_layout(folder)
        fps = config.data.fps or own_fps
        layout, points = dataset_layout({"layout": source.to_dict()}, config.data.points)
        values = 3 if on_common else values
    if folder is not None:
        clips = read_folder(folder, source, points, config, fps)
        if settings.prepared:
            train_parts.append(InMemoryClips(clips))
        else:
            order = np.random.default_rng(config.train.seed).permutation(len(clips))
            held = max(1, round(len(clips) * settings.val_share)) if len(clips) > 1 else 0
            val_parts.append(InMemoryClips([clips[i] for i in sorted(order[:held])]))
            train_parts.append(InMemoryClips([clips[i] for i in sorted(order[held:])]))
    train, val = Clips(train_parts), Clips(val_parts)
    if not len(train) or not len(val):
        where = folder or config.data.prepared
        raise InputError(where, "has too few clips to learn from and check on", "add clips")
    features = input_size(len(points), values, Anchors.of(layout), config.data)
    return UnlabelledData(source, layout, points, values, features, fps, train, val)
