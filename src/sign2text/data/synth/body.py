"""The signer's body as OpenPose sees it: 25 body, 70 face and 2 x 21 hand points per frame.

Articulator vectors (see timeline) become pixel positions: shoulders and hips hang from the
neck, elbows follow from two-link inverse kinematics between shoulder and wrist, the hands
are rotated hand shapes hung on the wrists, and the face is a 70-point template turned by the
head's yaw and deformed by the facial markers.
"""

from __future__ import annotations

import functools

import numpy as np

from sign2text.data.layouts import BODY_25

from .handshapes import hand_points, mirror
from .signers import Camera, Signer
from .signs import FACIAL_MARKERS
from .timeline import FACE, HAND_DIMS, HEAD_YAW, LEFT, RIGHT, ROTATION, SHAPE, SWAY, WRIST

POSE, FACE_POINTS = slice(0, 25), slice(25, 95)  # the 137 points, in OPENPOSE_PARTS order
LEFT_HAND, RIGHT_HAND = slice(95, 116), slice(116, 137)
_BODY = {name: i for i, name in enumerate(BODY_25)}
_FACE_NOSE_TIP = 30
_SIGNING_DEPTH = 0.25  # hands are this fraction of the arm's length in front of the body


def _ring(
    centre: tuple[float, float], radius: tuple[float, float], angles: np.ndarray
) -> np.ndarray:
    return np.stack(
        [centre[0] + radius[0] * np.cos(angles), centre[1] + radius[1] * np.sin(angles)], -1
    )


@functools.cache
def face_template() -> np.ndarray:
    """The 70 face points (jaw, brows, nose, eyes, lips, pupils) around the nose tip.

    -> (70, 3) in face widths: x right, y down, z towards the camera.
    """
    jaw_t = np.pi * np.arange(17) / 16
    jaw = np.stack([-0.48 * np.cos(jaw_t), -0.25 + 0.75 * np.sin(jaw_t) ** 1.2], -1)
    brow_t = np.arange(5) / 4
    right_brow = np.stack([-0.38 + 0.28 * brow_t, -0.49 - 0.04 * np.sin(np.pi * brow_t)], -1)
    left_brow = right_brow[::-1] * [-1.0, 1.0]
    bridge = np.stack([np.zeros(4), np.linspace(-0.34, 0.0, 4)], -1)
    nostrils = np.stack(
        [np.linspace(-0.1, 0.1, 5), 0.08 - 0.02 * np.cos(np.linspace(-1.2, 1.2, 5))], -1
    )
    eye_t = np.pi * np.array([1.0, 1.33, 1.67, 2.0, 2.33, 2.67])  # outer corner, over, back
    right_eye = _ring((-0.2, -0.3), (0.09, 0.035), eye_t)
    left_eye = right_eye[[3, 2, 1, 0, 5, 4]] * [-1.0, 1.0]
    outer_t = np.pi * (1 + np.arange(12) / 6)
    outer_lips = _ring((0.0, 0.21), (0.2, 0.065), outer_t)
    inner_t = np.pi * (1 + np.arange(8) / 4)
    inner_lips = _ring((0.0, 0.21), (0.16, 0.02), inner_t)
    pupils = np.array([[-0.2, -0.3], [0.2, -0.3]])
    xy = np.concatenate([jaw, right_brow, left_brow, bridge, nostrils, right_eye, left_eye,
                         outer_lips, inner_lips, pupils])  # fmt: skip
    depth = np.concatenate([
        -0.35 * (1 - np.sin(jaw_t)), np.full(10, 0.12), np.linspace(0.2, 0.38, 4),
        np.full(5, 0.3), np.full(12, 0.08), np.full(20, 0.22), np.full(2, 0.1)])  # fmt: skip
    return np.concatenate([xy, depth[:, None]], axis=1)


@functools.cache
def _marker_shifts() -> np.ndarray:
    """How far each facial marker moves each face point at full strength.  -> (M, 70, 2)"""
    shifts = np.zeros((len(FACIAL_MARKERS), 70, 2))
    template = face_template()
    brows, inner_brows = np.arange(17, 27), [21, 22]
    lower_lip, inner_lower, chin = np.arange(55, 60), np.arange(65, 68), np.arange(5, 12)
    mouth = np.arange(48, 68)
    raised, furrowed, open_, puffed, pursed = (
        shifts[FACIAL_MARKERS.index(m)] for m in FACIAL_MARKERS
    )
    raised[brows, 1] = -0.07
    raised[36:48, 1] = -0.01
    furrowed[brows, 1] = 0.035
    furrowed[inner_brows, 0] = -0.04 * np.sign(template[inner_brows, 0])
    open_[lower_lip, 1] = 0.13
    open_[inner_lower, 1] = 0.12
    open_[chin, 1] = 0.07
    puffed[np.r_[1:7, 10:16], 0] = 0.06 * np.sign(template[np.r_[1:7, 10:16], 0])
    pursed[mouth, 0] = -0.35 * template[mouth, 0]
    return shifts


def _face(rows: np.ndarray, nose: np.ndarray, size: float) -> np.ndarray:
    """Face points for every frame.  rows (T, DIMS), nose (T, 2) px -> (T, 70, 2) px"""
    template = face_template()
    shifted = template[:, :2] + np.einsum("tm,mpk->tpk", rows[:, FACE], _marker_shifts())
    yaw = np.radians(rows[:, HEAD_YAW])[:, None]  # (T, 1)
    x = shifted[..., 0] * np.cos(yaw) + template[:, 2] * np.sin(yaw)
    tip = template[_FACE_NOSE_TIP, 2] * np.sin(yaw)  # keep the nose tip where the nose is
    face = np.stack([x - tip, shifted[..., 1]], axis=-1) * size  # (T, 70, 2)
    return face + nose[:, None, :]


def _hand(block: np.ndarray, left: bool, hand_px: float) -> np.ndarray:
    """One hand's points around its wrist.  block (T, HAND_DIMS) -> (T, 21, 2) px from the wrist"""
    points = hand_points(block[:, SHAPE], block[:, ROTATION])  # (T, 21, 3)
    return (mirror(points) if left else points)[..., :2] * hand_px


def _elbow(
    shoulder: np.ndarray, wrist: np.ndarray, upper: float, fore: float, outward: float
) -> np.ndarray:
    """Elbow by two-link inverse kinematics in 3-D, seen from the front.

    The wrist is taken to be a little in front of the shoulder (signing space), and the elbow
    hangs as low as the arm allows, slightly outwards.  (T, 2) px -> (T, 2) px
    """
    depth = np.full((len(wrist), 1), _SIGNING_DEPTH * (upper + fore))
    reach = np.concatenate([wrist - shoulder, depth], axis=-1)  # (T, 3)
    distance = np.linalg.norm(reach, axis=-1, keepdims=True)
    along = reach / distance
    distance = np.clip(distance, abs(upper - fore) + 1e-6, upper + fore - 1e-6)
    cos_a = (upper**2 + distance**2 - fore**2) / (2 * upper * distance)
    sin_a = np.sqrt(np.clip(1 - cos_a**2, 0.0, 1.0))
    pole = np.array([outward, 1.0, -0.2])  # down, a little outwards and backwards
    normal = pole - (along @ pole)[:, None] * along
    normal /= np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-9)
    return shoulder + upper * (cos_a * along + sin_a * normal)[:, :2]


def render_body(rows: np.ndarray, signer: Signer, camera: Camera) -> np.ndarray:
    """Clean (noise-free) pixel positions of all 137 points.  (T, DIMS) -> (T, 137, 2)"""
    frames, unit = len(rows), camera.scale
    neck = np.asarray(camera.neck) + rows[:, SWAY] * unit  # (T, 2)
    points = np.zeros((frames, 137, 2))
    pose = points[:, POSE]
    pose[:, _BODY["Neck"]] = neck
    pose[:, _BODY["RShoulder"]] = neck + np.array([-0.5, 0.02 + signer.shoulder_tilt / 2]) * unit
    pose[:, _BODY["LShoulder"]] = neck + np.array([0.5, 0.02 - signer.shoulder_tilt / 2]) * unit
    pose[:, _BODY["MidHip"]] = (
        neck + (np.array([0.0, signer.hip_drop]) - 0.6 * rows[:, SWAY]) * unit
    )
    half_hip = np.array([signer.hip_width / 2, 0.0]) * unit
    pose[:, _BODY["RHip"]], pose[:, _BODY["LHip"]] = (
        pose[:, _BODY["MidHip"]] - half_hip,
        pose[:, _BODY["MidHip"]] + half_hip,
    )
    pose[:, _BODY["RKnee"]] = pose[:, _BODY["RHip"]] + np.array([-0.05, 1.0]) * unit
    pose[:, _BODY["LKnee"]] = pose[:, _BODY["LHip"]] + np.array([0.05, 1.0]) * unit
    for start, hand_part, side, left in (
        (RIGHT, RIGHT_HAND, "R", False),
        (LEFT, LEFT_HAND, "L", True),
    ):
        block = rows[:, start : start + HAND_DIMS]
        wrist = neck + block[:, WRIST] * unit
        points[:, hand_part] = _hand(block, left, signer.hand * unit) + wrist[:, None, :]
        pose[:, _BODY[f"{side}Wrist"]] = wrist
        pose[:, _BODY[f"{side}Elbow"]] = _elbow(
            pose[:, _BODY[f"{side}Shoulder"]], wrist, signer.upper_arm * unit,
            signer.forearm * unit, 0.3 if left else -0.3,
        )  # fmt: skip
    nose = neck + np.array([0.0, -signer.neck]) * unit
    face = _face(rows, nose, signer.head * unit)
    points[:, FACE_POINTS] = face
    pose[:, _BODY["Nose"]] = face[:, _FACE_NOSE_TIP]
    pose[:, _BODY["REye"]], pose[:, _BODY["LEye"]] = face[:, 68], face[:, 69]
    ear_out = np.array([0.04 * signer.head * unit, 0.0])
    pose[:, _BODY["REar"]], pose[:, _BODY["LEar"]] = face[:, 0] - ear_out, face[:, 16] + ear_out
    return points
