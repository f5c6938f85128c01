"""The input ablations a model must beat: every clip's sentence with another clip's keypoints
(swapped inputs), or with no keypoints at all (all-zero inputs)."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from sign2text.data.dataset import Sample, TranslationDataset


def derangement(n: int, seed: int = 0) -> np.ndarray:
    """The swapped-input ablation's pairing: a seeded permutation that moves every position
    (n >= 2), so that clip `source[i]`'s keypoints go with sentence i and never its own."""
    order = np.random.default_rng(seed).permutation(n)
    source = np.empty(n, dtype=np.int64)
    source[order] = np.roll(order, -1)
    return source


class AblatedInputs(Dataset):
    """Each clip's sentence paired with another clip's keypoints, or with all-zero input."""

    def __init__(self, dataset: TranslationDataset, source: np.ndarray | None = None) -> None:
        self.dataset, self.source = dataset, source
        self.lengths = dataset.lengths if source is None else [dataset.lengths[j] for j in source]

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, item: int) -> Sample:
        sample = self.dataset[item]
        if self.source is None:
            return sample._replace(keypoints=torch.zeros_like(sample.keypoints))
        return sample._replace(keypoints=self.dataset[int(self.source[item])].keypoints)
