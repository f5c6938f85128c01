"""Masked cluster prediction: the second pretraining objective (`pretrain.objective: clusters`).

After HuBERT (Hsu et al., IEEE/ACM TASLP 2021) and its sign-language form SHuBERT (Gueuwou
et al., ACL 2025), which cluster each stream's features (hands, face, body) frame by frame
offline with k-means and train the encoder to predict the cluster of what was hidden. The
targets are discrete units, not exact coordinates: an encoder is asked which hand shape or
posture a hidden frame held, not where every point lay, the kind of knowledge a translator
needs. Here every body part of the layout (a hand, the face, the body) gets its own
`pretrain.clusters` centroids, fitted with scikit-learn's k-means on the training clips'
normalised coordinates before the first epoch (undetected points as 0); the hiding is the
masked keypoint modelling's (`masking`), and the loss is the cross-entropy of each hidden,
detected part's cluster. The baseline an encoder must beat predicts every hidden part from
its clip's visible cluster frequencies (add-one smoothed).
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from sklearn.cluster import KMeans
from torch import nn
from torch.nn import functional as F
from torch.utils.data import Dataset

from sign2text.config import DataConfig
from sign2text.data.features import Anchors, model_input
from sign2text.pretraining.masking import FeatureMap, feature_weights

log = logging.getLogger(__name__)

FIT_FRAMES = 20_000  # frames sampled from the training clips to fit each part's centroids


def part_columns(fmap: FeatureMap) -> list[torch.Tensor]:
    """The coordinate features of each body part: positions in the model input, per part."""
    return [
        torch.nonzero((fmap.part == p) & fmap.coordinate).flatten() for p in range(len(fmap.parts))
    ]


def part_seen(weight: torch.Tensor, fmap: FeatureMap) -> torch.Tensor:
    """Whether any point of each part was detected: feature weights (B, T, F) -> (B, T, P)."""
    seen = weight.new_zeros(*weight.shape[:-1], len(fmap.parts))
    return seen.index_add_(-1, fmap.part.to(weight.device), weight) > 0


def unit_input(features: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """What is clustered: the features with every undetected coordinate (weight 0) set to 0."""
    return features * (weight > 0)


def sample_frames(
    clips: Dataset, anchors: Anchors, data: DataConfig, fmap: FeatureMap, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Up to `FIT_FRAMES` frames of random clips: (unit inputs (N, F), parts seen (N, P))."""
    order = np.random.default_rng(seed).permutation(len(clips))  # type: ignore[arg-type]
    units, seen, total = [], [], 0
    for item in order:
        keypoints = clips[int(item)].keypoints[None].float()  # (1, T, K, C)
        mask = torch.ones(keypoints.shape[:2], dtype=torch.bool)
        features = model_input(keypoints, mask, anchors, data)
        weight = feature_weights(keypoints, mask, fmap)
        units.append(unit_input(features, weight)[0])
        seen.append(part_seen(weight, fmap)[0])
        total += keypoints.shape[1]
        if total >= FIT_FRAMES:
            break
    return torch.cat(units)[:FIT_FRAMES], torch.cat(seen)[:FIT_FRAMES]


def empty_centroids(fmap: FeatureMap, clusters: int) -> torch.Tensor:
    """Zero centroids of the shape `fit_centroids` returns: what a resumed run's checkpoint
    fills in, so that its k-means is not fitted again."""
    width = max(len(c) for c in part_columns(fmap))
    return torch.zeros(len(fmap.parts), clusters, width)


def fit_centroids(
    units: torch.Tensor, seen: torch.Tensor, fmap: FeatureMap, clusters: int, seed: int
) -> torch.Tensor:
    """k-means centroids of every part's coordinates over the frames where it was seen:
    (P, clusters, widest part's coordinates), zero-padded. A part seen in fewer frames than
    `clusters` gets as many centroids as it has frames, the rest copies of its first (never
    chosen over it); a part never seen, zeros (it never counts)."""
    columns = part_columns(fmap)
    centroids = empty_centroids(fmap, clusters)
    for p, cols in enumerate(columns):
        x = units[seen[:, p]][:, cols].double().numpy()
        distinct = len(np.unique(x, axis=0)) if len(x) else 0
        if not distinct:
            log.warning("pretraining: body part %r is never detected", fmap.parts[p])
            continue
        k = min(clusters, distinct)
        fitted = KMeans(n_clusters=k, n_init=1, max_iter=100, random_state=seed).fit(x)
        found = torch.from_numpy(fitted.cluster_centers_).float()
        centroids[p, :k, : len(cols)] = found
        centroids[p, k:, : len(cols)] = found[0]
    return centroids


def assign(
    units: torch.Tensor, centroids: torch.Tensor, columns: list[torch.Tensor]
) -> torch.Tensor:
    """Each part's nearest centroid: units (B, T, F), centroids (P, K, W) -> ids (B, T, P)."""
    ids = []
    for p, cols in enumerate(columns):
        x = units[..., cols.to(units.device)].float()  # (B, T, Fp)
        c = centroids[p, :, : len(cols)]  # (K, Fp)
        # |x - c|^2 without |x|^2 (the same for every centroid): no (B, T, K, Fp) tensor
        distance = c.pow(2).sum(-1) - 2 * x @ c.T  # (B, T, K)
        ids.append(distance.argmin(-1))
    return torch.stack(ids, dim=-1)


class ClusterHead(nn.Module):
    """Encoder steps to cluster scores: each of the T' steps scores every part's clusters for
    the 2**downsample frames it was made from. Holds the centroids it is trained against."""

    def __init__(self, d_model: int, centroids: torch.Tensor, frames_per_step: int) -> None:
        super().__init__()
        parts, clusters, _ = centroids.shape
        self.frames_per_step, self.parts, self.clusters = frames_per_step, parts, clusters
        self.register_buffer("centroids", centroids)
        self.net = nn.Sequential(
            nn.Linear(d_model, d_model),
            nn.GELU(),
            nn.Linear(d_model, frames_per_step * parts * clusters),
        )

    def forward(self, memory: torch.Tensor, frames: int) -> torch.Tensor:
        """memory (B, T', d) -> cluster scores (B, frames, P, K)."""
        out = self.net(memory).unflatten(-1, (self.frames_per_step, self.parts, self.clusters))
        return out.flatten(1, 2)[:, :frames]


def cluster_loss(
    scores: torch.Tensor, targets: torch.Tensor, counted: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed cross-entropy of the counted parts' clusters and how many were counted.
    scores (B, T, P, K), targets (B, T, P), counted (B, T, P) bool."""
    loss = F.cross_entropy(scores.float().flatten(0, 2), targets.flatten(), reduction="none")
    flags = counted.flatten()
    return (loss * flags).sum(), flags.sum().float()


def frequency_baseline(
    targets: torch.Tensor, visible: torch.Tensor, counted: torch.Tensor, clusters: int
) -> torch.Tensor:
    """Summed cross-entropy of predicting each counted part from its clip's visible cluster
    frequencies, add-one smoothed: targets (B, T, P); visible, counted (B, T, P) bool."""
    one_hot = F.one_hot(targets, clusters).float()  # (B, T, P, K)
    counts = (one_hot * visible[..., None]).sum(dim=1, keepdim=True)  # (B, 1, P, K)
    probability = (counts + 1) / (counts.sum(-1, keepdim=True) + clusters)
    chosen = (probability * one_hot).sum(-1)  # (B, T, P)
    return (-chosen.log() * counted).sum()
