"""Hand shapes: 21-point OpenPose hands built from finger flexion by planar forward kinematics.

A hand shape is SHAPE_DIMS angles in degrees: three joint flexions (knuckle, middle, end joint)
for each of the index, middle, ring and pinky fingers, the fingers' spread, and the thumb's
direction (azimuth in the palm plane, elevation out of it) and two flexions. Each finger bends
in its own plane, spanned by its direction in the palm and the palm's normal; the hand is then
rotated (yaw, pitch, roll) and seen by an orthographic camera.

Hand-local axes, for a right hand with its palm facing the camera and fingers up, in image
orientation: x towards the thumb, y down, z towards the camera. The unit is the hand's length
(wrist to the extended middle fingertip). Left hands are the mirror image (x -> -x).
"""

from __future__ import annotations

import numpy as np

SHAPE_DIMS = 17
FINGERS = ("index", "middle", "ring", "pinky")
_KNUCKLES = np.array([[0.11, -0.50], [0.03, -0.52], [-0.05, -0.50], [-0.12, -0.44]])  # (4, 2)
_SEGMENTS = np.array([[0.21, 0.12, 0.09], [0.23, 0.14, 0.10],
                      [0.21, 0.13, 0.09], [0.16, 0.10, 0.08]])  # (4, 3)  # fmt: skip
_FINGER_ANGLE = np.array([6.0, 0.0, -6.0, -13.0])  # degrees from "up" towards the thumb
_FAN = np.array([1.0, 0.0, -0.9, -1.7])  # how much each finger follows the spread angle
_THUMB_BASE = np.array([0.13, -0.12, 0.02])
_THUMB_SEGMENTS = np.array([0.17, 0.13, 0.11])
_THUMB_BEND = np.array([-1.0, 0.0, 1.0]) / np.sqrt(2.0)  # thumbs flex towards pinky and palm

# Finger states: (knuckle, middle, end joint) flexion in degrees.
_E = (0, 0, 0)  # extended
_C = (85, 100, 55)  # closed into the palm
_B = (80, 5, 0)  # bent at the knuckle only
_H = (10, 80, 60)  # hooked, as in a claw
_R = (30, 35, 25)  # rounded, as in C
_O = (50, 55, 40)  # rounded to meet the thumb
_X = (20, 95, 65)  # tightly hooked
# Thumb states: (azimuth, elevation, flexion, flexion) in degrees.
_T_OUT = (35, 10, 0, 0)  # out to the side
_T_SIDE = (80, 5, 5, 5)  # along the index finger
_T_ACROSS = (150, 35, 25, 20)  # across the palm or the closed fingers
_T_ROUND = (60, 40, 20, 15)  # opposed and rounded
_T_TIP = (80, 55, 35, 30)  # meeting the fingertips
_T_TUCK = (120, 20, 30, 25)  # folded onto the palm
_TOGETHER, _SPREAD = 0.0, 16.0


def _shape(thumb: tuple, fingers: tuple[tuple, ...], spread: float) -> np.ndarray:
    return np.array([a for f in fingers for a in f] + [spread, *thumb], dtype=np.float64)


HANDSHAPES: dict[str, np.ndarray] = {
    "A": _shape(_T_SIDE, (_C, _C, _C, _C), _TOGETHER),  # fist, thumb up the side
    "S": _shape(_T_ACROSS, (_C, _C, _C, _C), _TOGETHER),  # fist, thumb across
    "B": _shape(_T_TUCK, (_E, _E, _E, _E), _TOGETHER),  # flat hand
    "5": _shape(_T_OUT, (_E, _E, _E, _E), _SPREAD),  # open, spread
    "C": _shape(_T_ROUND, (_R, _R, _R, _R), _TOGETHER),
    "O": _shape(_T_TIP, (_O, _O, _O, _O), _TOGETHER),
    "1": _shape(_T_ACROSS, (_E, _C, _C, _C), _TOGETHER),  # index finger
    "V": _shape(_T_ACROSS, (_E, _E, _C, _C), _SPREAD),
    "Y": _shape(_T_OUT, (_C, _C, _C, _E), _TOGETHER),
    "L": _shape(_T_OUT, (_E, _C, _C, _C), _TOGETHER),
    "W": _shape(_T_ACROSS, (_E, _E, _E, _C), _SPREAD),
    "3": _shape(_T_OUT, (_E, _E, _C, _C), _SPREAD),
    "claw": _shape(_T_OUT, (_H, _H, _H, _H), _SPREAD),
    "bent": _shape(_T_SIDE, (_B, _B, _B, _B), _TOGETHER),
    "F": _shape(_T_TIP, (_O, _E, _E, _E), _SPREAD),
    "I": _shape(_T_ACROSS, (_C, _C, _C, _E), _TOGETHER),  # little finger
    "X": _shape(_T_ACROSS, (_X, _C, _C, _C), _TOGETHER),
    "4": _shape(_T_TUCK, (_E, _E, _E, _E), _SPREAD),
    "U": _shape(_T_ACROSS, (_E, _E, _C, _C), _TOGETHER),
    "ILY": _shape(_T_OUT, (_E, _C, _C, _E), _SPREAD),
    "bent-V": _shape(_T_ACROSS, (_H, _H, _C, _C), _SPREAD),
    "flat-O": _shape(_T_TIP, (_B, _B, _B, _B), _TOGETHER),
    "open-8": _shape(_T_OUT, (_E, _B, _E, _E), _SPREAD),
    "bent-5": _shape(_T_OUT, (_B, _B, _B, _B), _SPREAD),
}
REST_SHAPE = _shape((70, 20, 10, 10), ((25, 25, 15),) * 4, 3.0)  # relaxed, hands down


def rotations(angles: np.ndarray) -> np.ndarray:
    """Rotation matrices Rz(roll) @ Rx(pitch) @ Ry(yaw) from degrees.  (..., 3) -> (..., 3, 3)"""
    yaw, pitch, roll = np.moveaxis(np.radians(angles), -1, 0)
    (cy, cp, cr), (sy, sp, sr) = np.cos([yaw, pitch, roll]), np.sin([yaw, pitch, roll])
    zero, one = np.zeros_like(yaw), np.ones_like(yaw)
    ry = np.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], -1)
    rx = np.stack([one, zero, zero, zero, cp, -sp, zero, sp, cp], -1)
    rz = np.stack([cr, -sr, zero, sr, cr, zero, zero, zero, one], -1)
    shape = (*yaw.shape, 3, 3)
    return rz.reshape(shape) @ rx.reshape(shape) @ ry.reshape(shape)


def _chain(base: np.ndarray, direction: np.ndarray, bend: np.ndarray, lengths: np.ndarray,
           flexion: np.ndarray) -> np.ndarray:  # fmt: skip
    """Joints of a planar chain: each segment turns `flexion` further from `direction` to `bend`.

    base (..., 3), direction (..., 3), bend (..., 3), lengths (S,), flexion (..., S) degrees
    -> (..., S, 3), the joint at the end of each segment.
    """
    angle = np.radians(np.cumsum(flexion, axis=-1))[..., None]  # (..., S, 1)
    steps = np.cos(angle) * direction[..., None, :] + np.sin(angle) * bend[..., None, :]
    return base[..., None, :] + np.cumsum(lengths[:, None] * steps, axis=-2)


def hand_points(shape: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """The 21 OpenPose hand points of a right hand, rotated, relative to the wrist.

    shape (T, SHAPE_DIMS) degrees, angles (T, 3) yaw/pitch/roll degrees -> (T, 21, 3) in hand
    lengths, in image orientation (x right, y down, z towards the camera).
    """
    frames = shape.shape[0]
    flex = shape[:, :12].reshape(frames, 4, 3)  # (T, 4, 3)
    spread, azimuth, elevation = shape[:, 12], np.radians(shape[:, 13]), np.radians(shape[:, 14])
    phi = np.radians(_FINGER_ANGLE + _FAN * spread[:, None])  # (T, 4)
    direction = np.stack([np.sin(phi), -np.cos(phi), np.zeros_like(phi)], -1)  # (T, 4, 3)
    normal = np.broadcast_to([0.0, 0.0, 1.0], direction.shape)
    knuckles = np.broadcast_to(np.append(_KNUCKLES, np.zeros((4, 1)), 1), direction.shape)
    fingers = np.concatenate(
        [knuckles[:, :, None], _chain_per_finger(knuckles, direction, normal, flex)], axis=2
    )  # (T, 4, 4, 3)
    thumb_dir = np.stack([np.cos(elevation) * np.cos(azimuth),
                          -np.cos(elevation) * np.sin(azimuth), np.sin(elevation)], -1)  # fmt: skip
    bend = _THUMB_BEND - (thumb_dir @ _THUMB_BEND)[:, None] * thumb_dir
    bend /= np.linalg.norm(bend, axis=-1, keepdims=True)
    thumb_flex = np.concatenate([np.zeros((frames, 1)), shape[:, 15:17]], axis=1)  # (T, 3)
    base = np.broadcast_to(_THUMB_BASE, (frames, 3))
    thumb = np.concatenate(
        [base[:, None], _chain(base, thumb_dir, bend, _THUMB_SEGMENTS, thumb_flex)], axis=1
    )  # (T, 4, 3)
    wrist = np.zeros((frames, 1, 3))
    local = np.concatenate([wrist, thumb, fingers.reshape(frames, 16, 3)], axis=1)  # (T, 21, 3)
    return local @ np.swapaxes(rotations(angles), -1, -2)


def _chain_per_finger(knuckles: np.ndarray, direction: np.ndarray, normal: np.ndarray,
                      flex: np.ndarray) -> np.ndarray:  # fmt: skip
    """The three joints beyond each knuckle.  (T, 4, 3) x3, (T, 4, 3) -> (T, 4, 3, 3)"""
    return np.stack(
        [_chain(knuckles[:, f], direction[:, f], normal[:, f], _SEGMENTS[f], flex[:, f])
         for f in range(len(FINGERS))], axis=1,
    )  # fmt: skip


def mirror(points: np.ndarray) -> np.ndarray:
    """The left-hand version of right-hand points (x -> -x).  (..., 3) -> (..., 3)"""
    return points * np.array([-1.0, 1.0, 1.0])
