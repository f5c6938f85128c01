"""Each gloss's sign: hand shape, location, movement, hands, palm orientation, facial marker.

A sign is derived from its gloss by a stable hash (blake2b), never from Python's `hash()`, so
every run, process and machine agrees. Distinct glosses always get distinct signs: no two share
the same (hand shape, location, movement, hands), collisions being resolved by hashing again.
Locations place the wrist, in body units: the origin is the neck, x points to the image's right (the
signer's left), y down, and one unit is the signer's shoulder width. Positions are given for
the dominant (right) hand; the other hand mirrors them.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from dataclasses import dataclass

import numpy as np

from .grammar import NEGATION, QUESTION_MARKER
from .handshapes import HANDSHAPES

LOCATIONS: dict[str, tuple[float, float]] = {  # where the wrist is, at least 0.23 apart
    "forehead": (0.0, -0.95),
    "temple": (-0.35, -0.8),
    "nose": (0.0, -0.65),
    "cheek": (-0.3, -0.5),
    "chin": (0.0, -0.35),
    "neck": (-0.15, -0.08),
    "chest": (0.05, 0.25),
    "shoulder": (-0.5, 0.05),
    "other_shoulder": (0.42, 0.05),
    "stomach": (0.0, 0.75),
    "neutral": (-0.35, 0.45),
    "side": (-0.85, 0.4),
    "high": (-0.7, -0.55),
    "other_hand": (0.05, 0.48),  # on top of the base hand
}
BASE_HAND = (-0.1, 0.68)  # the other hand's wrist in base-and-moving signs, mirrored
MOVEMENTS = ("hold", "up", "down", "outward", "inward", "diagonal", "arc", "circle", "zigzag",
             "tap", "shake", "twist", "wiggle")  # fmt: skip
# Palm orientations of the right hand: (yaw, pitch, roll) degrees, see handshapes.rotations.
ORIENTATIONS: dict[str, tuple[float, float, float]] = {
    "out": (0.0, 0.0, 0.0),  # palm to the camera, fingers up
    "in": (180.0, 0.0, 0.0),  # palm to the signer
    "side": (75.0, 0.0, 0.0),  # palm to the body's midline
    "down": (0.0, -55.0, 80.0),  # palm down, fingers across the body
    "up": (0.0, 55.0, 80.0),  # palm up
    "forward": (20.0, -45.0, 0.0),  # fingers tipped towards the camera
}
FACIAL_MARKERS = ("brows_raised", "brows_furrowed", "mouth_open", "cheeks_puffed", "lips_pursed")
HANDS = ("one", "symmetric", "base")  # one hand; both mirrored; a still base hand and a mover
_HANDS_WEIGHTS = (11, 5, 4)  # out of 20
_FACIAL_PERCENT = 15
_COARSE_TRIES = 64  # draws tried for a sign differing in more than its hand shape
# (location, movement, hands) combinations: signs on the other hand are always two-handed.
_COARSE_COMBOS = (len(LOCATIONS) - 1) * len(MOVEMENTS) * len(HANDS) + len(MOVEMENTS)

_NOT = ("A", "chin", "outward", "one")
_QM = ("X", "neutral", "wiggle", "one")


@dataclass(frozen=True)
class Sign:
    """How one gloss is signed."""

    gloss: str
    handshape: str  # key of HANDSHAPES
    location: str  # key of LOCATIONS
    movement: str  # one of MOVEMENTS
    hands: str  # one of HANDS
    orientation: str  # key of ORIENTATIONS
    facial: str  # one of FACIAL_MARKERS, "" for none
    head_shake: bool  # negation shakes the head
    length: float  # 0..1: where the sign's duration lies in the size's range

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes signs distinct: (hand shape, location, movement, hands)."""
        return (self.handshape, self.location, self.movement, self.hands)


def _digest(gloss: str, attempt: int) -> int:
    data = f"{gloss}#{attempt}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=16, person=b"sign2text-sign").digest())


def _draw(gloss: str, attempt: int) -> Sign:
    """A sign for `gloss` from its hash; `attempt` > 0 when earlier draws were taken."""
    value = _digest(gloss, attempt)

    def take(n: int) -> int:
        nonlocal value
        value, picked = divmod(value, n)
        return picked

    handshape = list(HANDSHAPES)[take(len(HANDSHAPES))]
    location = list(LOCATIONS)[take(len(LOCATIONS))]
    movement = MOVEMENTS[take(len(MOVEMENTS))]
    roll = take(sum(_HANDS_WEIGHTS))
    hands = HANDS[int(np.searchsorted(np.cumsum(_HANDS_WEIGHTS), roll, side="right"))]
    hands = "base" if location == "other_hand" else hands
    orientation = list(ORIENTATIONS)[take(len(ORIENTATIONS))]
    facial = FACIAL_MARKERS[take(len(FACIAL_MARKERS))] if take(100) < _FACIAL_PERCENT else ""
    length = take(1000) / 999
    return Sign(gloss, handshape, location, movement, hands, orientation, facial, False, length)


def _grammatical_signs() -> dict[str, Sign]:
    """NOT (with a head shake) and the question marker have fixed, ASL-like signs."""
    negation = Sign(NEGATION, *_NOT, "side", "", True, 0.3)
    question = Sign(QUESTION_MARKER, *_QM, "out", "brows_raised", False, 0.5)
    return {negation.gloss: negation, question.gloss: question}


@functools.cache
def sign_table(glosses: tuple[str, ...]) -> dict[str, Sign]:
    """Distinct signs for `glosses`, given most important first (see Lexicon.by_priority).

    Earlier glosses get signs that also differ in location, movement or hands, not only in hand
    shape, as long as such signs are left: small lexicons, made of the first glosses, are then
    easy to tell apart. Pass the whole lexicon so that a gloss's sign never depends on size.
    """
    table = _grammatical_signs()
    taken = {sign.key for sign in table.values()}
    coarse_taken = {sign.key[1:] for sign in table.values()}
    for gloss in glosses:
        if gloss in table:
            continue
        for attempt in itertools.count():
            sign = _draw(gloss, attempt)
            if sign.key[1:] not in coarse_taken:
                break
            coarse_left = len(coarse_taken) < _COARSE_COMBOS
            if (attempt >= _COARSE_TRIES or not coarse_left) and sign.key not in taken:
                break
        taken.add(sign.key)
        coarse_taken.add(sign.key[1:])
        table[gloss] = sign
    return table
