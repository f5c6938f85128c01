"""A clip's timeline: when each sign happens, and what hands and face do in every frame.

`plan_segments` decides durations only (cheap, and all that clip lengths need); `articulate`
turns the plan into one articulator vector per frame: for each hand its wrist (body
units), rotation and shape, then the facial markers, the head's yaw and the body's sway.
Between two signs the articulators are interpolated over a few transition frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .handshapes import HANDSHAPES, REST_SHAPE, SHAPE_DIMS
from .signers import Signer
from .signs import BASE_HAND, FACIAL_MARKERS, LOCATIONS, ORIENTATIONS, Sign
from .sizes import SynthSize

# Layout of the articulator vector.
HAND_DIMS = 2 + 3 + SHAPE_DIMS  # wrist (x, y), rotation (yaw, pitch, roll), shape
WRIST, ROTATION, SHAPE = slice(0, 2), slice(2, 5), slice(5, HAND_DIMS)
RIGHT, LEFT = 0, HAND_DIMS  # where each hand's block starts
FACE = slice(2 * HAND_DIMS, 2 * HAND_DIMS + len(FACIAL_MARKERS))
HEAD_YAW = FACE.stop
SWAY = slice(HEAD_YAW + 1, HEAD_YAW + 3)
DIMS = SWAY.stop

_REST_WRIST = (-0.2, 1.0)  # right hand; the left mirrors it
_PAUSE_WRIST = (-0.22, 0.85)
_REST_ROTATION = (70.0, -20.0, 120.0)  # palm up and in, fingers across the body
_SYMMETRIC_SPREAD = 0.12  # two-handed symmetric signs keep the hands this far from the midline
_AMPLITUDE = 0.3  # body units of a straight movement
_MARKER = {name: i for i, name in enumerate(FACIAL_MARKERS)}


@dataclass(frozen=True)
class Segment:
    """A stretch of frames: the rest pose, a sign, a hold of it, a pause or a transition."""

    kind: str  # "rest", "sign", "hold", "pause" or "transition"
    frames: int
    sign: int = -1  # the gloss index, for "sign" and "hold"


def plan_segments(
    signs: Sequence[Sign],
    clause_starts: Sequence[int],
    size: SynthSize,
    speed: float,
    rng: np.random.Generator,
) -> tuple[Segment, ...]:
    """Durations of every part of a clip signing `signs` at `speed`."""

    def between(bounds: tuple[int, int], slower: bool = True) -> int:
        frames = int(rng.integers(bounds[0], bounds[1] + 1))
        return max(1, round(frames / speed)) if slower else frames

    segments = [Segment("rest", between(size.rest_frames, slower=False))]
    for i, sign in enumerate(signs):
        if i in clause_starts and i > 0:
            segments += [Segment("transition", between(size.transition_frames)),
                         Segment("pause", between(size.pause_frames))]  # fmt: skip
        segments.append(Segment("transition", between(size.transition_frames)))
        low, high = size.sign_frames
        frames = (low + sign.length * (high - low)) / speed * rng.uniform(0.9, 1.1)
        segments.append(Segment("sign", max(3, round(frames)), i))
        if rng.random() < size.hold_probability:
            segments.append(Segment("hold", between(size.hold_frames), i))
    segments += [Segment("transition", between(size.transition_frames)),
                 Segment("rest", between(size.rest_frames, slower=False))]  # fmt: skip
    return tuple(segments)


def clip_frames(segments: Sequence[Segment]) -> int:
    """Number of frames of a planned clip."""
    return sum(s.frames for s in segments)


def _hand_row(wrist: Sequence[float], rotation: Sequence[float], shape: np.ndarray) -> np.ndarray:
    return np.concatenate([wrist, rotation, shape])


def _still(right: np.ndarray, left: np.ndarray, frames: int) -> np.ndarray:
    """`frames` identical rows with both hands given and a neutral face.  -> (F, DIMS)"""
    row = np.zeros(DIMS)
    row[RIGHT : RIGHT + HAND_DIMS] = right
    row[LEFT : LEFT + HAND_DIMS] = left
    return np.repeat(row[None], frames, axis=0)


def _mirrored(wrist: Sequence[float]) -> tuple[float, float]:
    return (-wrist[0], wrist[1])


Path = Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]]
# Wrist displacement (dx, dy) over progress s (F,) for a movement of size a (body units).
_PATHS: dict[str, Path] = {
    "hold": lambda s, a: (0 * s, 0 * s),
    "twist": lambda s, a: (0 * s, 0 * s),  # the wrist rolls instead, see _TWIST
    "wiggle": lambda s, a: (0 * s, 0 * s),  # the fingers flutter instead
    "up": lambda s, a: (0 * s, -a * s),
    "down": lambda s, a: (0 * s, a * s),
    "outward": lambda s, a: (-a * s, 0 * s),
    "inward": lambda s, a: (a * s, 0 * s),
    "diagonal": lambda s, a: (0.7 * a * s, -0.7 * a * s),
    "arc": lambda s, a: (-0.5 * a * np.cos(np.pi * s), -0.5 * a * np.sin(np.pi * s)),
    "circle": lambda s, a: (
        0.45 * a * np.sin(2 * np.pi * s),
        -0.45 * a * (1 - np.cos(2 * np.pi * s)),
    ),
    "zigzag": lambda s, a: (a * s, 0.35 * a * (1 - 2 * np.abs((3 * s) % 1 - 0.5))),
    "tap": lambda s, a: (0 * s, -0.15 * a * (1 - np.cos(4 * np.pi * s))),
    "shake": lambda s, a: (0.4 * a * np.sin(4 * np.pi * s), 0 * s),
}
_TWIST = 70.0  # degrees the wrist rolls through in a "twist"


def _sign_rows(sign: Sign, frames: int, signer: Signer, rng: np.random.Generator) -> np.ndarray:
    """Articulators over the frames of one sign.  -> (F, DIMS)"""
    s = np.linspace(0.0, 1.0, frames)
    location = np.add(LOCATIONS[sign.location], signer.reach) + rng.normal(0.0, 0.015, 2)
    if sign.hands == "symmetric":
        location[0] = min(location[0], -_SYMMETRIC_SPREAD)
    size = _AMPLITUDE * signer.amplitude * rng.uniform(0.95, 1.05)
    offset = np.stack(_PATHS[sign.movement](s, size), axis=-1)  # (F, 2)
    rotation = np.add(ORIENTATIONS[sign.orientation], rng.normal(0.0, 4.0, 3))
    shape = HANDSHAPES[sign.handshape] + rng.normal(0.0, 2.0, SHAPE_DIMS)

    rows = np.zeros((frames, DIMS))
    right = rows[:, RIGHT : RIGHT + HAND_DIMS]
    right[:, WRIST] = location + offset
    right[:, ROTATION] = rotation
    if sign.movement == "twist":
        right[:, ROTATION][:, 2] += _TWIST * (s - 0.5)
    right[:, SHAPE] = shape
    if sign.movement == "wiggle":  # fingers flutter in turn
        phase = 2 * np.pi * (3 * s[:, None] + np.arange(4) / 4)  # (F, 4)
        right[:, SHAPE][:, 0:12:3] += 25.0 * np.sin(phase)
        right[:, SHAPE][:, 1:12:3] += 20.0 * np.sin(phase)
    left = rows[:, LEFT : LEFT + HAND_DIMS]
    if sign.hands == "symmetric":
        left[:] = right
        left[:, 0] = -right[:, 0]
    elif sign.hands == "base":
        left[:] = _hand_row(_mirrored(BASE_HAND), ORIENTATIONS["up"], HANDSHAPES["B"])
    else:
        left[:] = _hand_row(_mirrored(_REST_WRIST), _REST_ROTATION, REST_SHAPE)
    if sign.facial:
        rows[:, FACE.start + _MARKER[sign.facial]] = np.minimum(1.0, 4 * np.minimum(s, 1 - s) + 0.3)
    if sign.head_shake:
        rows[:, HEAD_YAW] = 18.0 * np.sin(2 * np.pi * 2 * s)
    return rows


def _interpolate(start: np.ndarray, end: np.ndarray, frames: int) -> np.ndarray:
    """Eased transition strictly between two articulator rows.  -> (F, DIMS)"""
    t = np.arange(1, frames + 1) / (frames + 1)
    weight = (t * t * (3 - 2 * t))[:, None]  # smoothstep
    return (1 - weight) * start + weight * end


def _sway(frames: int, rng: np.random.Generator) -> np.ndarray:
    """Slow body sway, two random sinusoids per axis.  -> (F, 2) body units"""
    t = np.arange(frames)[:, None, None]
    period = rng.uniform(40.0, 140.0, (1, 2, 2))
    phase = rng.uniform(0.0, 2 * np.pi, (1, 2, 2))
    amplitude = rng.uniform(0.004, 0.012, (1, 2, 2))
    return (amplitude * np.sin(2 * np.pi * t / period + phase)).sum(axis=1)


def articulate(
    segments: Sequence[Segment],
    signs: Sequence[Sign],
    clauses: Sequence[tuple[int, int, str]],
    signer: Signer,
    rng: np.random.Generator,
) -> np.ndarray:
    """Articulator vectors for every frame of a planned clip.  -> (T, DIMS)"""
    rest_right = _hand_row(_REST_WRIST, _REST_ROTATION, REST_SHAPE)
    rest_left = _hand_row(_mirrored(_REST_WRIST), _REST_ROTATION, REST_SHAPE)
    pause_right = _hand_row(_PAUSE_WRIST, _REST_ROTATION, REST_SHAPE)
    pause_left = _hand_row(_mirrored(_PAUSE_WRIST), _REST_ROTATION, REST_SHAPE)
    blocks: list[np.ndarray | None] = []
    for segment in segments:
        if segment.kind == "rest":
            blocks.append(_still(rest_right, rest_left, segment.frames))
        elif segment.kind == "pause":
            blocks.append(_still(pause_right, pause_left, segment.frames))
        elif segment.kind == "sign":
            blocks.append(_sign_rows(signs[segment.sign], segment.frames, signer, rng))
        elif segment.kind == "hold":
            previous = blocks[-1]
            assert previous is not None
            blocks.append(np.repeat(previous[-1:], segment.frames, axis=0))
        else:
            blocks.append(None)  # transitions are filled once both neighbours exist
    for i, segment in enumerate(segments):
        if blocks[i] is None:
            before, after = blocks[i - 1], blocks[i + 1]
            assert before is not None and after is not None
            blocks[i] = _interpolate(before[-1], after[0], segment.frames)
    rows = np.concatenate([b for b in blocks if b is not None])  # (T, DIMS)
    _mark_questions(rows, segments, clauses)
    rows[:, SWAY] = _sway(len(rows), rng)
    return rows


def _mark_questions(
    rows: np.ndarray, segments: Sequence[Segment], clauses: Sequence[tuple[int, int, str]]
) -> None:
    """Raised brows over a yes/no question's signs, furrowed ones over a wh-question's."""
    starts = np.cumsum([0] + [s.frames for s in segments])
    for first, end, kind in clauses:
        marker = {"yes_no": "brows_raised", "wh": "brows_furrowed"}.get(kind)
        if marker is None:
            continue
        inside = [i for i, s in enumerate(segments) if s.sign >= 0 and first <= s.sign < end]
        column = FACE.start + _MARKER[marker]
        span = slice(starts[inside[0]], starts[inside[-1] + 1])
        rows[span, column] = np.maximum(rows[span, column], 1.0)
