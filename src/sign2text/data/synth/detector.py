"""What OpenPose would report for a rendered body: jitter, confidences, missed points, lost hands.

Undetected points are written as OpenPose writes them, x = y = confidence = 0, whether they
fell outside the frame (legs, feet), were missed one by one, or belong to a hand lost for a few
frames. Detected points get confidences in the range real How2Sign frames show.
"""

from __future__ import annotations

import numpy as np

from .body import LEFT_HAND, RIGHT_HAND
from .signers import FRAME_HEIGHT, FRAME_WIDTH, Camera, Signer

# Mean BODY_25 confidences when detected, as in real How2Sign frames; 0: never detected.
_POSE_CONFIDENCE = np.array([0.88, 0.78, 0.65, 0.70, 0.73, 0.66, 0.70, 0.74, 0.45, 0.43, 0.0,
                             0.0, 0.41, 0.0, 0.0, 0.89, 0.89, 0.78, 0.84, 0.0, 0.0, 0.0, 0.0,
                             0.0, 0.0])  # fmt: skip
_HIPS = np.array([8, 9, 12])
_FACE_CONFIDENCE, _HAND_CONFIDENCE = 0.84, 0.62
_JITTER_PX = {"pose": 1.0, "face": 0.5, "hand": 0.7}  # at a shoulder width of 200 px
_MISS = {"pose": 0.003, "face": 0.001, "hand": 0.01}  # chance of missing one point
_CONFIDENCE_RANGE = (0.3, 0.95)
_HIP_CONFIDENCE_RANGE = (0.3, 0.55)


def _per_point(pose: float, face: float, hand: float) -> np.ndarray:
    """One value per point of the 137.  -> (137,)"""
    return np.concatenate([np.full(25, pose), np.full(70, face), np.full(42, hand)])


def _hand_losses(frames: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Frames in which one hand goes undetected: a few runs of 2-6 frames.  -> (T,) bool"""
    lost = np.zeros(frames, dtype=bool)
    for _ in range(rng.poisson(rate * frames / 100)):
        start = int(rng.integers(frames))
        lost[start : start + int(rng.integers(2, 7))] = True
    return lost


def detect(
    points: np.ndarray,
    signer: Signer,
    camera: Camera,
    hand_losses: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """OpenPose-like keypoints of a clean body.  (T, 137, 2) px -> (T, 137, 3) float32

    `hand_losses` is the expected number of whole-hand losses per hand per 100 frames.
    """
    frames = len(points)
    sigma = _per_point(*_JITTER_PX.values()) * camera.scale / 200.0
    xy = points + rng.normal(0.0, 1.0, points.shape) * sigma[None, :, None]  # (T, 137, 2)

    base = np.concatenate([_POSE_CONFIDENCE, np.full(70, _FACE_CONFIDENCE),
                           np.full(42, _HAND_CONFIDENCE)])  # fmt: skip
    confidence = base + signer.confidence + rng.normal(0.0, 0.05, (frames, 137))
    for hand in (LEFT_HAND, RIGHT_HAND):  # fast hands blur
        speed = np.linalg.norm(
            np.diff(points[:, hand.start], axis=0, prepend=points[:1, hand.start]), axis=-1
        )
        confidence[:, hand] -= np.clip(1.5 * speed / camera.scale, 0.0, 0.25)[:, None]
    confidence = np.clip(confidence, *_CONFIDENCE_RANGE)
    confidence[:, _HIPS] = np.clip(confidence[:, _HIPS], *_HIP_CONFIDENCE_RANGE)

    detected = np.broadcast_to(base > 0, (frames, 137)).copy()
    detected[:, _HIPS] &= camera.hips_visible
    detected &= rng.random((frames, 137)) >= _per_point(*_MISS.values())
    for hand in (LEFT_HAND, RIGHT_HAND):
        detected[_hand_losses(frames, hand_losses, rng), hand] = False
    inside = (xy[..., 0] >= 0) & (xy[..., 0] < FRAME_WIDTH)
    detected &= inside & (xy[..., 1] >= 0) & (xy[..., 1] < FRAME_HEIGHT)

    keypoints = np.concatenate([np.round(xy, 3), np.round(confidence, 6)[..., None]], axis=-1)
    keypoints[~detected] = 0.0
    return keypoints.astype(np.float32)
