"""A simulated keypoint detector: jitter, confidences, missed points, lost hands and frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .puppet import Frames
from .signers import FRAME_H, FRAME_W, Signer
from .spec import Spec

# mean confidence of each BODY_25 point when seen
# fmt: off
BODY_CONF = np.array([
    0.88, 0.78, 0.64, 0.70, 0.72, 0.65, 0.70, 0.72,  # nose .. left wrist
    0.30, 0.29, 0.12, 0.10, 0.26, 0.12, 0.10,  # hips, knees, ankles
    0.89, 0.89, 0.72, 0.72,  # eyes, ears
    0.1, 0.1, 0.1, 0.1, 0.1, 0.1,  # feet
])
# fmt: on
UPPER_BODY = np.r_[0:8, 15:19]
HIPS = np.array([8, 9, 12])
LEGS = np.r_[10, 11, 13, 14, 19:25]
FINGERTIPS = np.array([4, 8, 12, 16, 20])


@dataclass
class Detection:
    """Detector output for one clip: (T, N, 3) arrays of x, y, confidence; 0 = not found."""

    pose: np.ndarray
    face: np.ndarray
    hand_left: np.ndarray
    hand_right: np.ndarray
    person: np.ndarray  # (T,) bool: False = nobody detected in this frame


def _runs(
    rng: np.random.Generator,
    t: int,
    share: float,
    mean_len: float,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """A (t,) mask covering about `share` of the frames in runs of about mean_len frames."""
    mask = np.zeros(t, dtype=bool)
    if share <= 0.0 or t == 0:
        return mask
    share = min(share, 0.95)
    p_start = share / (mean_len * (1.0 - share))
    p = np.full(t, p_start) if weight is None else p_start * weight
    for s in np.flatnonzero(rng.random(t) < p):
        mask[s : s + min(int(rng.geometric(1.0 / mean_len)), round(3 * mean_len))] = True
    return mask


def _with_conf(xy: np.ndarray, conf: np.ndarray) -> np.ndarray:
    return np.concatenate([xy, conf[..., None]], axis=-1)


def detect(fr: Frames, signer: Signer, spec: Spec, rng: np.random.Generator) -> Detection:
    t = fr.pose.shape[0]
    sw = fr.shoulder_px
    fps = spec.fps

    # hand speed in shoulder widths per second (fast hands blur: lower confidence, more loss)
    speed = {}
    for name, pts in (("left", fr.hand_left), ("right", fr.hand_right)):
        centre = pts[:, [0, 5, 9, 13, 17]].mean(axis=1)
        v = np.zeros(t)
        if t > 1:
            v[1:] = np.linalg.norm(np.diff(centre, axis=0), axis=1) * fps / sw
            v[0] = v[1]
        speed[name] = v

    # body
    conf = BODY_CONF[None, :] + rng.normal(0.0, 0.06, (t, 25)) + rng.normal(0.0, 0.04)
    conf[:, 4] -= 0.05 * speed["right"]
    conf[:, 7] -= 0.05 * speed["left"]
    ear = fr.ear_depth  # about -0.45 facing the camera, lower when turned away
    conf[:, 17:19] += 1.5 * (ear + 0.45)
    conf = np.clip(conf, 0.03, 0.97)
    seen = np.ones((t, 25), dtype=bool)
    seen[:, 17:19] &= ear > -0.6 + 0.05 * rng.normal(size=(t, 2))
    seen[:, LEGS] = rng.random((t, LEGS.size)) < 0.15
    seen[:, HIPS] &= rng.random((t, 3)) < 0.93
    pose_xy = (
        fr.pose
        + rng.normal(0.0, 1.0, (t, 25, 2))
        * (spec.body_noise * sw * (1.0 + 1.5 * (1.0 - conf)))[..., None]
    )

    # face: hands in front of it hide it
    fconf = 0.86 + rng.normal(0.0, 0.05, (t, 70)) + rng.normal(0.0, 0.03)
    fjit = np.ones((t, 70))
    for pts in (fr.hand_left, fr.hand_right):
        centre = pts[:, [0, 5, 9, 13, 17]].mean(axis=1)
        d = np.linalg.norm(fr.face - centre[:, None, :], axis=2) / sw
        cover = np.clip(1.0 - d / 0.3, 0.0, 1.0)
        fconf -= 0.45 * cover
        fjit += 3.0 * cover
    fconf = np.clip(fconf, 0.05, 0.98)
    face_xy = fr.face + rng.normal(0.0, 1.0, (t, 70, 2)) * (spec.face_noise * sw * fjit)[..., None]
    fseen = rng.random((t, 70)) >= 0.3 * spec.point_miss

    # hands
    hands = {}
    for name, pts in (("left", fr.hand_left), ("right", fr.hand_right)):
        wobble = np.convolve(rng.normal(0.0, 0.2, t + 4), np.ones(5) / 5.0, mode="valid")
        base = signer.hand_confidence + rng.normal(0.0, 0.05) + wobble - 0.06 * speed[name]
        hc = base[:, None] + rng.normal(0.0, 0.15, (t, 21))
        hc[:, FINGERTIPS] -= 0.06
        hc = np.clip(hc, 0.01, 0.95)
        sig = spec.hand_noise * sw * (1.0 + 1.5 * (1.0 - hc)) * (1.0 + 0.2 * speed[name][:, None])
        shift = rng.normal(0.0, 0.5 * spec.hand_noise * sw, (t, 1, 2))
        xy = pts + shift + rng.normal(0.0, 1.0, (t, 21, 2)) * sig[..., None]
        hseen = rng.random((t, 21)) >= spec.point_miss
        hseen &= (hc > 0.05) | (rng.random((t, 21)) < 0.5)
        weight = 0.6 + 0.4 * speed[name] / max(float(speed[name].mean()), 1e-3)
        lost = _runs(rng, t, spec.hand_loss, max(1.0, 0.25 * fps), weight)
        hseen &= ~lost[:, None]
        hands[name] = (xy, hc, hseen)

    # single points missed, points outside the picture
    seen[:, UPPER_BODY] &= rng.random((t, UPPER_BODY.size)) >= spec.point_miss

    def finish(xy: np.ndarray, c: np.ndarray, ok: np.ndarray) -> np.ndarray:
        inside = (
            (xy[..., 0] >= 0) & (xy[..., 0] < FRAME_W) & (xy[..., 1] >= 0) & (xy[..., 1] < FRAME_H)
        )
        ok = ok & inside
        out = _with_conf(xy, c)
        out[~ok] = 0.0
        return out

    legs_conf = conf.copy()
    legs_conf[:, LEGS] = rng.uniform(0.04, 0.3, (t, LEGS.size))
    pose = finish(pose_xy, legs_conf, seen)
    # a wrist OpenPose cannot see takes its hand with it
    face = finish(face_xy, fconf, fseen)
    left = finish(*hands["left"])
    right = finish(*hands["right"])
    for hand, wrist in ((left, 7), (right, 4)):
        gone = (hand[:, :, 2] > 0).sum(axis=1) < 3
        hand[gone] = 0.0
        pose[gone & (rng.random(t) < 0.3), wrist] = 0.0
    person = ~_runs(rng, t, spec.frame_miss, max(1.0, 0.08 * fps))
    return Detection(pose, face, left, right, person)
