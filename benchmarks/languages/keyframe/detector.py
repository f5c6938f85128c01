"""A model of OpenPose's mistakes: confidences, blur, occlusion, swaps, losses, ghosts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import geometry as g
from .body import Signer
from .camera import HEIGHT, WIDTH
from .render import FACE0, LEFT0, POINTS, RIGHT0, View
from .spec import Spec

# Confidences start from levels measured on real How2Sign output and fall with motion blur,
# with a hand in front of the face or of the other hand, with parts turned away and near the
# image border. Then come Gaussian and drifting position errors, single-point misses,
# whole-hand losses, runs of swapped hand labels, empty frames and a spurious second person.

# fmt: off
_BODY_CONF = np.array([
    0.89, 0.78, 0.65, 0.72, 0.72, 0.66, 0.71, 0.73, 0.46, 0.43, 0.0, 0.0, 0.42,
    0.0, 0.0, 0.9, 0.9, 0.8, 0.83, 0, 0, 0, 0, 0, 0,
])
# fmt: on
_LEGS = np.array([10, 11, 13, 14, 19, 20, 21, 22, 23, 24])
_HAND_OFFSET = np.zeros(21)
_HAND_OFFSET[0], _HAND_OFFSET[1] = -0.15, -0.05
_HAND_OFFSET[[4, 8, 12, 16, 20]] = -0.08
_ARMS = np.array([3, 4, 6, 7])
_HEAD = np.array([0, 15, 16])
_GHOST_POINTS = np.array([0, 1, 2, 3, 5, 6, 8, 15, 16, 17, 18])


@dataclass(frozen=True)
class Detection:
    """Detector output of one clip."""

    values: np.ndarray  # (T, 137, 3): x, y, confidence; undetected points are all zero
    no_person: np.ndarray  # (T,) frames with `"people": []`
    ghosts: dict[int, np.ndarray]  # frame -> (137, 3) spurious second person


def _boxes(xy: np.ndarray, pad: float) -> np.ndarray:
    """(T, 4) boxes x0, y0, x1, y1 around (T, K, 2) points."""
    return np.concatenate([xy.min(axis=1) - pad, xy.max(axis=1) + pad], axis=1)


def _inside(xy: np.ndarray, box: np.ndarray) -> np.ndarray:
    return (
        (xy[..., 0] >= box[:, None, 0])
        & (xy[..., 0] <= box[:, None, 2])
        & (xy[..., 1] >= box[:, None, 1])
        & (xy[..., 1] <= box[:, None, 3])
    )


def _overlap(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Intersection over the smaller box."""
    w = np.clip(np.minimum(a[:, 2], c[:, 2]) - np.maximum(a[:, 0], c[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 3], c[:, 3]) - np.maximum(a[:, 1], c[:, 1]), 0, None)
    area = np.minimum(
        (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
    )
    return w * h / np.maximum(area, 1.0)


def detect(view: View, spec: Spec, signer: Signer, rng: np.random.Generator) -> Detection:
    xy = view.xy.copy()
    n = xy.shape[0]
    t = np.arange(n) / spec.fps
    occ = spec.occlusion
    conf = np.zeros((n, POINTS))
    sd = np.full((n, POINTS), spec.jitter_px)
    # baseline confidences
    conf[:, :25] = _BODY_CONF + rng.normal(0, 0.03) + rng.normal(0, 0.06, (n, 25))
    face_pattern = rng.normal(0, 0.04, 70)
    conf[:, FACE0:LEFT0] = 0.84 + face_pattern + rng.normal(0, 0.04, (n, 70))
    conf[:, FACE0:LEFT0] *= np.clip((view.face_facing + 0.15) / 0.45, 0.15, 1.0)
    conf[:, [17, 18]] *= np.clip((view.ear_facing + 0.3) / 0.5, 0.0, 1.0)
    sd[:, FACE0:LEFT0] *= 0.6
    quality = 0.68 + signer.detect_bias + 0.12 * g.smooth_noise(rng, t, 2, (0.2, 1.0))
    for h, first in enumerate((LEFT0, RIGHT0)):
        q = np.clip(quality[:, h], 0.2, 0.85) * (0.75 + 0.25 * view.palm_facing[:, h])
        conf[:, first : first + 21] = q[:, None] + _HAND_OFFSET + rng.normal(0, 0.08, (n, 21))
        sd[:, first : first + 21] *= 1.3
    # motion blur: exposure of about half a frame
    speed = np.linalg.norm(np.gradient(xy, axis=0), axis=-1) if n > 1 else np.zeros((n, POINTS))
    blur = 0.5 * speed
    hands = slice(LEFT0, POINTS)
    conf[:, hands] *= np.exp(-blur[:, hands] / spec.blur_px)
    conf[:, _ARMS] *= np.exp(-blur[:, _ARMS] / (2 * spec.blur_px))
    sd += 0.25 * blur
    # self-occlusion: a hand in front of the face, or of the other hand
    face_xy = xy[:, FACE0:LEFT0]
    face_depth = view.depth[:, FACE0:LEFT0].mean(axis=1)
    boxes = []
    for first in (LEFT0, RIGHT0):
        box = _boxes(xy[:, first : first + 21], 8.0)
        boxes.append(box)
        front = view.depth[:, first : first + 21].mean(axis=1) < face_depth - 0.02
        hidden = _inside(face_xy, box) & front[:, None]
        conf[:, FACE0:LEFT0] *= np.where(hidden, 1 - 0.85 * occ, 1.0)
        sd[:, FACE0:LEFT0] += np.where(hidden, 3.0 * spec.jitter_px * occ, 0.0)
        conf[:, FACE0:LEFT0] *= np.where(hidden & (rng.random(hidden.shape) < 0.4 * occ), 0, 1)
        head_hidden = _inside(xy[:, _HEAD], box) & front[:, None]
        conf[:, _HEAD] *= np.where(head_hidden, 1 - 0.6 * occ, 1.0)
    overlap = _overlap(boxes[0], boxes[1])
    left_depth = view.depth[:, LEFT0 : LEFT0 + 21].mean(axis=1)
    right_depth = view.depth[:, RIGHT0 : RIGHT0 + 21].mean(axis=1)
    for first, behind in ((LEFT0, left_depth > right_depth), (RIGHT0, right_depth >= left_depth)):
        drop = np.where(behind, 0.6, 0.15) * occ * np.minimum(1.0, 1.5 * overlap)
        conf[:, first : first + 21] *= (1 - drop)[:, None]
        sd[:, first : first + 21] += (4.0 * drop)[:, None]
    # position errors: white jitter and, for hands, a slow drift of the whole hand
    noise = rng.normal(0, 1, (n, POINTS, 2)) * sd[..., None]
    for h, first in enumerate((LEFT0, RIGHT0)):
        drift = spec.drift_px * g.smooth_noise(rng, t + 7.0 * h, 2, (0.5, 2.0))
        noise[:, first : first + 21] += drift[:, None, :]
    xy = xy + noise
    # legs: mostly missed; when seen, weakly and badly
    legs_seen = g.runs(rng, n, spec.leg_detect_rate / 8.0, 8.0)
    conf[:, _LEGS] = np.where(legs_seen[:, None], rng.uniform(0.05, 0.3, (n, len(_LEGS))), 0.0)
    xy[:, _LEGS] += np.where(legs_seen[:, None, None], rng.normal(0, 6.0, (n, len(_LEGS), 2)), 0)
    # the image border
    edge = np.minimum.reduce([xy[..., 0], WIDTH - xy[..., 0], xy[..., 1], HEIGHT - xy[..., 1]])
    conf *= np.clip(edge / 25.0, 0.0, 1.0)
    # single misses and the detector's thresholds
    conf[rng.random((n, POINTS)) < spec.point_miss_rate] = 0.0
    conf = np.clip(conf, 0.0, 1.03)
    conf[:, :LEFT0][conf[:, :LEFT0] < 0.05] = 0.0
    conf[:, LEFT0:][conf[:, LEFT0:] < 0.01] = 0.0
    # whole-hand losses: at random, when blurred or faint, and with the wrist out of view
    for first, wrist in ((LEFT0, 7), (RIGHT0, 4)):
        part = slice(first, first + 21)
        lost = g.runs(rng, n, spec.hand_loss_per_s / spec.fps, spec.hand_loss_s * spec.fps)
        lost |= (blur[:, part].mean(axis=1) > 2.5 * spec.blur_px) & (rng.random(n) < 0.6)
        lost |= conf[:, part].mean(axis=1) < 0.12
        lost |= (view.xy[:, wrist, 0] < 0) | (view.xy[:, wrist, 0] > WIDTH)
        lost |= (view.xy[:, wrist, 1] < 0) | (view.xy[:, wrist, 1] > HEIGHT)
        conf[lost, part] = 0.0
    values = np.concatenate([xy, conf[..., None]], axis=-1)
    values[conf <= 0] = 0.0
    # left/right label swaps, likelier while the hands overlap
    swap = g.runs(rng, n, spec.swap_per_s / spec.fps * (1 + 4 * overlap), spec.swap_s * spec.fps)
    if swap.any():
        left = values[swap, LEFT0:RIGHT0].copy()
        values[swap, LEFT0:RIGHT0] = values[swap, RIGHT0:]
        values[swap, RIGHT0:] = left
    no_person = g.runs(rng, n, spec.no_person_per_s / spec.fps, 1.5)
    ghosts = _ghosts(rng, n, spec, no_person)
    return Detection(values, no_person, ghosts)


def _ghosts(rng: np.random.Generator, n: int, spec: Spec, empty: np.ndarray) -> dict:
    """Spurious far-off people, a few faint body points each, in runs of frames."""
    seen = g.runs(rng, n, spec.second_person_per_s / spec.fps, spec.second_person_s * spec.fps)
    seen &= ~empty
    ghosts: dict[int, np.ndarray] = {}
    if not seen.any():
        return ghosts
    x0 = rng.uniform(30, 200) if rng.random() < 0.5 else rng.uniform(1080, 1250)
    y0 = rng.uniform(220, 420)
    scale = rng.uniform(0.25, 0.5)
    layout = {
        0: (0, -120),
        1: (0, 0),
        2: (-50, 0),
        3: (-60, 90),
        5: (50, 0),
        6: (60, 90),
        8: (0, 150),
        15: (-10, -130),
        16: (10, -130),
        17: (-25, -125),
        18: (25, -125),
    }
    for frame in np.flatnonzero(seen):
        person = np.zeros((POINTS, 3))
        chosen = rng.choice(_GHOST_POINTS, size=int(rng.integers(3, 9)), replace=False)
        for k in chosen:
            dx, dy = layout[int(k)]
            person[k] = (
                x0 + scale * dx + rng.normal(0, 4),
                y0 + scale * dy + rng.normal(0, 4),
                rng.uniform(0.05, 0.35),
            )
        ghosts[int(frame)] = person
    return ghosts
