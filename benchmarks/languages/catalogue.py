"""The learning benchmark's sign languages: which generator writes each, and what sets it apart.

Three are written by sign2text's own generator (`synth/`): the demo's own language, and two
with its knobs far from the demo's;
the others by two independent generators that share no code with it and with each other
(`marionette`: a 2-D puppet driven by joint angles; `keyframe`: a 3-D skeleton seen through a
perspective camera). Every one is written in How2Sign's on-disk layout and goes through the
same `prepare how2sign` path a user's data takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sign2text.data.synth import SIZES, write_dataset

from .keyframe import write_language as write_keyframe
from .marionette import write_language as write_marionette


@dataclass(frozen=True)
class Language:
    """One benchmark language."""

    name: str
    generator: str
    what: str  # what sets it apart, for the results table
    write: Callable[[Path, int], object]  # (raw folder, seed) -> writes How2Sign's layout


# Our own generator with its knobs far from the demo's: long, slow clips with holds, pauses
# and two-clause sentences, a 300-sign vocabulary and frequent hand losses; and a small,
# fast-signed corpus with few signers.
_SYNTH_LONG = replace(
    SIZES["demo"],
    name="bench-long",
    clips=(1200, 150, 150),
    lexicon=300,
    words=(4, 12),
    clauses=(0.6, 0.4),
    signers=11,
    sign_frames=(14, 22),
    transition_frames=(3, 6),
    rest_frames=(4, 10),
    hold_probability=0.2,
    hold_frames=(4, 16),
    pause_frames=(6, 20),
    hand_losses=3.0,
    max_frames=700,
)
_SYNTH_FAST = replace(
    SIZES["demo"],
    name="bench-fast",
    clips=(800, 150, 150),
    lexicon=60,
    words=(3, 7),
    signers=4,
    sign_frames=(5, 7),
    transition_frames=(1, 2),
    rest_frames=(2, 3),
    hold_probability=0.0,
    hand_losses=0.0,
)


def _synth(size: object) -> Callable[[Path, int], object]:
    return lambda out, seed: write_dataset(out, size=size, seed=seed, workers=1)


def _by(writer: Callable[..., object], preset: str) -> Callable[[Path, int], object]:
    return lambda out, seed: writer(out, preset, seed=seed)


LANGUAGES: dict[str, Language] = {
    language.name: language
    for language in (
        Language(
            "synth-demo",
            "synth",
            "own generator as the demo writes it (the language sign2text was written against)",
            _synth(SIZES["demo"]),
        ),
        Language(
            "synth-long",
            "synth",
            "own generator: long clips, holds, 300 signs, two clauses, hands often lost",
            _synth(_SYNTH_LONG),
        ),
        Language(
            "synth-fast",
            "synth",
            "own generator: short fast-signed clips, 60 signs, 4 signers, 800 training clips",
            _synth(_SYNTH_FAST),
        ),
        Language(
            "marionette-path",
            "marionette",
            "hand path in body space decides the sign; SOV",
            _by(write_marionette, "path"),
        ),
        Language(
            "marionette-shape",
            "marionette",
            "handshape and palm decide the sign",
            _by(write_marionette, "shape"),
        ),
        Language(
            "marionette-signers",
            "marionette",
            "bodies +-25%, anywhere in frame, 30% left-handed, 30 fps, OSV",
            _by(write_marionette, "signers"),
        ),
        Language(
            "marionette-noisy",
            "marionette",
            "heavy detector noise, hands lost, 50 fps long clips, 120 signs",
            _by(write_marionette, "noisy"),
        ),
        Language(
            "keyframe-grid",
            "keyframe",
            "location cells decide the sign; 3-D body, perspective camera",
            _by(write_keyframe, "grid"),
        ),
        Language(
            "keyframe-fingers",
            "keyframe",
            "handshape and orientation decide the sign; signers turned +-30 deg",
            _by(write_keyframe, "fingers"),
        ),
        Language(
            "keyframe-lefty",
            "keyframe",
            "half left-handed, two-handed signs, hand label swaps and occlusion",
            _by(write_keyframe, "lefty"),
        ),
        Language(
            "keyframe-slow",
            "keyframe",
            "250-350 frames at 50 fps, long holds, 200 signs, 4 signers",
            _by(write_keyframe, "slow"),
        ),
    )
}
