"""The knobs of a marionette language (Spec) and the named presets."""

from __future__ import annotations

from dataclasses import dataclass, replace

WORD_ORDERS = ("SOV", "SVO", "OSV", "topic")


@dataclass(frozen=True)
class Spec:
    """Every knob of one synthetic language; frame counts are at `fps`."""

    # corpus size
    clips: tuple[int, int, int] = (1200, 150, 150)
    clips_per_video: tuple[int, int] = (3, 12)
    # lexicon
    vocab_size: int = 50
    meaning_weight: float = 0.5  # 0: location/path decides the sign, 1: handshape decides
    two_handed: float = 0.2  # share of two-handed signs
    two_handed_mix: tuple[float, float, float] = (0.4, 0.25, 0.35)  # symmetric, alternating, base
    repetition: float = 0.3  # share of signs whose movement repeats (2-3 cycles)
    # signers
    signers: int = 8
    proportion_var: float = 0.08  # each body ratio is scaled by 1 +- this
    position_spread: float = 0.1  # 0: the standard framing, 1: anywhere the upper body fits
    scale_range: tuple[float, float] = (0.9, 1.1)  # camera distance (1 = How2Sign framing)
    left_handed: float = 0.0
    speed_range: tuple[float, float] = (0.85, 1.15)  # signing speed style
    amplitude_range: tuple[float, float] = (0.85, 1.15)  # movement size style
    # timing
    fps: float = 24.0
    sign_frames: tuple[int, int] = (10, 14)
    transition_frames: tuple[int, int] = (4, 7)
    rest_frames: tuple[int, int] = (5, 10)
    # detector
    body_noise: float = 0.004  # jitter sigma in shoulder widths
    face_noise: float = 0.0025
    hand_noise: float = 0.010
    point_miss: float = 0.01  # single keypoints not detected
    hand_loss: float = 0.03  # share of frames a hand is lost (in runs)
    frame_miss: float = 0.005  # share of frames without a person
    # grammar
    word_order: str = "SOV"
    sentence_length: tuple[int, int] = (3, 6)  # glosses
    sign_articles: bool = False  # False: articles are dropped in signing
    wh_brows: str = "furrow"  # brows over wh-questions: "furrow" or "raise"
    sentence_mix: tuple[float, float, float, float] = (0.55, 0.15, 0.15, 0.15)  # stmt neg yn wh
    heldout: float = 0.2  # share of the English sentence space kept for val/test

    def __post_init__(self) -> None:
        problems = []
        if not 30 <= self.vocab_size <= 300:
            problems.append("vocab_size must be 30-300")
        if self.word_order not in WORD_ORDERS:
            problems.append(f"word_order must be one of {WORD_ORDERS}")
        if self.wh_brows not in ("furrow", "raise"):
            problems.append("wh_brows must be 'furrow' or 'raise'")
        if any(c < 0 for c in self.clips):
            problems.append("clip counts must be >= 0")
        for name in (
            "meaning_weight",
            "two_handed",
            "repetition",
            "left_handed",
            "position_spread",
            "point_miss",
            "hand_loss",
            "frame_miss",
            "heldout",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} must be within [0, 1]")
        for name in (
            "clips_per_video",
            "sign_frames",
            "transition_frames",
            "rest_frames",
            "sentence_length",
            "scale_range",
            "speed_range",
            "amplitude_range",
        ):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                problems.append(f"{name} must be an increasing positive range")
        if self.sentence_length[0] < 2:
            problems.append("sentence_length must start at 2 or more")
        if self.signers < 1 or self.fps <= 0:
            problems.append("signers and fps must be positive")
        if problems:
            raise ValueError("; ".join(problems))

    def with_clips(self, clips: tuple[int, int, int] | None) -> Spec:
        return self if clips is None else replace(self, clips=tuple(clips))


PRESETS: dict[str, Spec] = {
    # meaning in the hand path through body space; few handshapes; one signer style
    "path": Spec(
        vocab_size=50,
        meaning_weight=0.1,
        two_handed=0.15,
        repetition=0.3,
        signers=8,
        fps=24.0,
        sign_frames=(8, 10),
        transition_frames=(2, 4),
        rest_frames=(2, 5),
        word_order="SOV",
        sentence_length=(3, 6),
        wh_brows="raise",
    ),
    # meaning in handshape and palm orientation; few places and paths
    "shape": Spec(
        vocab_size=60,
        meaning_weight=0.9,
        two_handed=0.2,
        repetition=0.25,
        signers=8,
        fps=25.0,
        sign_frames=(8, 11),
        transition_frames=(2, 4),
        rest_frames=(3, 6),
        word_order="topic",
        sentence_length=(3, 6),
    ),
    # many different bodies, framings, camera distances and handednesses
    "signers": Spec(
        vocab_size=80,
        meaning_weight=0.5,
        two_handed=0.45,
        repetition=0.3,
        signers=60,
        proportion_var=0.25,
        position_spread=1.0,
        scale_range=(0.6, 1.5),
        left_handed=0.3,
        speed_range=(0.75, 1.3),
        amplitude_range=(0.7, 1.3),
        fps=30.0,
        sign_frames=(9, 13),
        transition_frames=(3, 5),
        rest_frames=(4, 8),
        word_order="OSV",
        sentence_length=(3, 6),
    ),
    # a poor detector on long, high-frame-rate clips with a large vocabulary
    "noisy": Spec(
        vocab_size=120,
        meaning_weight=0.5,
        two_handed=0.25,
        repetition=0.3,
        signers=12,
        proportion_var=0.1,
        position_spread=0.2,
        fps=50.0,
        sign_frames=(15, 19),
        transition_frames=(5, 8),
        rest_frames=(6, 10),
        body_noise=0.015,
        face_noise=0.008,
        hand_noise=0.03,
        point_miss=0.06,
        hand_loss=0.15,
        frame_miss=0.05,
        word_order="SVO",
        sentence_length=(4, 7),
    ),
}
