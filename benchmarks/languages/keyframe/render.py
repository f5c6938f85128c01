"""Pose a signer's 3-D skeleton for every frame and see it through the camera."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import body as b
from . import geometry as g
from .camera import Camera, basis, project
from .motion import Motion
from .nonmanual import Nonmanual

# Point order (137): BODY_25, 70 face points, left hand (21), right hand (21), as OpenPose lists.

FACE0, LEFT0, RIGHT0, POINTS = 25, 95, 116, 137
HEAD_POSE = np.array([0, 15, 16, 17, 18])
LOWER_BODY = np.array([8, 9, 10, 11, 12, 13, 14, 19, 20, 21, 22, 23, 24])
_POLE = g.normalize(np.array([-0.45, -1.0, -0.35]))
_MIRROR = np.array([-1.0, 1.0, 1.0])
# Which way each face point looks, in the head frame: used for self-occlusion when turned.
_FACE_NORMALS = g.normalize(np.column_stack([b.FACE[:, 0] / 0.06, np.zeros(70), np.ones(70)]))
_EAR_NORMALS = g.normalize(np.array([[-1.0, 0.0, 0.25], [1.0, 0.0, 0.25]]))


@dataclass(frozen=True)
class View:
    """What the camera sees of one clip."""

    xy: np.ndarray  # (T, 137, 2) pixels
    depth: np.ndarray  # (T, 137) metres from the camera
    face_facing: np.ndarray  # (T, 70): > 0 when a face point faces the camera
    ear_facing: np.ndarray  # (T, 2): right ear, left ear
    palm_facing: np.ndarray  # (T, 2): |palm normal . view| of the left and right hand


def _face(base: np.ndarray, nm: Nonmanual, head: float) -> np.ndarray:
    """The face (T, 70, 3) with brows, mouth, cheeks and lids moved."""
    n = len(nm.brow)
    face = np.broadcast_to(base, (n, 70, 3)).copy()
    raise_, furrow = np.clip(nm.brow, 0, None), np.clip(-nm.brow, 0, None)
    face[:, b.BROWS, 1] += ((0.011 * raise_ - 0.005 * furrow) * head)[:, None]
    face[:, b.INNER_BROWS, 0] -= (0.004 * furrow * head)[:, None] * np.sign(base[b.INNER_BROWS, 0])
    face[:, b.LOWER_LIP, 1] -= (0.016 * nm.mouth_open * head)[:, None]
    chin_weight = 1 - np.abs(b.JAW_LOW - 8) / 5
    face[:, b.JAW_LOW, 1] -= (0.011 * nm.mouth_open * head)[:, None] * chin_weight
    lips = np.arange(48, 68)
    face[:, lips, 0] *= 1 - 0.3 * nm.mouth_round[:, None]
    face[:, lips, 2] += (0.008 * nm.mouth_round * head)[:, None]
    face[:, b.CHEEKS, 0] += (0.009 * nm.puff * head)[:, None] * np.sign(base[b.CHEEKS, 0])
    face[:, b.UPPER_LID, 1] -= (0.005 * nm.blink * head)[:, None]
    return face


def _hand(
    pos: np.ndarray, shape: np.ndarray, rot: np.ndarray, s: b.Signer, frame: b.Frame, mirror: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elbow (T, 3), hand points (T, 21, 3) and palm normal (T, 3) of one physical hand."""
    elbow, wrist = b.arm_ik(frame.r_shoulder, pos, s.upper_arm, s.forearm, _POLE)
    local = b.hand_points(shape, s.hand)
    points = wrist[:, None, :] + np.einsum("tij,tkj->tki", rot, local)
    normal = rot[:, :, 2]
    if mirror:
        return elbow * _MIRROR, points * _MIRROR, normal * _MIRROR
    return elbow, points, normal


def render(motion: Motion, nm: Nonmanual, s: b.Signer, frame: b.Frame, camera: Camera) -> View:
    n = len(motion.t)
    pts = np.empty((n, POINTS, 3))
    pts[:, :25] = frame.pose
    # head: face and head points turn about the top of the neck
    head_rot = g.euler(nm.head[:, 0], nm.head[:, 1], nm.head[:, 2])  # (T, 3, 3)
    face = _face(frame.face, nm, s.head)
    pivot = frame.head_pivot
    pts[:, FACE0:LEFT0] = np.einsum("tij,tkj->tki", head_rot, face - pivot) + pivot
    head_points = frame.pose[HEAD_POSE] - pivot
    pts[:, HEAD_POSE] = np.einsum("tij,kj->tki", head_rot, head_points) + pivot
    # hands: the dominant one is the physical right hand unless the signer is left-handed
    dom = _hand(motion.dom_pos, motion.dom_shape, motion.dom_rot, s, frame, s.left_handed)
    non = _hand(motion.non_pos, motion.non_shape, motion.non_rot, s, frame, not s.left_handed)
    left, right = (dom, non) if s.left_handed else (non, dom)
    pts[:, 3], pts[:, 4], pts[:, RIGHT0 : RIGHT0 + 21] = right[0], right[1][:, 0], right[1]
    pts[:, 6], pts[:, 7], pts[:, LEFT0 : LEFT0 + 21] = left[0], left[1][:, 0], left[1]
    # posture: the upper body sways about the hips, the whole body is turned
    torso_rot = g.euler(nm.torso[:, 0], nm.torso[:, 1], nm.torso[:, 2])
    upper = np.ones(POINTS, bool)
    upper[LOWER_BODY] = False
    pts[:, upper] = np.einsum("tij,tkj->tki", torso_rot, pts[:, upper])
    yaw = g.rot_y(camera.yaw)
    pts = pts @ yaw.T
    xy, depth = project(pts, camera, frame.pose[1, 1])
    # which way things face the camera
    centre, _ = basis(camera, frame.pose[1, 1])
    whole = np.einsum("ij,tjk->tik", yaw, torso_rot @ head_rot)  # (T, 3, 3)
    look = g.normalize(centre - pts)  # (T, 137, 3)
    face_normals = np.einsum("tij,kj->tki", whole, _FACE_NORMALS)
    face_facing = np.sum(face_normals * look[:, FACE0:LEFT0], axis=-1)
    ear_normals = np.einsum("tij,kj->tki", whole, _EAR_NORMALS)
    ear_facing = np.sum(ear_normals * look[:, [17, 18]], axis=-1)
    body_rot = np.einsum("ij,tjk->tik", yaw, torso_rot)
    palms = []
    for hand, wrist in ((left, 7), (right, 4)):
        normal = np.einsum("tij,tj->ti", body_rot, hand[2])
        palms.append(np.abs(np.sum(normal * look[:, wrist], axis=-1)))
    return View(xy, depth, face_facing, ear_facing, np.stack(palms, axis=1))
