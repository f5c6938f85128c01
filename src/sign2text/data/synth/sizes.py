"""Presets of the synthetic corpus: how many clips, words, signers and frames each size makes."""

from __future__ import annotations

from dataclasses import dataclass

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SynthSize:
    """Everything that differs between a quick test corpus and a How2Sign-sized one."""

    name: str
    clips: tuple[int, int, int]  # clips per split, in SPLITS order
    lexicon: int  # distinct signs (glosses) the sentences draw on
    words: tuple[int, int]  # English words per sentence, (min, max)
    clauses: tuple[float, ...]  # probability of a sentence having 1, 2, 3... clauses
    signers: int  # signer pool, shared by all splits
    sentences_per_video: tuple[int, int]  # (min, max) clips cut from one video
    sign_frames: tuple[int, int]  # frames of one sign at speed 1.0, (shortest, longest)
    transition_frames: tuple[int, int]  # frames between two signs, (min, max)
    rest_frames: tuple[int, int]  # hands at rest before the first and after the last sign
    hold_probability: float  # chance that a sign's last pose is held a little longer
    hold_frames: tuple[int, int]
    pause_frames: tuple[int, int]  # hands drop between two clauses
    hand_losses: float  # expected whole-hand detection losses per hand per 100 frames
    max_frames: int = 900  # longer clips are drawn again

    def __post_init__(self) -> None:
        if abs(sum(self.clauses) - 1.0) > 1e-9:
            raise ValueError(f"size {self.name!r}: clause probabilities must sum to 1")

    @property
    def total_clips(self) -> int:
        """Clips over all splits."""
        return sum(self.clips)


SIZES: dict[str, SynthSize] = {
    size.name: size
    for size in (
        SynthSize(
            name="tiny",
            clips=(240, 30, 30),
            lexicon=40,
            words=(3, 6),
            clauses=(1.0,),
            signers=8,
            sentences_per_video=(3, 8),
            sign_frames=(5, 7),
            transition_frames=(2, 3),
            rest_frames=(2, 3),
            hold_probability=0.0,
            hold_frames=(0, 0),
            pause_frames=(0, 0),
            hand_losses=0.2,
        ),
        SynthSize(
            name="demo",
            clips=(1600, 200, 200),
            lexicon=120,
            words=(4, 10),
            clauses=(1.0,),
            signers=8,
            sentences_per_video=(4, 12),
            sign_frames=(8, 12),
            transition_frames=(2, 4),
            rest_frames=(3, 5),
            hold_probability=0.03,
            hold_frames=(2, 5),
            pause_frames=(0, 0),
            hand_losses=0.2,
        ),
        SynthSize(
            name="how2sign",
            clips=(29000, 1700, 2300),
            lexicon=100_000,  # the whole built-in lexicon
            words=(3, 90),
            clauses=(0.34, 0.33, 0.17, 0.08, 0.04, 0.025, 0.015),
            signers=11,
            sentences_per_video=(4, 24),
            sign_frames=(7, 12),
            transition_frames=(2, 4),
            rest_frames=(3, 8),
            hold_probability=0.06,
            hold_frames=(4, 24),
            pause_frames=(6, 30),
            hand_losses=0.4,
        ),
    )
}


def resolve_size(size: str | SynthSize) -> SynthSize:
    """The preset named `size`, or `size` itself."""
    if isinstance(size, SynthSize):
        return size
    if size not in SIZES:
        raise ValueError(f"unknown synthetic size {size!r}; choose from {sorted(SIZES)}")
    return SIZES[size]
