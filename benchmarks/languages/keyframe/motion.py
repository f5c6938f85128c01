"""Manual motion: keyframes of a sign sequence -> per-frame wrist, handshape and palm rotation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import geometry as g
from .body import (
    PALM_CENTRE,
    REST_SHAPE,
    SHAPE_NAMES,
    SHAPES,
    Frame,
    Signer,
    contact_point,
    hand_points,
)
from .lexicon import (
    BASE_PLACE,
    CONTACTS,
    ORIENTATION_NAMES,
    ORIENTATIONS,
    Keyframe,
    Sign,
    place_position,
)
from .spec import Spec

# Both hands are planned in their own canonical frames on one shared list of knots; between
# knots every channel follows a minimum-jerk profile (a hold is two equal knots), paths may arc,
# loop or zigzag on top, and local movements (finger wiggle, wrist twist or nod) ride on a sign.

_MIRROR = np.array([-1.0, 1.0, 1.0])
_PATH_CODES = {"straight": 0, "arc+": 1, "arc-": 2, "circle+": 3, "circle-": 4, "zigzag": 5}
_LOCAL_CODES = {"none": 0, "wiggle": 1, "twist": 2, "nod": 3}


@dataclass
class _Pose:
    pos: np.ndarray  # (3,) canonical wrist
    shape: np.ndarray  # (20,)
    quat: np.ndarray  # (4,)


@dataclass
class _Plan:
    times: list[float] = field(default_factory=list)
    dom: list[_Pose] = field(default_factory=list)
    non: list[_Pose] = field(default_factory=list)
    paths: list[int] = field(default_factory=list)  # path of the segment that ends at knot i
    spans: list[tuple[float, float]] = field(default_factory=list)  # per sign token
    locals_: list[tuple[float, float, int, bool]] = field(default_factory=list)

    def add(self, time: float, dom: _Pose, non: _Pose, path: int = 0) -> None:
        self.times.append(time)
        self.dom.append(dom)
        self.non.append(non)
        self.paths.append(path)


@dataclass(frozen=True)
class Motion:
    """Per-frame hand channels, in canonical frames, plus each sign token's time span."""

    t: np.ndarray
    dom_pos: np.ndarray
    dom_shape: np.ndarray
    dom_rot: np.ndarray
    non_pos: np.ndarray
    non_shape: np.ndarray
    non_rot: np.ndarray
    spans: list[tuple[float, float]]


def _orient_quat(name: str, rng: np.random.Generator, wobble: float) -> np.ndarray:
    m = ORIENTATIONS[ORIENTATION_NAMES.index(name)]
    m = g.rotvec_matrix(rng.normal(0, wobble, 3)) @ m
    return g.quat_from_matrix(m)


def _shape(name: str, rng: np.random.Generator) -> np.ndarray:
    return SHAPES[SHAPE_NAMES.index(name)] + rng.normal(0, 0.06, 20)


class _Planner:
    """Resolves places of one signer into canonical wrist targets."""

    def __init__(self, signer: Signer, frame: Frame, rng: np.random.Generator) -> None:
        self.s, self.f, self.rng = signer, frame, rng
        self.neck = frame.pose[1]
        shift = np.array(signer.space_shift)
        self.origin = self.neck + shift
        if signer.rest == "clasp":
            rest_pos, rest_orient = np.array([-0.04, -0.32, 0.18]), "KM"
        else:
            rest_pos, rest_orient = np.array([-0.11, -0.36, 0.17]), "UM"
        self.rest = _Pose(
            self.neck + rest_pos, REST_SHAPE.copy(), _orient_quat(rest_orient, rng, 0.08)
        )
        idle = self.neck + rest_pos + np.array([0.0, 0.04, 0.03])
        self.idle = _Pose(idle, REST_SHAPE.copy(), _orient_quat(rest_orient, rng, 0.08))

    def cell(self, place: str) -> np.ndarray | None:
        p = place_position(place)
        return None if p is None else self.origin + self.s.space * p

    def base_pose(self, sign: Sign) -> _Pose:
        pos = self.origin + self.s.space * np.array(BASE_PLACE)
        return _Pose(
            pos, _shape(sign.base_shape, self.rng), _orient_quat(sign.base_orient, self.rng, 0.06)
        )

    def keyframe(self, k: Keyframe, base: _Pose | None) -> _Pose:
        quat = _orient_quat(k.orient, self.rng, 0.1)
        shape = _shape(k.shape, self.rng)
        rot = g.quat_to_matrix(quat)
        size = self.s.hand
        offset = np.array(k.offset) * self.s.space + self.rng.normal(0, self.s.precision, 3)
        pos = self.cell(k.place)
        if pos is None and k.place in CONTACTS:
            point, normal = self.f.landmarks[k.place]
            pos = point + 0.012 * normal - rot @ contact_point(shape, size)
        elif pos is None:  # on the holding hand, seen from this hand's canonical frame
            assert base is not None
            b_rot = g.quat_to_matrix(base.quat)
            centre = (base.pos + b_rot @ (PALM_CENTRE * size)) * _MIRROR
            normal = b_rot[:, 2] * _MIRROR
            tip = (base.pos + b_rot @ hand_points(base.shape[None], size)[0, 12]) * _MIRROR
            spot = k.place[5:]
            touch = {
                "palm": centre + 0.015 * normal,
                "fingers": tip + 0.01 * normal,
                "back": centre - 0.035 * normal,
            }
            if spot in touch:
                pos = touch[spot] - rot @ contact_point(shape, size)
            else:
                near = {
                    "above": [0.0, 0.12, 0.0],
                    "under": [0.0, -0.10, 0.0],
                    "side": [-0.09, 0.0, 0.0],
                }[spot]
                pos = centre + np.array(near) - rot @ (PALM_CENTRE * size)
        return _Pose(pos + offset, shape, quat)


def plan_sentence(
    signs: list[Sign],
    signer: Signer,
    frame: Frame,
    spec: Spec,
    rng: np.random.Generator,
    pause_after: int | None = None,
) -> Motion:
    """Motion of a signed sentence (rest, signs, rest). `pause_after`: token index to pause."""
    planner = _Planner(signer, frame, rng)
    pace = 1.0 / signer.tempo

    def dur(span: tuple[float, float], factor: float = 1.0) -> float:
        return float(rng.uniform(*span)) * pace * factor

    plan = _Plan()
    now = 0.0
    plan.add(now, planner.rest, planner.rest)
    now += dur(spec.rest_s)
    plan.add(now, planner.rest, planner.rest)
    for index, sign in enumerate(signs):
        speed = 1.0 / sign.speed
        first_move = dur(spec.transition_s, 1.2 if index == 0 else 1.0)
        base = planner.base_pose(sign) if sign.hands == "base" else None
        kfs = [planner.keyframe(k, base) for k in sign.keyframes]
        n = len(kfs)
        order = list(range(n)) * sign.cycles
        paths = [_PATH_CODES[sign.keyframes[i].path] for i in order]
        start_time = None
        for step, i in enumerate(order):
            if step == 0:
                gap, path = first_move, 0
            elif i == 0:  # back to the start for the next cycle
                gap, path = dur(spec.move_s, 0.7 * speed), 0
            else:
                gap, path = dur(spec.move_s, speed), paths[step]
            if sign.hands == "one":
                non = planner.idle
            elif sign.hands == "mirror":
                non = kfs[i]
            elif sign.hands == "alternate":
                non = kfs[(i + 1) % n]
            else:
                assert base is not None
                non = base
            now += max(gap, _travel(plan, kfs[i], non, path) / (spec.speed_cap * signer.tempo))
            plan.add(now, kfs[i], non, path)
            if start_time is None:
                start_time = now
            last = step == len(order) - 1
            hold = dur(spec.hold_s, speed * (0.5 if sign.cycles > 1 else 1.0))
            if last:
                hold += dur(spec.end_hold_s, speed)
            if pause_after is not None and index == pause_after and last:
                hold += 0.18 * pace
            now += hold
            plan.add(now, kfs[i], non)
        assert start_time is not None
        plan.spans.append((start_time, now))
        if sign.local != "none":
            plan.locals_.append((start_time, now, _LOCAL_CODES[sign.local], sign.hands != "one"))
    home = _travel(plan, planner.rest, planner.rest, 0) / (spec.speed_cap * signer.tempo)
    now += max(dur(spec.transition_s, 1.2), home)
    plan.add(now, planner.rest, planner.rest)
    now += dur(spec.rest_s)
    plan.add(now, planner.rest, planner.rest)
    return _evaluate(plan, spec.fps, rng)


_EXTRA_PATH = {0: 0.0, 1: 0.03, 2: 0.03, 3: 0.22, 4: 0.22, 5: 0.24}  # metres beyond straight


def _travel(plan: _Plan, dom: _Pose, non: _Pose, path: int) -> float:
    """How far the busier hand travels from the last knot to the next (metres)."""
    far = max(
        np.linalg.norm(dom.pos - plan.dom[-1].pos), np.linalg.norm(non.pos - plan.non[-1].pos)
    )
    return float(far) + _EXTRA_PATH[path]


def _path_offsets(pos: np.ndarray, paths: np.ndarray, idx: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Offsets of arcs, loops and zigzags on top of straight segments: (T, 3)."""
    d = pos[1:] - pos[:-1]  # (K-1, 3)
    length = np.linalg.norm(d, axis=1)
    up = np.array([0.0, 1.0, 0.0])
    e1 = np.cross(d, up)
    flat = np.linalg.norm(e1, axis=1) < 1e-6 * np.maximum(length, 1e-9)
    e1[flat] = np.cross(d[flat], np.array([0.0, 0.0, 1.0]))
    e1 = g.normalize(e1)
    e2 = g.normalize(np.cross(e1, d))
    code = paths[1:][idx]  # the path of the segment ending at knot idx + 1
    a1, a2, amp = e1[idx], e2[idx], np.maximum(length[idx], 0.05)
    ps = np.pi * s
    offset = np.zeros((len(s), 3))
    arc = 0.3 * amp * np.sin(ps)
    offset += np.where((code == 1)[:, None], a2 * arc[:, None], 0.0)
    offset += np.where((code == 2)[:, None], -a2 * arc[:, None], 0.0)
    loop = 0.035
    circ1 = a1 * (np.sin(2 * ps) * loop)[:, None] + a2 * ((1 - np.cos(2 * ps)) * loop)[:, None]
    circ2 = a1 * (np.sin(2 * ps) * loop)[:, None] - a2 * ((1 - np.cos(2 * ps)) * loop)[:, None]
    offset += np.where((code == 3)[:, None], circ1, 0.0)
    offset += np.where((code == 4)[:, None], circ2, 0.0)
    zig = a1 * (0.02 * np.sin(6 * ps))[:, None]
    offset += np.where((code == 5)[:, None], zig, 0.0)
    return offset


def _evaluate(plan: _Plan, fps: float, rng: np.random.Generator) -> Motion:
    times = np.asarray(plan.times)
    count = int(np.floor(times[-1] * fps)) + 1
    t = np.arange(count) / fps
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[idx + 1] - times[idx], 1e-6)
    s = g.min_jerk((t - times[idx]) / span)
    paths = np.asarray(plan.paths)
    out = {}
    for side, poses in (("dom", plan.dom), ("non", plan.non)):
        pos = np.stack([p.pos for p in poses])
        shape = np.stack([p.shape for p in poses])
        quat = np.stack([p.quat for p in poses])
        # keep consecutive quaternions on one hemisphere
        for k in range(1, len(quat)):
            if np.dot(quat[k - 1], quat[k]) < 0:
                quat[k] = -quat[k]
        p = pos[idx] + s[:, None] * (pos[idx + 1] - pos[idx])
        p = p + _path_offsets(pos, paths, idx, s)
        out[side + "_pos"] = p
        out[side + "_shape"] = shape[idx] + s[:, None] * (shape[idx + 1] - shape[idx])
        out[side + "_rot"] = g.quat_to_matrix(g.slerp(quat[idx], quat[idx + 1], s))
    for start, end, code, both in plan.locals_:
        env = g.smoothstep((t - start) / 0.08) * g.smoothstep((end - t) / 0.08)
        if not env.any():
            continue
        phase = rng.uniform(0, 2 * np.pi)
        for side in ("dom", "non") if both else ("dom",):
            if code == 1:  # finger wiggle: flex the fingers out of phase
                for f in range(4):
                    wave = 0.35 * env * np.sin(2 * np.pi * 5.0 * t + phase + f * 1.2)
                    out[side + "_shape"][:, 4 * f] += wave
                    out[side + "_shape"][:, 4 * f + 1] += 0.6 * wave
            else:  # twist about the fingers' axis, or nod about the thumb's
                angle = (0.5 if code == 2 else 0.4) * env * np.sin(2 * np.pi * 3.0 * t + phase)
                local = g.rot_y(angle) if code == 2 else g.rot_x(angle)
                out[side + "_rot"] = out[side + "_rot"] @ local
    return Motion(t=t, spans=plan.spans, **out)
