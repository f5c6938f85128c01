"""Reading prepared datasets for training: clips, token ids, length-bucketed batches."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import NamedTuple, Self

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import Dataset, Sampler

from sign2text import atomic
from sign2text.data import common
from sign2text.data.frames import model_frames, resampled_length
from sign2text.data.layouts import SUBSETS, Layout
from sign2text.errors import InputError
from sign2text.text.glosses import BLANK, GlossVocabulary
from sign2text.text.tokenizer import (
    BOS,
    EOS,
    PAD,
    Tokenizer,
    capped_size,
    tokenizer_file_name,
    tokenizer_from_bytes,
    train_tokenizer,
)

log = logging.getLogger(__name__)

TRAINING_SPLITS = ("train", "val")  # the splits `train` (and `tune`) read


@dataclass(frozen=True)
class ClipEntry:
    """One clip of a prepared split."""

    name: str
    start: int
    frames: int
    sentence: str
    signer: str
    source: str = ""  # the dataset it came from, in a combined dataset
    glosses: str = ""  # white-space separated, where the corpus has them


class PreparedSplit:
    """One split of a prepared dataset: a memory-mapped frame array and its clip index
    (`lowercase`: its sentences lower-cased, as `text.lowercase` learns and scores them)."""

    def __init__(self, folder: str | Path, split: str, lowercase: bool = False) -> None:
        folder = Path(folder)
        self.folder, self.split = folder, split
        self.meta = read_meta(folder)
        index = folder / f"{split}.jsonl"
        if not index.exists():
            raise InputError(
                index,
                f"the prepared dataset has no {split!r} split",
                f"its splits are {sorted(self.meta['splits'])}",
            )
        array = folder / f"{split}.npy"
        try:
            self.frames = np.load(array, mmap_mode="r")  # (F, K, C)
        except Exception as error:  # NumPy reports a damaged file in several types
            raise _damaged(array, error) from error
        try:
            self.clips = [
                ClipEntry(**json.loads(line))
                for line in index.read_text(encoding="utf-8").splitlines()
                if line
            ]
        except (OSError, ValueError, TypeError) as error:
            raise _damaged(index, error) from error
        if lowercase:
            self.clips = [replace(c, sentence=c.sentence.lower()) for c in self.clips]
        ends = max((clip.start + clip.frames for clip in self.clips), default=0)
        if self.frames.ndim != 3 or ends > len(self.frames):
            raise _damaged(array, ValueError(f"{len(self.frames)} frames, the index needs {ends}"))

    def __len__(self) -> int:
        return len(self.clips)

    def keypoints(self, i: int) -> np.ndarray:
        """Clip `i`'s frames: (T, K, C) float32."""
        clip = self.clips[i]
        return np.asarray(self.frames[clip.start : clip.start + clip.frames])


def read_meta(folder: str | Path) -> dict:
    """A prepared dataset's meta.json, or a message saying how to make one."""
    path = Path(folder) / "meta.json"
    if not path.exists():
        raise InputError(
            folder, "not a prepared dataset (no meta.json)", "run `sign2text prepare` first"
        )
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise _damaged(path, error) from error
    if not isinstance(meta, dict) or not {"layout", "fps", "values", "splits"} <= set(meta):
        raise _damaged(path, ValueError("not the meta.json prepare writes"))
    return meta


def _damaged(path: Path, error: Exception) -> InputError:
    """A prepared dataset's file that cannot be read as what prepare wrote."""
    problem = str(error).splitlines()[0] if str(error) else type(error).__name__
    return InputError(
        path,
        f"a damaged prepared dataset file ({problem})",
        "prepare the dataset again with `sign2text prepare ... --overwrite`",
    )


def dataset_layout(meta: dict, points: str) -> tuple[Layout, list[int]]:
    """The layout to feed the model and the positions of its points in the stored clips (-1:
    a common-skeleton point the stored layout lacks)."""
    full = Layout.from_dict(meta["layout"])
    if points == "all":
        return full, list(range(len(full.points)))
    if points == common.POINTS:  # positions of -1: points this source lacks
        return common.COMMON, common.common_indices(full).tolist()
    subsets = SUBSETS.get(full.name, {})
    if points not in subsets:
        raise InputError(
            full.name,
            f"no point subset {points!r}",
            f"choose data.points from {['all', common.POINTS, *subsets]}",
        )
    subset = subsets[points]
    return subset, [full.index(p) for p in subset.points]


def load_tokenizer(
    folder: str | Path, kind: str, vocab_size: int, lowercase: bool = False
) -> Tokenizer:
    """The dataset's tokenizer of this kind and size, trained on its train split (lower-cased
    when `lowercase`) if new."""
    path = Path(folder) / tokenizer_file_name(kind, vocab_size, lowercase)
    if not path.exists():
        sentences = [c.sentence for c in PreparedSplit(folder, "train", lowercase).clips]
        trained = train_tokenizer(kind, sentences, vocab_size)
        capped = capped_size(trained, vocab_size)
        if capped:
            log.warning("%s: %s", folder, capped)
        atomic.write_bytes(path, trained.to_bytes())
    return tokenizer_from_bytes(kind, path.read_bytes())


class TranslationDataset(Dataset):
    """(keypoints, token ids) pairs of one split: points selected (`on_common`: mapped onto the
    common skeleton), frames resampled to `fps` (0 keeps the dataset's rate) and capped at
    `max_frames`."""

    def __init__(
        self,
        split: PreparedSplit,
        tokenizer: Tokenizer,
        points: list[int],
        max_frames: int,
        max_tokens: int,
        indices: Sequence[int] | None = None,
        fps: float = 0.0,
        on_common: bool = False,
        glosses: GlossVocabulary | None = None,
    ) -> None:
        self.split, self.points, self.max_frames = split, points, max_frames
        every_point = list(points) == list(range(split.frames.shape[1]))
        self._take = None if every_point else np.asarray(points)  # fancy indexing is slow
        self._common = on_common  # x, y, confidence of `points`, -1 ones missing (common.py)
        self.source_fps, self.fps = float(split.meta["fps"]), fps
        self.indices = list(range(len(split))) if indices is None else list(indices)
        self.targets = [
            tokenizer.encode(split.clips[i].sentence)[:max_tokens] for i in self.indices
        ]
        self.gloss_targets = [  # empty without a gloss vocabulary (no recognition head)
            glosses.encode(split.clips[i].glosses) if glosses else [] for i in self.indices
        ]
        self.lengths = [
            min(resampled_length(split.clips[i].frames, self.source_fps, fps), max_frames)
            for i in self.indices
        ]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, item: int) -> Sample:
        clip = self.split.keypoints(self.indices[item])  # a view of the read-only memmap
        clip = model_frames(clip, self.source_fps, self.fps, self.max_frames)
        if self._common:
            clip = common.common_array(clip, np.asarray(self.points))  # (T, P, 3)
        elif self._take is not None:
            clip = np.take(clip, self._take, axis=1)
        elif not clip.flags.writeable:
            clip = clip.copy()
        return Sample(
            torch.from_numpy(np.ascontiguousarray(clip)),
            torch.tensor(self.targets[item]),
            torch.tensor(self.gloss_targets[item], dtype=torch.long),
            item,
        )


class Sample(NamedTuple):
    """One clip as a dataset hands it over."""

    keypoints: torch.Tensor  # (T, K, C)
    tokens: torch.Tensor  # (L,) sentence token ids
    glosses: torch.Tensor  # (N,) gloss ids, empty when none
    item: int  # position in the dataset


class Tensors:
    """Moving and pinning for a dataclass whose fields are all tensors."""

    def _map(self, move: Callable[[torch.Tensor], torch.Tensor]) -> Self:
        return type(self)(*(move(getattr(self, f.name)) for f in fields(self)))

    def to(self, device: torch.device | str) -> Self:
        return self._map(lambda t: t.to(device, non_blocking=True))

    def pin_memory(self) -> Self:
        """Called by a DataLoader with `pin_memory=True`: page-locked copies, so that the
        copy to the GPU can overlap computation."""
        return self._map(torch.Tensor.pin_memory)


@dataclass
class Batch(Tensors):
    """A padded batch."""

    keypoints: torch.Tensor  # (B, T, K, C)
    frame_mask: torch.Tensor  # (B, T) bool, True for real frames
    tokens_in: torch.Tensor  # (B, L) <s> + sentence
    tokens_out: torch.Tensor  # (B, L) sentence + </s>
    items: torch.Tensor  # (B,) positions in the dataset
    glosses: torch.Tensor  # (B, N) gloss ids padded with the blank (0); N = 0 without glosses

    def rows(self, index: torch.Tensor | slice) -> Batch:
        """The batch of rows `index`."""
        return Batch(*(getattr(self, f.name)[index] for f in fields(self)))


@dataclass
class PackedBatch(Tensors):
    """A batch whose clips are stored end to end, unpadded: what loader workers hand over
    and what is copied to the device (padding, often most of a random batch, is added there
    by `padded`). Sentences are small and come padded."""

    frames: torch.Tensor  # (sum of lengths, K, C)
    lengths: torch.Tensor  # (B,) frames per clip
    tokens_in: torch.Tensor  # (B, L)
    tokens_out: torch.Tensor  # (B, L)
    items: torch.Tensor  # (B,)
    glosses: torch.Tensor  # (B, N)

    def padded(self) -> Batch:
        """The padded batch, made on whatever device this batch is on."""
        longest = int(self.lengths.max()) if len(self.lengths) else 0
        steps = torch.arange(longest, device=self.lengths.device)
        frame_mask = steps < self.lengths[:, None]  # (B, T), rows filled left to right
        keypoints = self.frames.new_zeros(len(self.lengths), longest, *self.frames.shape[1:])
        keypoints[frame_mask] = self.frames
        return Batch(
            keypoints, frame_mask, self.tokens_in, self.tokens_out, self.items, self.glosses
        )


def collate_packed(samples: list[Sample]) -> PackedBatch:
    """Clips end to end, sentences and gloss sequences padded to the longest in the batch."""
    words = max(len(s.tokens) for s in samples) + 1
    tokens_in = torch.full((len(samples), words), PAD, dtype=torch.long)
    tokens_out = torch.full((len(samples), words), PAD, dtype=torch.long)
    glosses = torch.full((len(samples), max(len(s.glosses) for s in samples)), BLANK)
    for row, sample in enumerate(samples):
        ids = sample.tokens
        tokens_in[row, 0] = BOS
        tokens_in[row, 1 : len(ids) + 1] = ids
        tokens_out[row, : len(ids)] = ids
        tokens_out[row, len(ids)] = EOS
        glosses[row, : len(sample.glosses)] = sample.glosses
    return PackedBatch(
        torch.cat([s.keypoints for s in samples]).float(),
        torch.tensor([len(s.keypoints) for s in samples]),
        tokens_in,
        tokens_out,
        torch.tensor([s.item for s in samples]),
        glosses,
    )


def collate(samples: list[Sample]) -> Batch:
    """Pad clips to the longest in the batch and sentences likewise."""
    return collate_packed(samples).padded()


def cut_by_frames(order: Sequence[int], lengths: Sequence[int], clips: int, frames: int) -> list:
    """`order` (clip positions) cut into consecutive groups of at most `clips` clips and, when
    `frames` > 0, at most `frames` padded frames (clips x longest clip); a clip longer than
    `frames` is a group of its own. Groups are slices of `order`, of its type."""
    groups, start, longest = [], 0, 0
    for end, position in enumerate(order):
        length = int(lengths[position])
        longest = max(longest, length)
        count = end - start + 1
        if end > start and (count > clips or 0 < frames < count * longest):
            groups.append(order[start:end])
            start, longest = end, length
    if len(order):
        groups.append(order[start:])
    return groups


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of clips of similar length, in a fresh random order every epoch.

    Each epoch shuffles the clips, sorts pools of `pool_batches` batches by length, cuts them
    into batches and shuffles the batches: little padding, still random. A batch holds at most
    `batch_size` clips and, with `max_frames` > 0, at most that many padded frames (clips x
    longest clip): a token budget that keeps batches of long clips within memory. With
    `bucket` False, batches are cut from the shuffled order as it is (the naive baseline).
    Deterministic for a given seed and epoch; `set_epoch` picks the epoch. With `distributed`,
    each process of a torch.distributed group takes every world-size-th batch of the same
    order (all processes get the same number of batches). `resume` starts an epoch after the
    batches an interrupted run had done, so a resumed run sees the batches it would have seen.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        pool_batches: int = 50,
        distributed: bool = False,
        max_frames: int = 0,
        bucket: bool = True,
    ) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.pool = batch_size * pool_batches
        self.distributed, self.max_frames, self.bucket = distributed, max_frames, bucket
        self.epoch = 0
        self.skip = 0  # batches of this epoch (per process) that its iterations leave out
        self._cached: tuple[int, list[np.ndarray]] | None = None

    def set_epoch(self, epoch: int) -> None:
        if epoch != self.epoch:
            self.skip = 0
        self.epoch = epoch

    def resume(self, epoch: int, done: int) -> None:
        """Iterate epoch `epoch` from its batch `done` on (this process's batches), as a run
        interrupted after `done` batches of it would have gone on; later epochs in full."""
        self.epoch, self.skip = epoch, done

    def _rank_and_world(self) -> tuple[int, int]:
        if self.distributed and dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return 0, 1

    def __len__(self) -> int:
        _, world = self._rank_and_world()
        return len(self._all_batches()) // world

    def clips(self, done: int) -> tuple[int, int]:
        """(clips in the first `done` batches of every process, clips in the whole epoch) of
        the current epoch, over all processes."""
        _, world = self._rank_and_world()
        batches = self._all_batches()
        sizes = [len(batch) for batch in batches[: len(batches) // world * world]]
        return sum(sizes[: done * world]), sum(sizes)

    def _cut(self, order: np.ndarray) -> list[np.ndarray]:
        """`order` cut into consecutive batches within the clip and frame limits."""
        return cut_by_frames(order, self.lengths, self.batch_size, self.max_frames)

    def _all_batches(self) -> list[np.ndarray]:
        if self._cached is not None and self._cached[0] == self.epoch:
            return self._cached[1]
        if not self.shuffle:
            batches = self._cut(np.argsort(self.lengths, kind="stable"))
        else:
            rng = np.random.default_rng([self.seed, self.epoch])
            order = rng.permutation(len(self.lengths))
            if not self.bucket:
                batches = self._cut(order)
            else:
                batches = []
                for start in range(0, len(order), self.pool):
                    pool = order[start : start + self.pool]
                    batches += self._cut(pool[np.argsort(self.lengths[pool], kind="stable")])
                batches = [batches[b] for b in rng.permutation(len(batches))]
        self._cached = (self.epoch, batches)
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        rank, world = self._rank_and_world()
        batches = self._all_batches()
        batches = batches[: len(batches) // world * world]
        yield from (batch.tolist() for batch in batches[rank::world][self.skip :])
