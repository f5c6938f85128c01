"""The in-memory form every reader returns; readers raise `InputError` (from `errors`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sign2text.data.layouts import Layout
from sign2text.errors import InputError


@dataclass(frozen=True)
class Clip:
    """One clip's keypoints as read from disk."""

    coords: np.ndarray  # (T, K, D) float32, D = 2 (x, y) or 3 (x, y, z); missing points are 0
    confidence: np.ndarray  # (T, K) float32 in [0, 1]; 0 means the point was not detected
    fps: float
    layout: Layout

    @property
    def frames(self) -> int:
        return int(self.coords.shape[0])

    def stacked(self) -> np.ndarray:
        """Coordinates and confidence in one array: (T, K, D + 1) float32."""
        return np.concatenate([self.coords, self.confidence[..., None]], axis=-1)


def check_finite(path: str | Path, clip: Clip) -> Clip:
    """Reject a clip with no frames or non-finite values, naming the file."""
    if clip.frames == 0:
        raise InputError(path, "the clip has no frames", "remove it or re-extract its keypoints")
    bad = ~np.isfinite(clip.coords).all(axis=-1) | ~np.isfinite(clip.confidence)
    if bad.any():
        frame = int(np.argwhere(bad)[0][0])
        raise InputError(
            path,
            f"{int(bad.sum())} keypoints are NaN or infinite (first in frame {frame})",
            "re-extract the keypoints; NaN is not a valid position",
        )
    return clip


def nan_as_missing(coords: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points with a NaN coordinate become missing (confidence 0, coordinates 0).

    Several keypoint writers (MediaPipe exports to `.pose` or NumPy among them) mark a hand they
    did not find with NaN instead of a confidence of 0. Infinite values stay: `check_finite`
    rejects them, since no writer uses them to mean "not found".
    """
    found = ~np.isnan(coords).any(axis=-1)  # (T, K)
    return np.where(found[..., None], coords, 0), np.where(found, confidence, 0)
