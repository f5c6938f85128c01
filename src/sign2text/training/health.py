"""Training health: rules of thumb applied to a run's history, ending in a verdict.

The rules are the ones researchers apply by eye to loss curves (train loss low enough after
epoch 2, validation loss falling, a small train/validation gap) plus one they cannot see in
the curves: whether the model uses its input at all, measured as how much worse the validation
loss gets when every clip's keypoints are swapped with another clip's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sign2text.config import HealthConfig

HEALTHY, DOUBTFUL, FAILING = "healthy", "doubtful", "failing"
_RANK = {HEALTHY: 0, DOUBTFUL: 1, FAILING: 2}


@dataclass(frozen=True)
class Verdict:
    """The state of a run after some epochs, with the reasons behind it."""

    status: str
    reasons: tuple[str, ...]

    def line(self) -> str:
        return f"{self.status}" + (f": {'; '.join(self.reasons)}" if self.reasons else "")


def assess(history: Mapping[str, Sequence[float]], rules: HealthConfig) -> Verdict:
    """Apply the health rules to a history of per-epoch lists (train_loss, val_loss, ...)."""
    train = list(history.get("train_loss", []))
    val = list(history.get("val_loss", []))
    swapped = list(history.get("val_loss_swapped", []))
    epochs = len(train)
    found: list[tuple[str, str]] = []

    def flag(status: str, reason: str) -> None:
        found.append((status, reason))

    if not epochs:
        return Verdict(DOUBTFUL, ("no finished epoch yet",))
    if not all(math.isfinite(x) for x in train + val):
        flag(FAILING, "the loss is not finite (NaN or infinity): lower the learning rate")
    elif epochs >= rules.check_epoch and train[-1] > rules.train_loss_ceiling:
        flag(
            FAILING,
            f"train loss {train[-1]:.2f} is still above {rules.train_loss_ceiling:.2f} "
            f"after epoch {epochs}: the learning rate is too high or too low",
        )
    if epochs >= 2 and train[-1] >= train[0] and math.isfinite(train[-1]):
        flag(FAILING, f"train loss is not falling ({train[0]:.2f} -> {train[-1]:.2f})")
    if swapped and val and epochs >= rules.check_epoch:
        gain = swapped[-1] - val[-1]
        if gain < rules.min_input_gain:
            status = FAILING if epochs >= rules.input_check_epoch else DOUBTFUL
            flag(
                status,
                f"the model ignores its input so far: validation loss with swapped "
                f"clips is only {gain:+.3f} above the true pairs' (needs > "
                f"{rules.min_input_gain}); check that clips and sentences are paired",
            )
    if val and train and math.isfinite(val[-1]):
        gap = val[-1] - train[-1]
        if gap > rules.gap_failing:
            flag(
                FAILING, f"train/validation gap {gap:.2f} > {rules.gap_failing}: severe overfitting"
            )
        elif gap > rules.gap_healthy:
            flag(DOUBTFUL, f"train/validation gap {gap:.2f} > {rules.gap_healthy}: overfitting")
    if len(val) >= 2:
        best_before = min(val[:-1])
        if epochs > rules.rise_after_epoch and val[-1] > best_before + rules.tolerance:
            flag(
                DOUBTFUL,
                f"validation loss rising after epoch {rules.rise_after_epoch} "
                f"({best_before:.3f} -> {val[-1]:.3f}): early stopping will end it",
            )
        elif epochs <= rules.rise_after_epoch and val[-1] > best_before + rules.tolerance:
            flag(DOUBTFUL, f"validation loss not falling ({best_before:.3f} -> {val[-1]:.3f})")
    if not found:
        return Verdict(HEALTHY, ())
    worst = max((status for status, _ in found), key=_RANK.__getitem__)
    return Verdict(worst, tuple(reason for _, reason in found))
