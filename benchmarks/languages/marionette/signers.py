"""The signer pool: body proportions, framing, handedness and signing style."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .lexicon import BASE_HAND_PLACE, PLACES
from .spec import Spec

FRAME_W, FRAME_H = 1280, 720
REFERENCE_SHOULDER_PX = 229.0  # How2Sign's shoulder width at its usual framing
STANDARD_NECK = (672.0, 372.0)
# body ratios in shoulder widths (face: face widths per shoulder width)
RATIOS = {
    "torso": 1.32,  # neck to mid-hip
    "neck": 0.38,  # neck to the head's pivot
    "upper_arm": 0.81,
    "forearm": 0.66,
    "hand": 0.47,  # wrist to middle fingertip
    "face": 0.43,  # jaw width
    "hip": 0.33,  # half the hip width
    "thigh": 1.55,
    "shin": 1.5,
    "shoulder_drop": 0.02,
}


@dataclass(frozen=True)
class Signer:
    """One person of the pool; lengths in pixels are `shoulder_px` times the ratios."""

    index: int
    left_handed: bool
    shoulder_px: float
    neck_x: float
    neck_y: float
    ratios: dict[str, float]
    speed: float
    amplitude: float
    lean: float  # radians, habitual torso lean
    yaw: float  # radians, habitual head turn
    pitch: float
    rest: str  # "clasp" or "low"
    hand_confidence: float  # mean detector confidence of this signer's hands
    sway: float  # idle body sway, shoulder widths

    def describe(self) -> dict:
        d = asdict(self)
        d["ratios"] = {k: round(v, 3) for k, v in self.ratios.items()}
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}


def make_signers(spec: Spec, rng: np.random.Generator) -> list[Signer]:
    out = []
    n_left = round(spec.left_handed * spec.signers)
    left = set(rng.choice(spec.signers, size=n_left, replace=False).tolist()) if n_left else set()
    for i in range(spec.signers):
        var = spec.proportion_var
        ratios = {k: v * (1.0 + var * rng.uniform(-1.0, 1.0)) for k, v in RATIOS.items()}
        scale = rng.uniform(*spec.scale_range)
        sw = REFERENCE_SHOULDER_PX * scale * (1.0 + 0.5 * var * rng.uniform(-1.0, 1.0))
        # where the upper body fits in the frame: head above, signing space below and beside
        x_lo, x_hi = 1.3 * sw, FRAME_W - 1.3 * sw
        y_lo = (ratios["neck"] + 1.3 * ratios["face"] + 0.1) * sw
        y_hi = FRAME_H - 0.95 * sw
        sx = STANDARD_NECK[0] + rng.normal(0.0, 12.0)
        sy = STANDARD_NECK[1] + rng.normal(0.0, 8.0)
        ux = rng.uniform(x_lo, x_hi) if x_lo < x_hi else FRAME_W / 2
        uy = rng.uniform(y_lo, y_hi) if y_lo < y_hi else (y_lo + y_hi) / 2
        s = spec.position_spread
        out.append(
            Signer(
                index=i,
                left_handed=i in left,
                shoulder_px=float(sw),
                neck_x=float(sx + s * (ux - sx)),
                neck_y=float(sy + s * (uy - sy)),
                ratios=ratios,
                speed=float(rng.uniform(*spec.speed_range)),
                amplitude=float(rng.uniform(*spec.amplitude_range)),
                lean=float(rng.normal(0.0, 0.03)),
                yaw=float(rng.normal(0.0, 0.08)),
                pitch=float(rng.normal(0.0, 0.05)),
                rest="clasp" if rng.random() < 0.7 else "low",
                hand_confidence=float(rng.uniform(0.5, 0.72)),
                sway=float(rng.uniform(0.005, 0.02)),
            )
        )
    return out


def place_table(signer: Signer) -> dict[str, tuple[float, float, float]]:
    """Each place as (x, y, reach) in shoulder widths from the neck, canonical right hand.

    Canonical coordinates follow the image (x right, y down) for a right-handed signer, whose
    dominant hand is on the image's left: a place's "towards the dominant side" is -x.
    """
    r = signer.ratios
    bridge_y = -r["neck"] - 0.75 * r["face"]  # top of the nose bridge at rest
    table = {}
    for name, (anchor, x, y, reach) in PLACES.items():
        if anchor == "head":
            table[name] = (-x * r["face"], bridge_y + y * r["face"], reach)
        elif anchor == "base":
            bx, by, _ = BASE_HAND_PLACE
            table[name] = (-(bx + x), by + y, reach)
        else:
            table[name] = (-x, y, reach)
    return table
