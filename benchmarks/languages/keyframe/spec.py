"""The knobs of a keyframe language (`Spec`) and the named presets."""

from __future__ import annotations

from dataclasses import dataclass, replace

WORD_ORDERS = ("SOV", "SVO", "OSV", "TTC")  # TTC: time, topic (brows raised), comment


@dataclass(frozen=True)
class Spec:
    """Every knob of the generator; times are seconds, angles degrees, lengths metres."""

    # corpus
    clips: tuple[int, int, int] = (1200, 150, 150)  # train, val, test
    clips_per_video: tuple[int, int] = (3, 9)
    eval_seen_share: float = 0.1  # val/test clips whose English sentence is also a train one

    # lexicon
    vocab_size: int = 60  # signs, 30..400
    # weight of location, handshape/orientation and movement as a sign's distinctive channel
    channel_weights: tuple[float, float, float] = (0.34, 0.33, 0.33)
    two_handed_share: float = 0.25
    two_handed_kinds: tuple[float, float, float] = (0.4, 0.3, 0.3)  # mirror, alternate, base
    repetition_share: float = 0.15  # signs whose keyframe cycle is repeated
    max_repetitions: int = 3  # cycles of a repeated sign
    keyframes: tuple[int, int] = (2, 3)  # keyframes per sign
    contact_share: float = 0.2  # keyframes that touch a body landmark (location-led signs)
    lexical_mouth_share: float = 0.15  # signs with a mouth gesture of their own

    # grammar
    word_order: str = "SOV"  # SOV, SVO, OSV or TTC
    sentence_glosses: tuple[int, int] = (2, 7)
    sentence_types: tuple[float, float, float, float] = (0.5, 0.15, 0.2, 0.15)  # stmt/neg/yn/wh
    time_share: float = 0.35
    adjective_share: float = 0.3
    number_share: float = 0.15

    # signers and camera
    signers: int = 12
    left_handed_share: float = 0.1
    proportion_range: float = 0.08  # +- relative spread of body sizes
    yaw_deg: float = 12.0  # +- body turn relative to the camera
    camera_distance: tuple[float, float] = (1.9, 2.3)
    camera_tilt_deg: float = 5.0  # +- pitch
    camera_roll_deg: float = 2.0  # +- roll
    focal_px: tuple[float, float] = (1350.0, 1500.0)
    frame_shift_px: float = 40.0  # +- offset of the signer in the image

    # timing
    fps: float = 25.0
    move_s: tuple[float, float] = (0.16, 0.24)  # keyframe to keyframe
    hold_s: tuple[float, float] = (0.03, 0.07)  # at each keyframe
    end_hold_s: tuple[float, float] = (0.04, 0.1)  # extra hold on a sign's last keyframe
    transition_s: tuple[float, float] = (0.18, 0.26)  # sign to sign
    rest_s: tuple[float, float] = (0.12, 0.25)  # at the clip's start and end
    tempo_range: float = 0.12  # +- per-signer speed factor
    speed_cap: float = 0.9  # m/s: no movement is faster than this on average (peak x1.9)

    # detector noise
    jitter_px: float = 1.5
    drift_px: float = 1.0  # slow, correlated error of the hands
    blur_px: float = 20.0  # blur (px) at which hand confidence falls to 1/e
    point_miss_rate: float = 0.01
    hand_loss_per_s: float = 0.15  # starts of whole-hand losses
    hand_loss_s: float = 0.25  # mean length
    swap_per_s: float = 0.08  # starts of left/right hand label swaps
    swap_s: float = 0.2
    occlusion: float = 0.6  # 0..1: how much a hand in front hides the face or the other hand
    no_person_per_s: float = 0.02
    second_person_per_s: float = 0.03
    second_person_s: float = 0.6
    leg_detect_rate: float = 0.05  # frames where visible legs are (badly) detected


PRESETS: dict[str, Spec] = {
    "grid": Spec(
        vocab_size=50,
        channel_weights=(0.75, 0.1, 0.15),
        two_handed_share=0.1,
        word_order="SOV",
        sentence_glosses=(2, 4),
        signers=10,
        fps=25.0,
    ),
    "fingers": Spec(
        vocab_size=80,
        channel_weights=(0.15, 0.7, 0.15),
        two_handed_share=0.2,
        contact_share=0.1,
        word_order="SOV",
        yaw_deg=30.0,
        fps=30.0,
        hold_s=(0.06, 0.14),
    ),
    "lefty": Spec(
        vocab_size=60,
        channel_weights=(0.34, 0.33, 0.33),
        two_handed_share=0.55,
        two_handed_kinds=(0.35, 0.3, 0.35),
        word_order="TTC",
        time_share=0.55,
        left_handed_share=0.5,
        swap_per_s=0.35,
        swap_s=0.3,
        occlusion=1.0,
        hand_loss_per_s=0.3,
    ),
    "slow": Spec(
        vocab_size=200,
        channel_weights=(0.35, 0.35, 0.3),
        word_order="SVO",
        sentence_glosses=(3, 5),
        signers=4,
        yaw_deg=20.0,
        camera_distance=(1.7, 3.0),
        camera_tilt_deg=12.0,
        camera_roll_deg=5.0,
        focal_px=(1250.0, 1600.0),
        frame_shift_px=90.0,
        fps=50.0,
        move_s=(0.2, 0.28),
        hold_s=(0.08, 0.16),
        end_hold_s=(0.1, 0.2),
        repetition_share=0.1,
        transition_s=(0.24, 0.34),
        rest_s=(0.25, 0.4),
        speed_cap=0.8,
        max_repetitions=2,
        jitter_px=1.2,
    ),
}


def check(spec: Spec) -> Spec:
    """`spec` itself, or ValueError naming the first knob out of range."""
    if spec.word_order not in WORD_ORDERS:
        raise ValueError(f"word_order must be one of {WORD_ORDERS}, not {spec.word_order!r}")
    if not 30 <= spec.vocab_size <= 400:
        raise ValueError(f"vocab_size must be 30..400, not {spec.vocab_size}")
    if min(spec.clips) < 0 or spec.clips[0] < 1:
        raise ValueError(f"clips must be >= 0 with at least one train clip, not {spec.clips}")
    if spec.fps <= 0 or spec.signers < 1:
        raise ValueError("fps and signers must be positive")
    low, high = spec.sentence_glosses
    if not 2 <= low <= high:
        raise ValueError(f"sentence_glosses must be 2 <= min <= max, not {spec.sentence_glosses}")
    if not 2 <= spec.keyframes[0] <= spec.keyframes[1] <= 4:
        raise ValueError(f"keyframes must lie in 2..4, not {spec.keyframes}")
    return spec


def with_clips(spec: Spec, clips: tuple[int, int, int] | None) -> Spec:
    """`spec` with other clip counts, when given."""
    return spec if clips is None else replace(spec, clips=tuple(int(c) for c in clips))
