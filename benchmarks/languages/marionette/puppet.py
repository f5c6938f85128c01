"""The 2-D puppet: forward kinematics from joint angles to BODY_25, face and hand points."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import motion as M
from .signers import Signer

# ------------------------------------------------------------------------ face model
# the 68 landmarks + 2 pupils in face widths, origin at the top of the nose bridge,
# x to the image's right, y down, z towards the camera


def _face_template() -> np.ndarray:
    f = np.zeros((70, 3))
    t = np.linspace(0.0, math.pi, 17)
    f[0:17, 0] = -0.5 * np.cos(t) * (1.0 - 0.25 * np.sin(t) ** 4)
    f[0:17, 1] = 0.08 + 0.72 * np.sin(t) ** 1.2
    f[0:17, 2] = -0.35 + 0.45 * np.sin(t)
    k = np.arange(5)
    f[17:22, 0] = np.linspace(-0.4, -0.09, 5)
    f[17:22, 1] = -0.09 - 0.06 * np.sin(math.pi * (k + 0.5) / 5)
    f[22:27, 0] = -f[21:16:-1, 0]
    f[22:27, 1] = f[21:16:-1, 1]
    f[17:27, 2] = 0.1
    f[27:31] = np.column_stack([np.zeros(4), [0.0, 0.085, 0.17, 0.25], [0.15, 0.22, 0.3, 0.38]])
    f[31:36] = np.column_stack(
        [
            [-0.1, -0.05, 0.0, 0.05, 0.1],
            [0.34, 0.36, 0.37, 0.36, 0.34],
            [0.2, 0.25, 0.28, 0.25, 0.2],
        ]
    )
    ex = np.array([-0.09, -0.03, 0.03, 0.09, 0.03, -0.03])
    ey = np.array([0.0, -0.03, -0.03, 0.0, 0.03, 0.03])
    f[36:42] = np.column_stack([-0.2 + ex, 0.04 + ey, np.full(6, 0.08)])
    ex2 = np.array([-0.09, -0.03, 0.03, 0.09, 0.03, -0.03])
    f[42:48] = np.column_stack([0.2 + ex2, 0.04 + ey, np.full(6, 0.08)])
    outer = [
        (-0.19, 0.5),
        (-0.12, 0.47),
        (-0.05, 0.455),
        (0.0, 0.46),
        (0.05, 0.455),
        (0.12, 0.47),
        (0.19, 0.5),
        (0.12, 0.54),
        (0.05, 0.56),
        (0.0, 0.565),
        (-0.05, 0.56),
        (-0.12, 0.54),
    ]
    inner = [
        (-0.16, 0.5),
        (-0.06, 0.49),
        (0.0, 0.49),
        (0.06, 0.49),
        (0.16, 0.5),
        (0.06, 0.51),
        (0.0, 0.51),
        (-0.06, 0.51),
    ]
    f[48:60, :2] = outer
    f[60:68, :2] = inner
    f[48:68, 2] = 0.18
    f[68] = (-0.2, 0.04, 0.1)
    f[69] = (0.2, 0.04, 0.1)
    return f


FACE = _face_template()
EARS = np.array([[-0.55, 0.12, -0.45], [0.55, 0.12, -0.45]])  # signer's right, left
HEAD_PIVOT = np.array([0.0, 0.75, -0.45])  # rotation centre of the head, face widths
BROWS = np.arange(17, 27)
BROWS_INNER = np.array([19, 20, 21, 22, 23, 24])
UPPER_LIDS = np.array([37, 38, 43, 44])
LOWER_LIDS = np.array([40, 41, 46, 47])
LOWER_LIP = np.array([55, 56, 57, 58, 59, 65, 66, 67])
JAW_LOW = np.arange(5, 12)

# ------------------------------------------------------------------------ hand model
# in hand lengths, hand axes (u: along the fingers, v: towards the thumb, n: out of the palm)
KNUCKLES = np.array([[0.46, 0.13, 0.0], [0.47, 0.04, 0.0], [0.45, -0.05, 0.0], [0.41, -0.13, 0.0]])
PHALANGES = np.array(
    [[0.22, 0.13, 0.10], [0.25, 0.15, 0.11], [0.23, 0.14, 0.10], [0.18, 0.10, 0.09]]
)
SPREAD_AT_ZERO = np.array([0.03, 0.0, -0.02, -0.05])
SPREAD_GAIN = np.array([0.2, 0.05, -0.1, -0.25])
THUMB_BASE = np.array([0.1, 0.1, 0.0])
THUMB_BONES = np.array([0.19, 0.15, 0.12])


def _rot2(v: np.ndarray, ang: np.ndarray) -> np.ndarray:
    """Rotate (T, 2) vectors in the image plane by ang (T,) radians."""
    c, s = np.cos(ang), np.sin(ang)
    return np.stack([v[..., 0] * c - v[..., 1] * s, v[..., 0] * s + v[..., 1] * c], axis=-1)


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + math.pi) % (2.0 * math.pi) - math.pi


def hand_local(shape: np.ndarray) -> np.ndarray:
    """(T, 11) handshape channels -> (T, 21, 3) points in hand axes, wrist at 0."""
    t = shape.shape[0]
    out = np.zeros((t, 21, 3))
    curls = shape[:, 0:8].reshape(t, 4, 2)
    spread = SPREAD_AT_ZERO[None, :] + shape[:, 8:9] * SPREAD_GAIN[None, :]
    b1 = curls[..., 0] * 1.5
    b2 = b1 + curls[..., 1] * 1.7
    b3 = b2 + curls[..., 1] * 1.2
    bend = np.stack([b1, b2, b3], axis=-1)  # (T, 4, 3)
    cb = np.cos(bend)
    seg = np.stack(
        [cb * np.cos(spread)[..., None], cb * np.sin(spread)[..., None], np.sin(bend)], axis=-1
    )  # (T, 4, 3, 3)
    pts = KNUCKLES[None, :, None, :] + np.cumsum(PHALANGES[None, :, :, None] * seg, axis=2)
    fingers = np.concatenate(
        [np.broadcast_to(KNUCKLES[None, :, None, :], (t, 4, 1, 3)), pts], axis=2
    )
    out[:, 5:21] = fingers.reshape(t, 16, 3)
    # thumb: opposition swings it in front of the palm, curl folds it across
    opp = shape[:, 10] * 0.9
    d0 = np.stack(
        [
            np.full(t, math.cos(0.7)) * np.cos(opp),
            np.full(t, math.sin(0.7)) * np.cos(opp),
            np.sin(opp),
        ],
        axis=-1,
    )
    w0 = np.array([0.2, -0.8, 0.55]) / np.linalg.norm([0.2, -0.8, 0.55])
    w = w0[None, :] - np.sum(w0[None, :] * d0, axis=1, keepdims=True) * d0
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    tb = shape[:, 9:10] * np.array([[0.35, 0.9, 1.5]])  # (T, 3)
    tseg = np.cos(tb)[..., None] * d0[:, None, :] + np.sin(tb)[..., None] * w[:, None, :]
    out[:, 1] = THUMB_BASE
    out[:, 2:5] = THUMB_BASE + np.cumsum(THUMB_BONES[None, :, None] * tseg, axis=1)
    return out


def hand_axes(alpha: np.ndarray, beta: np.ndarray, phi: np.ndarray, chir: float) -> np.ndarray:
    """(T, 3, 3) rows u, v, n in camera space (x right, y down, z to the camera)."""
    cb = np.cos(beta)
    u = np.stack([cb * np.cos(alpha), cb * np.sin(alpha), np.sin(beta)], axis=-1)
    a = np.zeros_like(u)
    a[:, 2] = 1.0
    a -= u * u[:, 2:3]
    a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-6)
    b = np.cross(u, a)
    n = np.cos(phi)[:, None] * a + np.sin(phi)[:, None] * b
    v = chir * np.cross(n, u)
    return np.stack([u, v, n], axis=1)


@dataclass
class Frames:
    """The puppet's points in pixels for every frame of a clip."""

    pose: np.ndarray  # (T, 25, 2)
    face: np.ndarray  # (T, 70, 2)
    hand_left: np.ndarray  # (T, 21, 2) the signer's left hand (image right)
    hand_right: np.ndarray  # (T, 21, 2)
    ear_depth: np.ndarray  # (T, 2) how much each ear faces the camera (right, left)
    shoulder_px: float


CAMERA_DISTANCE = 5.0  # shoulder widths from the neck to the camera (weak perspective)


class Arm:
    """One arm: segment lengths, the side it hangs on, and its joint angles.

    The puppet is flat but its segments may tilt towards the camera: each segment has an
    in-plane angle and a tilt, and is drawn foreshortened by the cosine of the tilt.
    """

    def __init__(self, signer: Signer, side: int) -> None:
        sw = signer.shoulder_px
        r = signer.ratios
        self.side = side  # -1: signer's right (image left), +1: signer's left
        self.chirality = 1.0 if side < 0 else -1.0
        self.upper = r["upper_arm"] * sw
        self.fore = r["forearm"] * sw
        self.hand = r["hand"] * sw
        self.sw = sw

    def solve(
        self,
        shoulder: np.ndarray,
        palm: np.ndarray,
        reach: np.ndarray,
        alpha: np.ndarray,
        beta: np.ndarray,
    ) -> tuple[np.ndarray, ...]:
        """Joint angles that bring the palm to its target, elbow kept low and out.

        Returns shoulder (in-plane angle, tilt), elbow (in-plane bend, tilt) and wrist flex.
        """
        cb = np.cos(beta)
        u = np.stack([cb * np.cos(alpha), cb * np.sin(alpha), np.sin(beta)], axis=-1)
        depth = (0.15 + 0.75 * np.clip(reach, 0.0, 1.3)) * self.sw
        goal = np.concatenate([palm, depth[:, None]], axis=1) - 0.45 * self.hand * u
        s3 = np.concatenate([shoulder, np.zeros((shoulder.shape[0], 1))], axis=1)
        l1, l2 = self.upper, self.fore
        d = goal - s3
        dist = np.maximum(np.linalg.norm(d, axis=1), 1e-6)
        w = d / dist[:, None]
        dist = np.clip(dist, abs(l1 - l2) + 1e-3 * self.sw, (l1 + l2) * 0.999)
        along = (l1 * l1 - l2 * l2 + dist * dist) / (2.0 * dist)
        radius = np.sqrt(np.maximum(l1 * l1 - along * along, 0.0))
        # elbow low and a little out; further out when the hand goes up
        pref = np.zeros_like(w)
        pref[:, 0] = self.side * (0.35 + 0.5 * np.maximum(-w[:, 1], 0.0))
        pref[:, 1] = 1.0
        pref[:, 2] = -0.15
        e = pref - np.sum(w * pref, axis=1, keepdims=True) * w
        e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-6)
        elbow = s3 + along[:, None] * w + radius[:, None] * e
        wrist = s3 + dist[:, None] * w
        up = (elbow - s3) / l1
        fo = (wrist - elbow) / l2
        a1 = np.arctan2(up[:, 1], up[:, 0])
        t1 = np.arcsin(np.clip(up[:, 2], -1.0, 1.0))
        a2 = _wrap(np.arctan2(fo[:, 1], fo[:, 0]) - a1)
        t2 = np.arcsin(np.clip(fo[:, 2], -1.0, 1.0))
        limit = 1.25 + 2.0 * (1.0 - np.cos(t2))  # a forearm seen end-on hardly constrains
        a3 = np.clip(_wrap(alpha - a1 - a2), -limit, limit)
        return a1, t1, a2, t2, a3

    def draw(
        self,
        shoulder: np.ndarray,
        neck: np.ndarray,
        angles: tuple[np.ndarray, ...],
        beta: np.ndarray,
        phi: np.ndarray,
        shape: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Forward kinematics: elbow, wrist and the 21 hand points from the angles."""
        a1, t1, a2, t2, a3 = angles
        elbow = shoulder + (self.upper * np.cos(t1))[:, None] * np.stack(
            [np.cos(a1), np.sin(a1)], axis=-1
        )
        z_elbow = self.upper * np.sin(t1)
        fore = a1 + a2
        wrist = elbow + (self.fore * np.cos(t2))[:, None] * np.stack(
            [np.cos(fore), np.sin(fore)], axis=-1
        )
        z_wrist = z_elbow + self.fore * np.sin(t2)
        axes = hand_axes(fore + a3, beta, phi, self.chirality)
        local = np.einsum("tpk,tkd->tpd", hand_local(shape), axes) * self.hand
        pts = local[..., :2] + wrist[:, None, :]
        z_pts = local[..., 2] + z_wrist[:, None]
        far = CAMERA_DISTANCE * self.sw

        def persp(p: np.ndarray, z: np.ndarray) -> np.ndarray:
            k = far / (far - z)
            return (
                neck.reshape(-1, *([1] * (p.ndim - 2)), 2)
                + (p - neck.reshape(-1, *([1] * (p.ndim - 2)), 2)) * k[..., None]
            )

        return persp(elbow, z_elbow), persp(wrist, z_wrist), persp(pts, z_pts)


def _face_deform(ch: np.ndarray, blink: np.ndarray) -> np.ndarray:
    t = ch.shape[0]
    f = np.broadcast_to(FACE, (t, 70, 3)).copy()
    up, knit, mouth = ch[:, M.BROW_UP], ch[:, M.BROW_KNIT], ch[:, M.MOUTH]
    f[:, BROWS, 1] -= 0.07 * up[:, None]
    f[:, UPPER_LIDS, 1] -= 0.012 * up[:, None]
    f[:, BROWS, 1] += 0.03 * knit[:, None]
    f[:, BROWS_INNER, 1] += 0.015 * knit[:, None]
    f[:, BROWS_INNER[:3], 0] += 0.035 * knit[:, None]
    f[:, BROWS_INNER[3:], 0] -= 0.035 * knit[:, None]
    f[:, LOWER_LIP, 1] += 0.1 * mouth[:, None]
    f[:, 57, 1] += 0.02 * mouth
    f[:, JAW_LOW, 1] += 0.06 * mouth[:, None] * np.exp(-0.5 * ((JAW_LOW - 8) / 2.0) ** 2)
    f[:, UPPER_LIDS, 1] += 0.05 * blink[:, None]
    f[:, LOWER_LIDS, 1] -= 0.01 * blink[:, None]
    return f


def _head_rotation(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    t = yaw.shape[0]
    cy, sy, cp, sp, cr, sr = (
        np.cos(yaw),
        np.sin(yaw),
        np.cos(pitch),
        np.sin(pitch),
        np.cos(roll),
        np.sin(roll),
    )
    ry = np.zeros((t, 3, 3))
    ry[:, 0, 0], ry[:, 0, 2], ry[:, 1, 1], ry[:, 2, 0], ry[:, 2, 2] = cy, sy, 1.0, -sy, cy
    rx = np.zeros((t, 3, 3))
    rx[:, 0, 0], rx[:, 1, 1], rx[:, 1, 2], rx[:, 2, 1], rx[:, 2, 2] = 1.0, cp, sp, -sp, cp
    rz = np.zeros((t, 3, 3))
    rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = cr, -sr, sr, cr, 1.0
    return rz @ ry @ rx


def pose_clip(channels: np.ndarray, signer: Signer, fps: float, rng: np.random.Generator) -> Frames:
    """Draw every frame of a clip for this signer (mirrored for a left-handed one)."""
    ch = channels.copy()
    if signer.left_handed:
        dom = M.mirror_arm(channels[:, M.DOM : M.DOM + M.ARM])
        non = M.mirror_arm(channels[:, M.NON : M.NON + M.ARM])
        ch[:, M.DOM : M.DOM + M.ARM] = non  # DOM columns now drive the right arm
        ch[:, M.NON : M.NON + M.ARM] = dom
        ch[:, [M.YAW, M.ROLL, M.LEAN]] *= -1.0
    t = ch.shape[0]
    sw = signer.shoulder_px
    r = signer.ratios
    sec = np.arange(t) / fps
    ph = rng.uniform(0.0, 2.0 * math.pi, size=6)
    fr = rng.uniform(0.15, 0.45, size=6)

    def idle(k: int, amp: float) -> np.ndarray:
        return amp * np.sin(2.0 * math.pi * fr[k] * sec + ph[k])

    # trunk, from the neck down and out
    neck = np.stack(
        [
            signer.neck_x + idle(0, signer.sway * sw),
            signer.neck_y + idle(1, 0.4 * signer.sway * sw),
        ],
        axis=-1,
    )
    lean = signer.lean + ch[:, M.LEAN] + idle(2, 0.01)

    def body(x: float, y: float) -> np.ndarray:
        return neck + _rot2(np.broadcast_to([x * sw, y * sw], (t, 2)), lean)

    breath = idle(3, 0.004 * sw)[:, None] * np.array([0.0, -1.0])
    r_shoulder = body(-0.5, r["shoulder_drop"]) + breath
    l_shoulder = body(0.5, r["shoulder_drop"]) + breath
    mid_hip = body(0.0, r["torso"])
    r_hip = body(-r["hip"], r["torso"])
    l_hip = body(r["hip"], r["torso"])
    leg = np.array([0.0, r["thigh"] * sw])
    r_knee, l_knee = r_hip + leg + [-0.03 * sw, 0.0], l_hip + leg + [0.03 * sw, 0.0]
    shin = np.array([0.0, r["shin"] * sw])
    r_ankle, l_ankle = r_knee + shin, l_knee + shin

    # head: a rigid 3-D face turned by yaw, pitch and roll about its pivot
    blink = np.zeros(t)
    start = rng.uniform(0.0, 3.0)
    end = sec[-1] if t else 0.0
    while start < end:
        blink[(sec >= start) & (sec < start + 0.15)] = 1.0
        start += rng.uniform(2.0, 5.0)
    face3 = _face_deform(ch, blink) - HEAD_PIVOT
    rot = _head_rotation(
        signer.yaw + ch[:, M.YAW] + idle(4, 0.03),
        signer.pitch + ch[:, M.PITCH] + idle(5, 0.02),
        lean + ch[:, M.ROLL],
    )
    fw = r["face"] * sw
    pivot = body(0.0, -r["neck"])
    face = np.einsum("tij,tpj->tpi", rot, face3)
    ears = np.einsum("tij,pj->tpi", rot, EARS - HEAD_PIVOT)
    face_px = pivot[:, None, :] + face[..., :2] * fw
    ears_px = pivot[:, None, :] + ears[..., :2] * fw

    # arms from angles
    pose = np.zeros((t, 25, 2))
    hands = {}
    for side, col, sh in ((-1, M.DOM, r_shoulder), (1, M.NON, l_shoulder)):
        arm = Arm(signer, side)
        a = ch[:, col : col + M.ARM]
        palm = neck + _rot2(a[:, [M.TX, M.TY]] * sw, lean)
        angles = arm.solve(sh, palm, a[:, M.REACH], a[:, M.ALPHA] + lean, a[:, M.BETA])
        elbow, wrist, pts = arm.draw(sh, neck, angles, a[:, M.BETA], a[:, M.PHI], a[:, M.SHAPE])
        base = 2 if side < 0 else 5
        pose[:, base] = sh
        pose[:, base + 1] = elbow
        pose[:, base + 2] = wrist
        hands[side] = pts
    pose[:, 0] = face_px[:, 30]
    pose[:, 1] = neck
    pose[:, 8], pose[:, 9], pose[:, 12] = mid_hip, r_hip, l_hip
    pose[:, 10], pose[:, 11], pose[:, 13], pose[:, 14] = r_knee, r_ankle, l_knee, l_ankle
    pose[:, 15], pose[:, 16] = face_px[:, 68], face_px[:, 69]
    pose[:, 17], pose[:, 18] = ears_px[:, 0], ears_px[:, 1]
    foot = sw * np.array([[0.12, 0.12], [0.2, 0.1], [-0.05, 0.08]])  # big toe, small toe, heel
    pose[:, 19:22] = l_ankle[:, None, :] + foot
    pose[:, 22:25] = r_ankle[:, None, :] + foot * [-1.0, 1.0]
    return Frames(pose, face_px, hands[1], hands[-1], ears[..., 2] + HEAD_PIVOT[2], sw)
