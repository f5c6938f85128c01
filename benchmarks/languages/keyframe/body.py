"""The 3-D signer: body proportions, a face mesh of 70 landmarks, articulated hands, arm IK."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import normalize
from .spec import Spec

# Body frame: metres, origin at the mid-hip, x toward the signer's left, y up, z forward.
# Every hand is computed as a right hand in its own "canonical" frame (the lateral side is -x);
# a physical left hand is that result mirrored in x.

# Median How2Sign face (68 landmarks + 2 pupils), in units of the distance between the eyes,
# origin between the eyes, y downwards: made symmetric below.
# fmt: off
_FACE_2D = np.array([
    [-0.85, 0.041], [-0.887, 0.33], [-0.903, 0.621], [-0.874, 0.918], [-0.792, 1.195],
    [-0.654, 1.449], [-0.478, 1.655], [-0.235, 1.813], [0.042, 1.875], [0.357, 1.849],
    [0.641, 1.736], [0.878, 1.566], [1.048, 1.354], [1.21, 1.089], [1.312, 0.778],
    [1.345, 0.453], [1.364, 0.125], [-0.729, -0.329], [-0.623, -0.434], [-0.452, -0.455],
    [-0.281, -0.42], [-0.127, -0.374], [0.267, -0.345], [0.477, -0.417], [0.698, -0.437],
    [0.919, -0.344], [1.071, -0.178], [0.042, -0.078], [0.014, 0.107], [-0.019, 0.287],
    [-0.038, 0.48], [-0.203, 0.672], [-0.12, 0.708], [-0.026, 0.729], [0.07, 0.704],
    [0.168, 0.676], [-0.584, -0.022], [-0.483, -0.104], [-0.33, -0.093], [-0.207, 0.009],
    [-0.34, 0.041], [-0.487, 0.044], [0.384, 0.027], [0.516, -0.057], [0.669, -0.046],
    [0.785, 0.048], [0.66, 0.084], [0.511, 0.066], [-0.358, 1.131], [-0.247, 1.012],
    [-0.129, 0.959], [-0.03, 0.993], [0.076, 0.969], [0.236, 1.023], [0.416, 1.145],
    [0.248, 1.221], [0.098, 1.257], [-0.024, 1.262], [-0.131, 1.248], [-0.247, 1.207],
    [-0.289, 1.123], [-0.13, 1.064], [-0.027, 1.077], [0.082, 1.073], [0.337, 1.13],
    [0.082, 1.116], [-0.025, 1.123], [-0.13, 1.109], [-0.403, -0.049], [0.586, -0.009],
])
# fmt: on
_PAIRS = [(i, 16 - i) for i in range(8)] + [(17 + i, 26 - i) for i in range(5)]
_PAIRS += [(31, 35), (32, 34), (36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]
_PAIRS += [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58), (60, 64), (61, 63), (65, 67)]
_PAIRS += [(68, 69)]
_SELF = [8, 27, 28, 29, 30, 33, 51, 57, 62, 66]

BROWS = np.arange(17, 27)
INNER_BROWS = np.array([20, 21, 22, 23])
LOWER_LIP = np.array([55, 56, 57, 58, 59, 65, 66, 67])
UPPER_LID = np.array([37, 38, 43, 44])
LIP_CORNERS = np.array([48, 54, 60, 64])
JAW_LOW = np.arange(4, 13)
CHEEKS = np.array([2, 3, 4, 5, 11, 12, 13, 14])


def _face_template() -> np.ndarray:
    """Symmetric face (70, 3) in metres around the eye midpoint, x left, y up, z forward."""
    f = _FACE_2D.copy()
    f[:, 0] -= f[[27, 28, 29, 30], 0].mean()
    out = f.copy()
    for a, b in _PAIRS:
        x = (f[b, 0] - f[a, 0]) / 2
        y = (f[a, 1] + f[b, 1]) / 2
        out[a] = (-x, y)
        out[b] = (x, y)
    out[_SELF, 0] = 0.0
    iod = 0.064
    xy = out * iod * np.array([1.0, -1.0])
    half_width = 0.085
    depth = 0.085 * np.sqrt(np.clip(1 - (xy[:, 0] / (half_width * 1.08)) ** 2, 0.05, 1))
    depth[27:31] += np.array([0.004, 0.012, 0.02, 0.03])
    depth[31:36] += 0.012
    depth[36:48] -= 0.006
    depth[48:68] += 0.006
    depth[:17] -= 0.012 * (1 - np.abs(np.arange(17) - 8) / 8)  # the chin sits back a little
    return np.column_stack([xy, depth - 0.085])


FACE = _face_template()

# --- hands -------------------------------------------------------------------------------
# Local hand frame: x toward the thumb side, y along the fingers, z out of the palm.
_MCP = np.array(
    [[0.024, 0.090, 0.0], [0.004, 0.093, 0.003], [-0.015, 0.088, 0.002], [-0.032, 0.078, -0.002]]
)
_PHALANX = np.array(
    [[0.043, 0.025, 0.020], [0.047, 0.029, 0.022], [0.044, 0.027, 0.021], [0.034, 0.020, 0.019]]
)
_SPLAY = np.radians([4.0, 0.0, -4.0, -9.0])
_CMC = np.array([0.021, 0.024, 0.008])
_THUMB = np.array([0.040, 0.032, 0.027])
PALM_CENTRE = np.array([0.0, 0.05, 0.014])

_FINGER = {  # mcp, pip, dip flexion in degrees
    "E": (0, 0, 0),
    "B": (80, 5, 5),
    "C": (35, 40, 25),
    "O": (45, 55, 35),
    "W": (15, 70, 50),
    "F": (88, 100, 65),
    "H": (10, 90, 70),
    "P": (55, 15, 10),
    "R": (20, 25, 15),
}
_THUMBS = {  # spread, opposition, mcp, ip in degrees
    "out": (58, 5, 0, 0),
    "side": (12, 0, 5, 5),
    "across": (15, 30, 55, 35),
    "touch": (40, 62, 20, 15),
    "curve": (45, 40, 15, 10),
    "rest": (30, 20, 10, 5),
}
_SPREAD = (10.0, 2.0, -6.0, -14.0)
_TOGETHER = (0.0, 0.0, 0.0, -2.0)

# name: (index, middle, ring, little states), spread?, thumb
_SHAPES = {
    "B": ("EEEE", False, "across"),
    "5": ("EEEE", True, "out"),
    "A": ("FFFF", False, "side"),
    "S": ("FFFF", False, "across"),
    "1": ("EFFF", False, "across"),
    "V": ("EEFF", True, "across"),
    "U": ("EEFF", False, "across"),
    "W": ("EEEF", True, "across"),
    "Y": ("FFFE", True, "out"),
    "L": ("EFFF", False, "out"),
    "I": ("FFFE", False, "across"),
    "C": ("CCCC", False, "curve"),
    "O": ("OOOO", False, "touch"),
    "X": ("HFFF", False, "across"),
    "3": ("EEFF", True, "out"),
    "bentB": ("BBBB", False, "side"),
    "claw": ("WWWW", True, "curve"),
    "F": ("OEEE", True, "touch"),
    "horns": ("EFFE", True, "across"),
    "flatO": ("PPPP", False, "touch"),
    "rest": ("RRRR", False, "rest"),
}
SHAPE_NAMES = tuple(n for n in _SHAPES if n != "rest")


def shape_angles(name: str) -> np.ndarray:
    """The 20 joint angles (radians) of a named handshape: 4 x (mcp, pip, dip, spread), thumb."""
    fingers, spread, thumb = _SHAPES[name]
    out = []
    for i, state in enumerate(fingers):
        out += [*_FINGER[state], (_SPREAD if spread else _TOGETHER)[i]]
    return np.radians(np.array([*out, *_THUMBS[thumb]], float))


SHAPES = np.stack([shape_angles(n) for n in SHAPE_NAMES])
REST_SHAPE = shape_angles("rest")


def _bend(d: np.ndarray, toward: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate unit directions `d` toward `toward` by `angle` (vectorised over rows)."""
    q = toward - np.sum(toward * d, axis=-1, keepdims=True) * d
    q = normalize(q)
    return np.cos(angle)[..., None] * d + np.sin(angle)[..., None] * q


def hand_points(angles: np.ndarray, size: float = 1.0) -> np.ndarray:
    """Forward kinematics: (T, 20) angles -> (T, 21, 3) points in the local hand frame."""
    n = angles.shape[0]
    out = np.zeros((n, 21, 3))
    x, y, z = np.eye(3)
    for f in range(4):
        mcp, pip, dip, spread = (angles[:, 4 * f + k] for k in range(4))
        a = spread + _SPLAY[f]
        along = np.cos(a)[:, None] * y + np.sin(a)[:, None] * x
        base = _MCP[f] * size
        out[:, 5 + 4 * f] = base
        point = np.broadcast_to(base, (n, 3))
        total = np.zeros(n)
        for k, flex in enumerate((mcp, pip, dip)):
            total = total + flex
            direction = np.cos(total)[:, None] * along + np.sin(total)[:, None] * z
            point = point + _PHALANX[f, k] * size * direction
            out[:, 6 + 4 * f + k] = point
    spread, oppose, mcp, ip = (angles[:, 16 + k] for k in range(4))
    d = np.cos(spread)[:, None] * y + np.sin(spread)[:, None] * x
    d = _bend(d, np.broadcast_to(normalize(np.array([-0.25, 0.0, 1.0])), (n, 3)), oppose)
    cmc = _CMC * size
    out[:, 1] = cmc
    point = cmc + _THUMB[0] * size * d
    out[:, 2] = point
    across = np.broadcast_to(normalize(np.array([-1.0, 0.15, 0.1])), (n, 3))
    for k, flex in enumerate((mcp, ip)):
        d = _bend(d, across, flex)
        point = point + _THUMB[1 + k] * size * d
        out[:, 3 + k] = point
    return out


def contact_point(angles: np.ndarray, size: float) -> np.ndarray:
    """The part of a hand that touches: the index tip if the index is straight, else the palm."""
    if angles[0] < 0.6 and angles[1] < 0.6:
        return hand_points(angles[None], size)[0, 8]
    return PALM_CENTRE * size


# --- arms ----------------------------------------------------------------------------------
def arm_ik(
    shoulder: np.ndarray, wrist: np.ndarray, upper: float, fore: float, pole: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Elbows (T, 3) for wrist targets (T, 3); targets out of reach are pulled in."""
    d = wrist - shoulder
    dist = np.linalg.norm(d, axis=1)
    u = d / np.maximum(dist, 1e-9)[:, None]
    reach = np.clip(dist, abs(upper - fore) + 0.02, 0.985 * (upper + fore))
    wrist = shoulder + u * reach[:, None]
    a = (upper**2 - fore**2 + reach**2) / (2 * reach)
    r = np.sqrt(np.maximum(upper**2 - a**2, 0.0))
    v = pole - np.sum(pole * u, axis=1, keepdims=True) * u
    v = normalize(v)
    return shoulder + u * a[:, None] + v * r[:, None], wrist


# --- signers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signer:
    """One person: proportions, handedness and habits."""

    index: int
    left_handed: bool
    shoulder: float  # half width
    hip: float  # half width
    torso: float  # mid-hip to neck
    neck: float  # neck base to the eyes
    upper_arm: float
    forearm: float
    hand: float  # hand size factor
    head: float  # head size factor
    space: float  # signing-space scale
    space_shift: tuple[float, float, float]
    tempo: float  # > 1: faster
    sway: float  # idle body sway, degrees
    rest: str  # "clasp" or "open" (hands apart, palms up)
    precision: float  # spread of their keyframes, metres
    detect_bias: float  # how well the detector sees their hands


def sample_signer(index: int, spec: Spec, rng: np.random.Generator, left_handed: bool) -> Signer:
    r = spec.proportion_range

    def vary(value: float, spread: float = 1.0) -> float:
        return float(value * (1 + rng.uniform(-r, r) * spread))

    size = 1 + rng.uniform(-r, r)
    return Signer(
        index=index,
        left_handed=left_handed,
        shoulder=vary(0.152 * size),
        hip=vary(0.105 * size),
        torso=vary(0.46 * size),
        neck=vary(0.2 * size, 0.5),
        upper_arm=vary(0.29 * size, 0.7),
        forearm=vary(0.26 * size, 0.7),
        hand=vary(size, 0.5),
        head=vary(1.0, 0.5),
        space=float(rng.uniform(0.88, 1.12)),
        space_shift=(
            float(rng.normal(0, 0.02)),
            float(rng.normal(0, 0.02)),
            float(rng.normal(0, 0.02)),
        ),
        tempo=float(1 + rng.uniform(-spec.tempo_range, spec.tempo_range)),
        sway=float(rng.uniform(0.4, 1.8)),
        rest="clasp" if rng.random() < 0.5 else "open",
        precision=float(rng.uniform(0.008, 0.02)),
        detect_bias=float(rng.normal(0, 0.06)),
    )


@dataclass(frozen=True)
class Frame:
    """A signer's rest skeleton: pose points, the face and where the head turns."""

    pose: np.ndarray  # (25, 3); elbows and wrists are placeholders
    face: np.ndarray  # (70, 3), body frame
    head_pivot: np.ndarray  # (3,)
    r_shoulder: np.ndarray  # canonical shoulder of a hand (the right one)
    landmarks: dict[str, tuple[np.ndarray, np.ndarray]]  # canonical point, outward normal


def rest_frame(s: Signer) -> Frame:
    neck = np.array([0.0, s.torso, 0.0])
    eyes = neck + np.array([0.0, s.neck, 0.065 * s.head])
    face = eyes + FACE * s.head
    pose = np.zeros((25, 3))
    pose[1] = neck
    pose[2] = neck + np.array([-s.shoulder, -0.008, -0.012])
    pose[5] = neck + np.array([s.shoulder, -0.008, -0.012])
    pose[3], pose[6] = pose[2] + [-0.03, -0.28, 0.0], pose[5] + [0.03, -0.28, 0.0]
    pose[4], pose[7] = pose[3] + [0.0, -0.25, 0.05], pose[6] + [0.0, -0.25, 0.05]
    pose[9], pose[12] = [-s.hip, 0.0, 0.0], [s.hip, 0.0, 0.0]
    pose[10], pose[13] = [-s.hip, -0.45, 0.02], [s.hip, -0.45, 0.02]
    pose[11], pose[14] = [-s.hip * 1.05, -0.88, -0.02], [s.hip * 1.05, -0.88, -0.02]
    for ankle, big, small, heel in ((14, 19, 20, 21), (11, 22, 23, 24)):
        side = np.sign(pose[ankle, 0])
        pose[big] = pose[ankle] + [side * -0.02, -0.06, 0.17]
        pose[small] = pose[ankle] + [side * 0.04, -0.06, 0.15]
        pose[heel] = pose[ankle] + [0.0, -0.07, -0.05]
    pose[0] = face[30] + [0.0, 0.006, 0.0]
    pose[15], pose[16] = face[36:42].mean(0), face[42:48].mean(0)
    ear = np.array([1.18 * 0.064 * s.head, -0.4 * 0.064 * s.head, -0.03 * s.head])
    pose[17], pose[18] = eyes + ear * [-1, 1, 1], eyes + ear
    pivot = neck + np.array([0.0, 0.12 * s.head, 0.0])
    fwd = np.array([0.0, 0.0, 1.0])
    cheek = 0.55 * face[2] + 0.45 * face[31] + [0.0, 0.0, 0.01]  # on the hand's own side (-x)
    landmarks = {
        "forehead": (eyes + np.array([0.0, 0.055 * s.head, 0.012]), fwd),
        "temple": (
            eyes + np.array([-0.068 * s.head, 0.03 * s.head, -0.01]),
            normalize(np.array([-1.0, 0, 0.6])),
        ),
        "nose": (face[30], fwd),
        "chin": (face[8] + [0.0, 0.008, 0.0], normalize(np.array([0, -0.4, 1.0]))),
        "mouth": (face[62], fwd),
        "cheek": (cheek, normalize(np.array([-0.5, 0, 1.0]))),
        "ear": (pose[17] + [-0.01, 0.0, 0.0], normalize(np.array([-1.0, 0, 0.2]))),
        "chest": (neck + np.array([0.0, -0.13, 0.11]), fwd),
        "chest_side": (neck + np.array([-0.09, -0.12, 0.1]), fwd),
        "shoulder_opp": (pose[5] + [-0.01, 0.02, 0.06], normalize(np.array([0, 0.5, 1.0]))),
        "belly": (neck + np.array([0.0, -0.34, 0.12]), fwd),
    }
    return Frame(pose, face, pivot, pose[2].copy(), landmarks)
