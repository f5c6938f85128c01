"""A clip's frames in time: resampling to a target frame rate, and the length cap."""

from __future__ import annotations

import numpy as np


def resampled_length(frames: int, source_fps: float, target_fps: float) -> int:
    """How many frames a clip of `frames` frames has at `target_fps` (0 keeps the rate)."""
    if not target_fps or target_fps == source_fps:
        return frames
    return max(1, round(frames * target_fps / source_fps))


def resample(clip: np.ndarray, source_fps: float, target_fps: float) -> np.ndarray:
    """`clip` (T, K, C: coordinates then confidence last) at `target_fps`.

    Each new frame lies between two source frames. A point seen in both is interpolated
    linearly (coordinates and confidence); a point missing in either (confidence 0) takes the
    nearer frame's values, so a missing point is never blended with a real position.
    `target_fps` 0 or equal to `source_fps` returns `clip` unchanged.
    """
    frames = len(clip)
    length = resampled_length(frames, source_fps, target_fps)
    if length == frames:
        return clip
    position = np.arange(length) * (source_fps / target_fps)
    position = np.minimum(position, frames - 1)
    before = np.floor(position).astype(np.int64)
    after = np.minimum(before + 1, frames - 1)
    weight = (position - before).astype(np.float32)[:, None, None]  # (T', 1, 1)
    a, b = clip[before], clip[after]
    blended = (1 - weight) * a + weight * b
    nearer = np.where(weight < 0.5, a, b)
    both_seen = (a[..., -1:] > 0) & (b[..., -1:] > 0)
    return np.where(both_seen, blended, nearer).astype(clip.dtype)


def cap_frames(clip: np.ndarray, max_frames: int) -> np.ndarray:
    """A clip longer than `max_frames`, evenly subsampled to that many: the whole sentence
    stays. (T, K, C) -> (min(T, max_frames), K, C)."""
    if len(clip) <= max_frames:
        return clip
    keep = np.linspace(0, len(clip) - 1, max_frames).round().astype(np.int64)
    return clip[keep]


def model_frames(
    clip: np.ndarray, source_fps: float, target_fps: float, max_frames: int
) -> np.ndarray:
    """What the model sees of a clip: resampled to `target_fps`, then capped."""
    return cap_frames(resample(clip, source_fps, target_fps), max_frames)


def target_fps(fps: float, max_fps: float, data_fps: float) -> float:
    """The rate clips of a dataset at `data_fps` are resampled to: `fps` when set, else
    `max_fps` when the data is faster, else 0 (their own rate)."""
    if fps:
        return fps
    return max_fps if 0 < max_fps < data_fps else 0.0
