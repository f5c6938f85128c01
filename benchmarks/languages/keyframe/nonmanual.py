"""Non-manual channels per frame: brows, mouth, blinks, head and torso movement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import geometry as g
from .body import Signer
from .lexicon import Sign
from .motion import Motion


@dataclass(frozen=True)
class Nonmanual:
    """Face and posture over time; angles in radians (pitch > 0: chin down)."""

    brow: np.ndarray  # > 0 raised, < 0 furrowed
    mouth_open: np.ndarray
    mouth_round: np.ndarray
    puff: np.ndarray
    blink: np.ndarray
    head: np.ndarray  # (T, 3): pitch, yaw, roll
    torso: np.ndarray  # (T, 3): pitch, yaw, roll


def _envelope(t: np.ndarray, start: float, end: float, ramp: float = 0.12) -> np.ndarray:
    return g.smoothstep((t - start + ramp) / ramp) * g.smoothstep((end + ramp - t) / ramp)


def nonmanual(
    motion: Motion,
    marks: tuple[tuple[str, int, int], ...],
    signs: list[Sign],
    signer: Signer,
    rng: np.random.Generator,
) -> Nonmanual:
    t = motion.t
    n = len(t)
    brow, mouth_open, mouth_round, puff = (np.zeros(n) for _ in range(4))
    head = 0.03 * g.smooth_noise(rng, t, 3, (0.1, 0.6))
    torso = np.radians(signer.sway) * g.smooth_noise(rng, t, 3, (0.08, 0.4))
    for kind, first, end in marks:
        start, stop = motion.spans[first][0] - 0.15, motion.spans[end - 1][1] + 0.05
        env = _envelope(t, start, stop)
        if kind == "yn":
            brow += 1.0 * env
            head[:, 0] += 0.14 * env
        elif kind == "wh":
            brow -= 0.9 * env
            head[:, 0] += 0.05 * env
            head[:, 2] += 0.08 * env
        elif kind == "neg":
            brow -= 0.35 * env
            head[:, 1] += 0.2 * env * np.sin(2 * np.pi * 2.2 * (t - start))
        elif kind == "topic":
            brow += 0.9 * env
            head[:, 0] -= 0.1 * env
    for (start, stop), sign in zip(motion.spans, signs, strict=True):
        if sign.mouth == "none":
            continue
        env = _envelope(t, start, stop, 0.08)
        if sign.mouth == "open":
            mouth_open += 0.7 * env
        elif sign.mouth == "round":
            mouth_round += 0.9 * env
            mouth_open += 0.25 * env
        else:
            puff += 1.0 * env
    signing = _envelope(t, motion.spans[0][0], motion.spans[-1][1], 0.2)
    mouthing = np.clip(g.smooth_noise(rng, t, 1, (1.5, 4.0))[:, 0], 0, None)
    mouth_open += 0.18 * signing * mouthing
    blink = np.zeros(n)
    moment = float(rng.uniform(0.3, 2.5))
    while moment < t[-1]:
        blink = np.maximum(blink, np.clip(1 - np.abs(t - moment) / 0.09, 0, 1))
        moment += float(rng.uniform(1.8, 5.0))
    return Nonmanual(
        np.clip(brow, -1.2, 1.5), np.clip(mouth_open, 0, 1), mouth_round, puff, blink, head, torso
    )
