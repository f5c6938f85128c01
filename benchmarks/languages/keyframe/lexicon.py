"""Sign forms: each gloss becomes 2-4 keyframes of place, handshape and palm orientation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .body import SHAPE_NAMES
from .spec import Spec

T = TypeVar("T")

# Directions in a hand's canonical frame (right hand: medial is +x).
_DIRS = {
    "F": (0, 0, 1),
    "K": (0, 0, -1),
    "U": (0, 1, 0),
    "D": (0, -1, 0),
    "M": (1, 0, 0),
    "L": (-1, 0, 0),
}
# (palm faces, fingers point)
ORIENTATION_NAMES = ("FU", "KU", "MU", "DF", "UF", "MF", "DM", "UM", "KM", "FM", "LU", "MD")


def _orientation(name: str) -> np.ndarray:
    z, y = np.array(_DIRS[name[0]], float), np.array(_DIRS[name[1]], float)
    return np.column_stack([np.cross(y, z), y, z])  # columns: thumb side, fingers, palm


ORIENTATIONS = np.stack([_orientation(n) for n in ORIENTATION_NAMES])

# Wrist positions of the location grid, relative to the neck (canonical frame).
COLUMNS = (-0.22, -0.12, -0.03, 0.06)  # lateral .. across the body
ROWS = (0.15, 0.03, -0.09, -0.21)  # head, chin, chest, belly
DEPTHS = (0.2, 0.32)
CONTACTS = (
    "forehead",
    "temple",
    "nose",
    "chin",
    "mouth",
    "cheek",
    "ear",
    "chest",
    "chest_side",
    "shoulder_opp",
    "belly",
)
SIDE_CONTACTS = ("temple", "cheek", "ear", "chest_side")  # usable by both hands at once
BASE_SPOTS = ("palm", "above", "fingers", "back", "under", "side")
PATHS = ("straight", "arc+", "arc-", "circle+", "circle-", "zigzag")
LOCAL_MOVES = ("none", "wiggle", "twist", "nod")
_STEPS = np.array(
    [
        [0, 1, 0],
        [0, -1, 0],
        [0, 0, 1],
        [0, 0, -1],
        [1, 0, 0],
        [-1, 0, 0],
        [0.7, 0.7, 0],
        [0, -0.7, 0.7],
    ],
    float,
)
_DEFAULT_SHAPES = ("B", "5", "1", "A")
_DEFAULT_ORIENTS = ("DF", "MF", "FU")
_CONTACT_ORIENTS = {"face": ("KU", "KM", "MU"), "body": ("KM", "KU"), "shoulder_opp": ("KM", "DM")}
_BASE_SHAPES = ("B", "5", "S", "1", "C")
_BASE_ORIENTS = ("UF", "MF", "DF")
BASE_PLACE = (-0.10, -0.20, 0.30)  # the holding hand, in its own canonical frame


@dataclass(frozen=True)
class Keyframe:
    """A target posture of the moving hand."""

    place: str  # "cell:c.r.d", a body landmark, or "base:<spot>" (on the holding hand)
    offset: tuple[float, float, float]  # metres added to the place
    shape: str
    orient: str
    path: str  # how the hand travels into this keyframe


@dataclass(frozen=True)
class Sign:
    """One lexical sign."""

    gloss: str
    keyframes: tuple[Keyframe, ...]
    hands: str  # one, mirror, alternate, base
    base_shape: str
    base_orient: str
    cycles: int
    local: str
    mouth: str  # none, open, round, puff
    speed: float
    channel: str  # location, handshape, movement: what sets it apart

    def key(self) -> tuple:
        """What must differ between two signs."""
        frames = tuple(
            (k.place, tuple(np.round(k.offset, 2)), k.shape, k.orient, k.path)
            for k in self.keyframes
        )
        return (frames, self.hands, self.base_shape, self.base_orient, self.cycles, self.local)


def place_position(place: str) -> np.ndarray | None:
    """Canonical wrist position of a grid cell relative to the neck; None for other places."""
    if not place.startswith("cell:"):
        return None
    c, r, d = (int(v) for v in place[5:].split("."))
    return np.array([COLUMNS[c], ROWS[r], DEPTHS[d]])


def _choice(rng: np.random.Generator, items: Sequence[T], p: list[float] | None = None) -> T:
    if p is not None:
        p = list(np.asarray(p, float) / np.sum(p))
    return items[int(rng.choice(len(items), p=p))]


def _cell(rng: np.random.Generator, neutral: bool, columns: int = 4) -> str:
    if neutral:
        c, r = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    else:
        c, r = int(rng.integers(columns)), int(rng.integers(4))
    return f"cell:{c}.{r}.{int(rng.integers(2))}"


# The grid cell (column, row) each landmark lies in, for choosing nearby keyframes.
_CONTACT_CELLS = {
    "forehead": (2, 0),
    "temple": (1, 0),
    "nose": (2, 0),
    "chin": (2, 1),
    "mouth": (2, 1),
    "cheek": (1, 1),
    "ear": (1, 0),
    "chest": (2, 2),
    "chest_side": (1, 2),
    "shoulder_opp": (3, 2),
    "belly": (2, 3),
}


def _place_near(rng: np.random.Generator, previous: str, contact_share: float, paired: bool) -> str:
    """A first place anywhere, or a place next to `previous` (one cell away at most)."""
    columns = 3 if paired else 4
    contacts = SIDE_CONTACTS if paired else CONTACTS
    if not previous:
        if rng.random() < contact_share:
            return _choice(rng, contacts)
        return _cell(rng, False, columns)
    if previous in _CONTACT_CELLS:
        c, r = _CONTACT_CELLS[previous]
    else:
        c, r = (int(v) for v in previous[5:].split(".")[:2])
    near = [
        k
        for k in contacts
        if max(abs(_CONTACT_CELLS[k][0] - c), abs(_CONTACT_CELLS[k][1] - r)) <= 1
    ]
    if near and rng.random() < contact_share:
        return _choice(rng, near)
    cells = [
        (c + dc, r + dr)
        for dc in (-1, 0, 1)
        for dr in (-1, 0, 1)
        if 0 <= c + dc < columns and 0 <= r + dr < 4
    ]
    cc, rr = _choice(rng, cells)
    depth = int(previous[-1]) if previous.startswith("cell:") else 0
    if rng.random() < 0.3:
        depth = 1 - depth
    return f"cell:{cc}.{rr}.{depth}"


def _contact_orient(rng: np.random.Generator, place: str) -> str:
    if place == "shoulder_opp":
        return _choice(rng, _CONTACT_ORIENTS["shoulder_opp"])
    body = place in ("chest", "chest_side", "belly")
    return _choice(rng, _CONTACT_ORIENTS["body" if body else "face"])


def _sign(gloss: str, spec: Spec, rng: np.random.Generator) -> Sign:
    channel = _choice(rng, ("location", "handshape", "movement"), list(spec.channel_weights))
    n = int(rng.integers(spec.keyframes[0], spec.keyframes[1] + 1))
    hands = "one"
    if rng.random() < spec.two_handed_share:
        hands = _choice(rng, ("mirror", "alternate", "base"), list(spec.two_handed_kinds))
    paired = hands in ("mirror", "alternate")
    base_shape = _choice(rng, _BASE_SHAPES) if hands == "base" else ""
    base_orient = _choice(rng, _BASE_ORIENTS) if hands == "base" else ""
    shape = _choice(rng, _DEFAULT_SHAPES, [0.35, 0.3, 0.2, 0.15])
    orient = _choice(rng, _DEFAULT_ORIENTS, [0.4, 0.4, 0.2])
    zero = (0.0, 0.0, 0.0)
    frames: list[Keyframe] = []
    cycles = 1
    local = "none"
    repeat_share = spec.repetition_share

    if channel == "location":
        previous = ""
        contact_orient = ""
        for _ in range(n):
            for _ in range(50):
                if hands == "base":
                    place = "base:" + _choice(rng, BASE_SPOTS)
                else:
                    place = _place_near(rng, previous, spec.contact_share, paired)
                if place != previous:
                    break
            previous = place
            kf_orient = orient
            if place in CONTACTS:
                contact_orient = contact_orient or _contact_orient(rng, place)
                kf_orient = contact_orient
            frames.append(Keyframe(place, zero, shape, kf_orient, "straight"))
    elif channel == "handshape":
        if hands == "base":
            place = "base:" + _choice(rng, ("above", "palm", "side"))
        elif rng.random() < spec.contact_share / 2:
            place = _choice(rng, SIDE_CONTACTS if paired else CONTACTS)
        else:
            place = _cell(rng, True)
        drift = rng.normal(0, 1, 3)
        drift = 0.04 * drift / np.linalg.norm(drift)
        shapes = list(SHAPE_NAMES)
        orients = list(ORIENTATION_NAMES)
        if place in CONTACTS:
            orients = [_contact_orient(rng, place)]
        previous_shape = ""
        for i in range(n):
            kf_shape = _choice(rng, [s for s in shapes if s != previous_shape])
            previous_shape = kf_shape
            kf_orient = _choice(rng, orients) if i == 0 or rng.random() < 0.5 else frames[-1].orient
            offset = tuple(float(v) for v in np.round(drift * (i % 2), 3))
            frames.append(Keyframe(place, offset, kf_shape, kf_orient, "straight"))
    else:  # movement
        place = "base:above" if hands == "base" else _cell(rng, True)
        position = np.zeros(3)
        frames.append(Keyframe(place, zero, shape, orient, "straight"))
        for _ in range(n - 1):
            step = _STEPS[int(rng.integers(len(_STEPS)))] * _choice(rng, (0.08, 0.15))
            position = position + step
            path = _choice(rng, PATHS, [0.3, 0.15, 0.15, 0.1, 0.1, 0.2])
            offset = tuple(float(v) for v in np.round(position, 3))
            frames.append(Keyframe(place, offset, shape, orient, path))
        local = _choice(rng, LOCAL_MOVES, [0.45, 0.2, 0.2, 0.15])
        repeat_share = min(1.0, 2 * repeat_share)

    if rng.random() < repeat_share:
        cycles = int(rng.integers(2, max(2, spec.max_repetitions) + 1))
    mouth = "none"
    if rng.random() < spec.lexical_mouth_share:
        mouth = _choice(rng, ("open", "round", "puff"))
    return Sign(
        gloss,
        tuple(frames),
        hands,
        base_shape,
        base_orient,
        cycles,
        local,
        mouth,
        float(rng.uniform(0.85, 1.15)),
        channel,
    )


def build_lexicon(glosses: list[str], spec: Spec, rng: np.random.Generator) -> dict[str, Sign]:
    """A distinct sign for every gloss."""
    lexicon: dict[str, Sign] = {}
    seen: set[tuple] = set()
    for gloss in glosses:
        for _ in range(1000):
            sign = _sign(gloss, spec, rng)
            if sign.key() not in seen:
                break
        else:
            raise RuntimeError(f"could not find a distinct sign for {gloss}")
        seen.add(sign.key())
        lexicon[gloss] = sign
    return lexicon


def describe(sign: Sign) -> str:
    """A short, readable form of a sign (for language.json)."""
    frames = " > ".join(
        f"{k.place}{'' if not any(k.offset) else '+' + ','.join(f'{v:g}' for v in k.offset)}"
        f"/{k.shape}/{k.orient}{'' if k.path == 'straight' else '~' + k.path}"
        for k in sign.keyframes
    )
    extra = [sign.hands]
    if sign.hands == "base":
        extra.append(f"base {sign.base_shape}/{sign.base_orient}")
    if sign.cycles > 1:
        extra.append(f"x{sign.cycles}")
    if sign.local != "none":
        extra.append(sign.local)
    if sign.mouth != "none":
        extra.append(f"mouth {sign.mouth}")
    return f"{frames} [{', '.join(extra)}]"
