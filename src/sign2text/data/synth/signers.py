"""Signers and cameras: body proportions, signing style, and placement in the 1280x720 frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FPS = 24
FRAME_WIDTH, FRAME_HEIGHT = 1280, 720


@dataclass(frozen=True)
class Signer:
    """One person of the signer pool. Lengths are in shoulder widths (body units)."""

    index: int
    speed: float  # signing speed factor: durations are divided by it
    amplitude: float  # size of movements relative to the lexicon's
    reach: tuple[float, float]  # systematic offset of every sign location
    upper_arm: float
    forearm: float
    hand: float  # wrist to middle fingertip
    neck: float  # neck base to nose tip, vertically
    head: float  # face width
    hip_drop: float  # neck base to mid hip
    hip_width: float
    shoulder_tilt: float  # how much lower the right shoulder sits than the left
    width_px: float  # shoulder width in pixels at the usual camera distance
    confidence: float  # added to this signer's detection confidences


@dataclass(frozen=True)
class Camera:
    """Where one video puts its signer: neck position and pixels per body unit."""

    neck: tuple[float, float]  # pixels
    scale: float  # pixels per shoulder width
    hips_visible: bool  # whether the detector finds the hips in this video


def make_signer(index: int, rng: np.random.Generator) -> Signer:
    """Signer `index` with proportions and style drawn from `rng`."""
    u = rng.uniform
    return Signer(
        index=index,
        speed=u(0.8, 1.3),
        amplitude=u(0.9, 1.1),
        reach=(u(-0.03, 0.03), u(-0.03, 0.03)),
        upper_arm=u(0.72, 0.84),
        forearm=u(0.68, 0.78),
        hand=u(0.57, 0.63),
        neck=u(0.56, 0.66),
        head=u(0.46, 0.54),
        hip_drop=u(1.38, 1.52),
        hip_width=u(0.55, 0.66),
        shoulder_tilt=u(-0.03, 0.03),
        width_px=u(185.0, 235.0),
        confidence=u(-0.05, 0.04),
    )


def make_camera(signer: Signer, rng: np.random.Generator) -> Camera:
    """A video's framing of `signer`: upper body in view, hips near the bottom edge."""
    scale = signer.width_px * rng.uniform(0.94, 1.07)
    neck = (rng.uniform(610.0, 700.0), rng.uniform(335.0, 390.0))
    return Camera(neck=neck, scale=scale, hips_visible=bool(rng.random() < 0.7))
