"""Timeline of one clip: per-frame control channels (targets, angles, curls, face)."""

from __future__ import annotations

import math

import numpy as np

from .grammar import Sentence
from .lexicon import (
    BASE_HAND_PLACE,
    PLACES,
    RELAXED,
    SignForm,
    move_curves,
    orientation_radians,
)
from .lexicon import shape_array as _shape
from .signers import Signer
from .spec import Spec

# channels of one arm: palm-centre target, reach, hand angles, handshape
TX, TY, REACH, ALPHA, BETA, PHI = range(6)
SHAPE = slice(6, 17)
CURLS = slice(6, 14)
ARM = 17
DOM, NON = 0, ARM  # column offsets of the dominant and the other arm (canonical right-handed)
G = 2 * ARM  # face and trunk channels follow
YAW, PITCH, ROLL, BROW_UP, BROW_KNIT, MOUTH, LEAN = range(G, G + 7)
NCH = G + 7
ANGLES = (ALPHA, PHI, NON + ALPHA, NON + PHI)


def _arm(
    x: float, y: float, reach: float, angles: tuple[float, float, float], shape: np.ndarray
) -> np.ndarray:
    row = np.empty(ARM)
    row[:6] = (x, y, reach, *angles)
    row[SHAPE] = shape
    return row


def mirror_arm(a: np.ndarray) -> np.ndarray:
    """The same arm channels for the other hand (reflection about the body's midline)."""
    m = a.copy()
    m[..., TX] = -a[..., TX]
    m[..., ALPHA] = math.pi - a[..., ALPHA]
    m[..., PHI] = -a[..., PHI]
    return m


def rest_row(signer: Signer) -> np.ndarray:
    """Both arms at rest, canonical (dominant = right arm)."""
    relaxed = _shape(RELAXED)
    if signer.rest == "clasp":
        dom = _arm(-0.03, 1.02, 0.25, (math.radians(15), 0.0, math.radians(120)), relaxed)
        non = mirror_arm(
            _arm(-0.07, 1.07, 0.25, (math.radians(25), 0.0, math.radians(110)), relaxed)
        )
    else:
        dom = _arm(-0.32, 1.15, 0.15, (math.radians(75), 0.0, math.radians(150)), relaxed)
        non = mirror_arm(dom)
    row = np.zeros(NCH)
    row[DOM : DOM + ARM] = dom
    row[NON : NON + ARM] = non
    return row


def ready_row(signer: Signer, rng: np.random.Generator) -> np.ndarray:
    """Hands held at the waist, ready to sign: where signing pauses rather than stops."""
    relaxed = _shape(RELAXED)
    row = rest_row(signer)
    dom = _arm(
        -0.22 + rng.normal(0, 0.04),
        0.78 + rng.normal(0, 0.05),
        0.45,
        (math.radians(-10), 0.0, math.radians(100)),
        relaxed,
    )
    non = mirror_arm(
        _arm(
            -0.24 + rng.normal(0, 0.04),
            0.8 + rng.normal(0, 0.05),
            0.45,
            (math.radians(-5), 0.0, math.radians(110)),
            relaxed,
        )
    )
    row[DOM : DOM + ARM] = dom
    row[NON : NON + ARM] = non
    return row


def _min_jerk(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """n frames strictly between rows a and b; angle channels take the short way round."""
    d = b - a
    for k in ANGLES:
        d[k] = (d[k] + math.pi) % (2.0 * math.pi) - math.pi
    tau = np.arange(1, n + 1) / (n + 1.0)
    w = tau**3 * (10.0 - 15.0 * tau + 6.0 * tau * tau)
    return a[None, :] + w[:, None] * d[None, :]


def sign_block(
    form: SignForm,
    places: dict[str, tuple[float, float, float]],
    idle: np.ndarray,
    n: int,
    amp: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Channels for one sign token of n frames (face channels left at zero)."""
    t = np.arange(n) / max(n - 1, 1)
    s = np.clip((t - 0.12) / 0.76, 0.0, 1.0)
    px, py, preach = places[form.place]
    if PLACES[form.place][0] == "head":
        amp *= 0.6  # movements on the face are small
    px += rng.normal(0.0, 0.015)
    py += rng.normal(0.0, 0.015)
    if form.hands in ("symmetric", "alternating") and abs(px) < 0.18:
        px = -0.2  # two hands side by side, not on top of each other
    a, b, p = orientation_radians(form.orientation)
    shape1, shape2 = _shape(form.shape), _shape(form.shape2)

    def one_arm(phase: float) -> np.ndarray:
        cv = move_curves(form.move, form.direction, form.reps, s, amp, phase)
        arm = np.empty((n, ARM))
        arm[:, TX] = px - cv.offset[:, 0]  # movement x is "towards the dominant side" = -x
        arm[:, TY] = py + cv.offset[:, 1]
        arm[:, REACH] = preach + cv.reach
        arm[:, ALPHA] = a
        arm[:, BETA] = b
        arm[:, PHI] = p + cv.roll
        arm[:, SHAPE] = shape1[None, :] + cv.morph[:, None] * (shape2 - shape1)[None, :]
        arm[:, 6:14:2] += cv.wiggle
        arm[:, 7:14:2] += cv.wiggle
        arm[:, CURLS] = np.clip(arm[:, CURLS], 0.0, 1.0)
        return arm

    block = np.zeros((n, NCH))
    block[:, DOM : DOM + ARM] = one_arm(0.0)
    if form.hands == "one":
        block[:, NON : NON + ARM] = idle[NON : NON + ARM]
    elif form.hands == "symmetric":
        block[:, NON : NON + ARM] = mirror_arm(block[:, DOM : DOM + ARM])
    elif form.hands == "alternating":
        block[:, NON : NON + ARM] = mirror_arm(one_arm(1.0))
    else:  # a static base hand, palm up, fingers towards the midline
        bx, by, br = BASE_HAND_PLACE
        base = _arm(-bx, by, br, (math.pi, 0.0, -math.pi / 2), _shape(form.base_shape))
        block[:, NON : NON + ARM] = base
    return block


def plan_clip(
    sentence: Sentence,
    lexicon: dict[str, SignForm],
    signer: Signer,
    places: dict[str, tuple[float, float, float]],
    spec: Spec,
    rng: np.random.Generator,
) -> np.ndarray:
    """All channels of one clip, shape (frames, NCH), canonical right-handed."""
    rest, ready = rest_row(signer), ready_row(signer, rng)
    # a clip is cut from running signing: it starts and ends between rest and ready
    first = rest + rng.uniform(0.0, 1.0) * (ready - rest)
    last = rest + rng.uniform(0.0, 1.0) * (ready - rest)
    speed = signer.speed * rng.uniform(0.93, 1.07)
    fps_k = 1.0 / speed

    def frames(lo_hi: tuple[int, int], extra: float = 0.0) -> int:
        lo, hi = lo_hi
        return max(2, round((rng.uniform(lo, hi + 1) + extra) * fps_k))

    pieces: list[np.ndarray] = [np.repeat(first[None, :], frames(spec.rest_frames), axis=0)]
    prev = first
    n_signs = len(sentence.glosses)
    topic_end = -1
    if spec.word_order == "topic":
        while topic_end + 1 < n_signs and sentence.roles[topic_end + 1] in (
            "obj",
            "adj",
            "num",
            "art",
        ):
            topic_end += 1
    wh_raise = spec.wh_brows == "raise"
    for i, (gloss, role) in enumerate(zip(sentence.glosses, sentence.roles, strict=True)):
        form = lexicon[gloss]
        n = frames(spec.sign_frames, 0.0) * (1.0 + 0.5 * (form.reps - 1))
        n = max(4, round(n))
        # repeated movements are smaller
        amp = signer.amplitude * rng.uniform(0.9, 1.1) * (1.0 - 0.15 * (form.reps - 1))
        block = sign_block(form, places, ready, n, amp, rng)
        # face and head: the grammar's non-manual markers
        tt = np.arange(n) / spec.fps
        if sentence.kind == "yn":
            block[:, BROW_UP] = 1.0
            block[:, PITCH] = 0.12
            block[:, ROLL] = 0.04
        elif sentence.kind == "wh":
            strength = 1.0 if role == "wh" else 0.75
            block[:, BROW_UP if wh_raise else BROW_KNIT] = strength
            block[:, PITCH] = -0.04 if wh_raise else 0.05
        if i <= topic_end:
            block[:, BROW_UP] = 0.9
            block[:, PITCH] = -0.06
        if sentence.kind == "neg" and role in ("verb", "neg"):
            hz = rng.uniform(2.0, 3.0)
            block[:, YAW] = 0.28 * np.sin(2.0 * math.pi * hz * tt)
        if role in ("subj", "obj", "verb", "place") and rng.random() < 0.7:
            k = rng.integers(1, 4)
            bumps = np.abs(np.sin(math.pi * k * np.arange(n) / max(n - 1, 1)))
            block[:, MOUTH] = rng.uniform(0.2, 0.6) * bumps
        block[:, LEAN] = rng.normal(0.0, 0.015)
        # transition into the sign: longer for longer distances and after a topic
        dist = math.hypot(block[0, TX] - prev[TX], block[0, TY] - prev[TY])
        extra = 0.3 * spec.fps * dist + (4.0 if i == topic_end + 1 and topic_end >= 0 else 0.0)
        if i == 0:
            extra += 3.0
        pieces.append(_min_jerk(prev, block[0], frames(spec.transition_frames, extra)))
        pieces.append(block)
        prev = block[-1]
    pieces.append(_min_jerk(prev, last, frames(spec.transition_frames, 3.0)))
    pieces.append(np.repeat(last[None, :], frames(spec.rest_frames), axis=0))
    return np.concatenate(pieces, axis=0)
