"""Learning-rate schedulers: the table of their names and the shape of each one's lr."""

from __future__ import annotations

import math
from collections.abc import Callable

# (share of the run done after warm-up (0-1), min_lr / lr, train.decay_share) -> factor of the lr
Shape = Callable[[float, float, float], float]


def _anneal(share: float, floor: float) -> float:
    """Half a cosine from 1 down to `floor` as `share` of the decay goes from 0 to 1."""
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, share)))


def cosine(progress: float, floor: float, decay_share: float) -> float:
    """Cosine decay to the floor over the whole run."""
    return _anneal(progress, floor)


def wsd(progress: float, floor: float, decay_share: float) -> float:
    """Warm-up, stable, decay: the full lr until the last `decay_share` of the run, then a
    cosine decay to the floor over that share."""
    start = 1.0 - decay_share
    return 1.0 if progress < start else _anneal((progress - start) / decay_share, floor)


def constant(progress: float, floor: float, decay_share: float) -> float:
    """The full lr throughout."""
    return 1.0


SHAPES: dict[str, Shape] = {"cosine": cosine, "wsd": wsd, "constant": constant}
PLATEAU = "plateau"  # no shape: ReduceLROnPlateau lowers the lr when val_loss stops improving
NAMES = (*SHAPES, PLATEAU)  # every scheduler `train.scheduler` may name
