"""Sign forms: handshapes, palm orientations, places, movements, and the lexicon builder."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .spec import Spec

# -------------------------------------------------------------------------- handshapes
# (index, middle, ring, little) as (knuckle curl, middle-joint curl) in [0, 1],
# finger spread in [0, 1], thumb (curl across the palm, opposition) in [0, 1]
Handshape = tuple[tuple[tuple[float, float], ...], float, tuple[float, float]]
_C = (0.95, 1.0)  # curled finger
_S = (0.0, 0.0)  # straight finger
HANDSHAPES: dict[str, Handshape] = {
    "fist": ((_C, _C, _C, _C), 0.0, (0.7, 0.5)),
    "A": ((_C, _C, _C, _C), 0.0, (0.0, 0.0)),
    "flat": ((_S, _S, _S, _S), 0.0, (0.4, 0.6)),
    "five": ((_S, _S, _S, _S), 1.0, (0.0, 0.0)),
    "index": ((_S, _C, _C, _C), 0.0, (0.7, 0.7)),
    "V": ((_S, _S, _C, _C), 0.9, (0.7, 0.7)),
    "W": ((_S, _S, _S, _C), 0.7, (0.8, 0.8)),
    "three": ((_S, _S, _C, _C), 0.8, (0.0, 0.1)),
    "L": ((_S, _C, _C, _C), 0.3, (0.0, 0.0)),
    "Y": ((_C, _C, _C, _S), 0.6, (0.0, 0.0)),
    "I": ((_C, _C, _C, _S), 0.0, (0.7, 0.6)),
    "C": (((0.35, 0.45),) * 4, 0.1, (0.2, 0.5)),
    "O": (((0.55, 0.75),) * 4, 0.0, (0.5, 0.9)),
    "X": (((0.2, 0.95), _C, _C, _C), 0.0, (0.6, 0.6)),
    "bent": (((0.85, 0.0),) * 4, 0.0, (0.3, 0.5)),
    "claw": (((0.25, 0.85),) * 4, 1.0, (0.4, 0.3)),
    "horns": ((_S, _C, _C, _S), 0.7, (0.7, 0.6)),
    "flatO": (((0.65, 0.15),) * 4, 0.0, (0.45, 1.0)),
}
RELAXED: Handshape = (((0.3, 0.35),) * 4, 0.3, (0.2, 0.3))
BASE_SHAPES = ("flat", "fist", "five")

# ------------------------------------------------------------------ palm orientations
# canonical for the right hand (image left): finger direction alpha in the image plane
# (degrees, image y points down: -90 = fingers up, 0 = towards the body's midline),
# beta = tilt of the fingers towards the camera, phi = forearm roll (0 = palm to camera)
ORIENTATIONS: dict[str, tuple[float, float, float]] = {
    "up-palm-out": (-90.0, 0.0, 0.0),
    "up-palm-in": (-90.0, 0.0, 180.0),
    "up-palm-side": (-80.0, 0.0, 85.0),
    "across-palm-down": (0.0, 10.0, -90.0),
    "across-palm-up": (0.0, 10.0, 90.0),
    "across-palm-out": (5.0, 0.0, 0.0),
    "diagonal-palm-out": (-45.0, 0.0, 0.0),
    "diagonal-palm-in": (-50.0, 10.0, 170.0),
    "forward-palm-down": (-60.0, 55.0, -90.0),
    "forward-palm-side": (-70.0, 50.0, 90.0),
    "down-palm-in": (60.0, 15.0, 180.0),
    "outward-palm-out": (-150.0, 0.0, 0.0),
}

# ----------------------------------------------------------------------------- places
# name: (anchor, x, y, reach); x is positive towards the dominant side. Head places are in
# face widths from the top of the nose bridge, body places in shoulder widths from the neck.
# reach 0 = at the body, 1 = arm stretched towards the camera (foreshortens the arm)
PLACES: dict[str, tuple[str, float, float, float]] = {
    "forehead": ("head", 0.05, -0.4, 0.3),
    "temple": ("head", 0.55, -0.15, 0.3),
    "nose": ("head", 0.1, 0.3, 0.3),
    "mouth": ("head", 0.05, 0.55, 0.3),
    "chin": ("head", 0.05, 0.85, 0.3),
    "cheek": ("head", 0.45, 0.4, 0.3),
    "ear": ("head", 0.7, 0.15, 0.3),
    "throat": ("body", 0.05, -0.02, 0.15),
    "chest": ("body", 0.0, 0.38, 0.15),
    "chest-side": ("body", 0.3, 0.32, 0.1),
    "shoulder-other": ("body", -0.42, 0.1, 0.1),
    "shoulder": ("body", 0.45, 0.08, 0.1),
    "stomach": ("body", 0.05, 0.85, 0.15),
    "neutral": ("body", 0.2, 0.5, 0.6),
    "neutral-high": ("body", 0.3, -0.2, 0.55),
    "neutral-low": ("body", 0.15, 0.85, 0.5),
    "neutral-side": ("body", 0.75, 0.45, 0.4),
    "neutral-centre": ("body", -0.05, 0.55, 0.7),
    "base-hand": ("base", 0.0, -0.12, 0.5),
}
SIDE_OF_HEAD = ("temple", "cheek", "ear", "chin")
BASE_HAND_PLACE = (-0.12, 0.62, 0.5)  # where the non-dominant base hand stands (x as above)

# -------------------------------------------------------------------------- movements
_DIRS = {
    "up": (0.0, -1.0),
    "down": (0.0, 1.0),
    "in": (-1.0, 0.0),
    "out": (1.0, 0.0),
    "up-in": (-0.7, -0.7),
    "up-out": (0.7, -0.7),
    "down-in": (-0.7, 0.7),
    "down-out": (0.7, 0.7),
}
MOVES: list[tuple[str, str]] = (
    [("hold", "")]
    + [("stroke", d) for d in _DIRS]
    + [("arc", d) for d in ("up", "down", "in", "out")]
    + [("circle", "cw"), ("circle", "ccw")]
    + [("zigzag", "down"), ("zigzag", "in")]
    + [("tap", ""), ("shake", ""), ("wiggle", ""), ("twist", ""), ("open", ""), ("close", "")]
    + [("push", "")]
)
STILL_MOVES = {"hold", "wiggle", "twist", "open", "close"}  # no path of the wrist


@dataclass(frozen=True)
class SignForm:
    """The phonological form of one sign."""

    gloss: str
    shape: str
    shape2: str  # the final handshape of open/close signs, else the same as shape
    orientation: str
    place: str
    move: str
    direction: str
    reps: int
    hands: str  # "one", "symmetric", "alternating" or "base"
    base_shape: str

    def key(self) -> tuple:
        return (
            self.shape,
            self.orientation,
            self.place,
            self.move,
            self.direction,
            self.reps,
            self.hands,
        )


def _lerp_count(lo: int, hi: int, w: float) -> int:
    return max(1, round(lo + (hi - lo) * w))


def build_lexicon(spec: Spec, glosses: list[str], rng: np.random.Generator) -> dict[str, SignForm]:
    """One distinct sign form per gloss; `meaning_weight` sets which parameters vary."""
    w = spec.meaning_weight
    shape_names = list(HANDSHAPES)
    orient_names = list(ORIENTATIONS)
    place_names = [p for p in PLACES if p != "base-hand"]
    move_names = list(range(len(MOVES)))

    n_shapes = _lerp_count(2, len(shape_names), w)
    n_orients = _lerp_count(1, len(orient_names), w)
    n_places = _lerp_count(len(place_names), 2, w)
    n_moves = _lerp_count(len(move_names), 3, w)

    def subset(names: list, n: int, must: list | None = None) -> list:
        chosen = list(must or [])
        rest = [x for x in names if x not in chosen]
        extra = rng.choice(len(rest), size=max(0, n - len(chosen)), replace=False)
        return chosen + [rest[i] for i in sorted(extra)]

    shapes = subset(shape_names, n_shapes, ["flat" if w < 0.5 else "index"][:n_shapes])
    orients = subset(orient_names, n_orients, ["up-palm-out"])
    places = subset(place_names, n_places, ["neutral"])
    # a handshape language keeps to paths that show the hand well; a path language to paths
    moves = subset(move_names, n_moves, [0] if w > 0.5 else [1])

    forms: dict[str, SignForm] = {}
    seen: set[tuple] = set()
    p_two = spec.two_handed
    mix = np.asarray(spec.two_handed_mix, dtype=float)
    mix = mix / mix.sum()
    for gloss in glosses:
        for attempt in range(10_000):
            hands = "one"
            if rng.random() < p_two:
                hands = ("symmetric", "alternating", "base")[int(rng.choice(3, p=mix))]
            move, direction = MOVES[moves[int(rng.integers(len(moves)))]]
            if hands == "alternating" and move in STILL_MOVES and attempt < 5000:
                continue
            place = places[int(rng.integers(len(places)))]
            if hands == "base":
                place = "base-hand"
            elif (
                hands != "one"
                and PLACES[place][0] == "head"
                and (hands == "alternating" or place not in SIDE_OF_HEAD)
            ):
                place = "neutral"  # two hands on the head only side by side
            reps = 1
            if move not in ("hold",) and rng.random() < spec.repetition:
                reps = int(rng.integers(2, 4))
            shape = shapes[int(rng.integers(len(shapes)))]
            shape2 = shape
            if move == "open":
                shape2 = "five" if shape != "five" else "flat"
            elif move == "close":
                shape2 = "fist" if shape not in ("fist", "A") else "flatO"
            orient = orients[int(rng.integers(len(orients)))]
            base_shape = BASE_SHAPES[int(rng.integers(len(BASE_SHAPES)))]
            form = SignForm(
                gloss, shape, shape2, orient, place, move, direction, reps, hands, base_shape
            )
            if form.key() not in seen:
                seen.add(form.key())
                forms[gloss] = form
                break
        else:
            raise RuntimeError("could not find distinct sign forms; widen the inventories")
    return forms


def inventory_sizes(forms: dict[str, SignForm]) -> dict[str, int]:
    """How many distinct values each parameter takes over the lexicon."""
    fs = list(forms.values())
    return {
        "handshapes": len({f.shape for f in fs} | {f.shape2 for f in fs}),
        "orientations": len({f.orientation for f in fs}),
        "places": len({f.place for f in fs}),
        "movements": len({(f.move, f.direction) for f in fs}),
        "two_handed": sum(f.hands != "one" for f in fs),
        "repeated": sum(f.reps > 1 for f in fs),
    }


# ------------------------------------------------------------------- movement curves
def _tri(c: np.ndarray) -> np.ndarray:
    """Triangle wave of period 1: 0 at whole cycles, 1 at half cycles, eased at the turns."""
    x = 1.0 - np.abs(2.0 * (c % 1.0) - 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass
class MoveCurves:
    """Offsets a movement adds to the held pose, per frame of the sign."""

    offset: np.ndarray  # (n, 2) place offset in shoulder widths (canonical right hand)
    reach: np.ndarray  # (n,)
    roll: np.ndarray  # (n,) added to phi, radians
    morph: np.ndarray  # (n,) 0 = shape, 1 = shape2
    wiggle: np.ndarray  # (n, 4) added finger curl


def move_curves(
    move: str, direction: str, reps: int, s: np.ndarray, amp: float, phase: float = 0.0
) -> MoveCurves:
    """Curves for phase s in [0, 1] over the whole movement; phase shifts by half cycles."""
    n = s.shape[0]
    off = np.zeros((n, 2))
    reach = np.zeros(n)
    roll = np.zeros(n)
    morph = np.zeros(n)
    wig = np.zeros((n, 4))
    half = reps - 0.5  # cycles of an out-and-back movement that ends at the far end
    c = s * half + 0.5 * phase
    if move == "stroke":
        d = np.asarray(_DIRS[direction])
        off = (_tri(c) - 0.5)[:, None] * (0.32 * amp) * d
    elif move == "arc":
        d = np.asarray(_DIRS[direction])
        perp = np.array([d[1], -d[0]])
        t = _tri(c) * math.pi
        off = (-np.cos(t) * 0.16 * amp)[:, None] * d + (np.sin(t) * 0.1 * amp)[:, None] * perp
    elif move == "circle":
        sign = 1.0 if direction == "cw" else -1.0
        t = 2.0 * math.pi * (s * reps + 0.5 * phase)
        r = 0.12 * amp
        off = np.stack([r * np.sin(sign * t), -r * np.cos(t)], axis=1)
    elif move == "zigzag":
        d = np.asarray(_DIRS[direction])
        perp = np.array([d[1], -d[0]])
        along = (s - 0.5) * 0.34 * amp
        zig = (_tri(s * (1.5 + reps) + 0.5 * phase) - 0.5) * 0.12 * amp
        off = along[:, None] * d + zig[:, None] * perp
    elif move == "tap":
        k = 0.5 * (1.0 - np.cos(2.0 * math.pi * (s * reps + 0.5 * phase)))
        off = k[:, None] * np.array([0.04, 0.07]) * amp
        reach = 0.25 * k
    elif move == "shake":
        off[:, 0] = np.sin(2.0 * math.pi * (s * (1.5 + reps) + 0.5 * phase)) * 0.06 * amp
    elif move == "wiggle":
        t = 2.0 * math.pi * (s * (2 + reps) + 0.5 * phase)
        wig = 0.35 * np.sin(t[:, None] + np.arange(4)[None, :] * 0.9)
    elif move == "twist":
        roll = (_tri(c) - 0.5) * 1.6
    elif move in ("open", "close"):
        morph = _tri(c)
    elif move == "push":
        k = _tri(c)
        reach = 0.35 * k
        off[:, 1] = 0.05 * amp * k
    return MoveCurves(off, reach, roll, morph, wig)


def shape_array(name: str | Handshape) -> np.ndarray:
    """A handshape as 11 numbers: 8 finger curls, spread, thumb curl, thumb opposition."""
    hs = HANDSHAPES[name] if isinstance(name, str) else name
    fingers, spread, thumb = hs
    out = np.zeros(11)
    out[:8] = np.asarray(fingers, dtype=float).reshape(8)
    out[8] = spread
    out[9:11] = thumb
    return out


def orientation_radians(name: str) -> tuple[float, float, float]:
    a, b, p = ORIENTATIONS[name]
    return math.radians(a), math.radians(b), math.radians(p)
