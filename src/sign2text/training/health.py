"""Training health: rules of thumb applied to a run's history, ending in a verdict.

The rules are the ones researchers apply by eye to loss curves (train loss low enough after
epoch 2, validation loss falling, a small train/validation gap) plus one they cannot see in
the curves: whether the model uses its input at all, measured as how much worse the validation
loss gets when every clip's keypoints are swapped with another clip's.

No model learns in a few dozen optimizer steps at a small learning rate, so the checks of how far
the loss has fallen and whether the input is used fail a run only once its steps' learning rates,
added up (`lr_steps` in the history, warm-up and decay at the rate they had), reach
`health.min_lr_steps`; before that, a run that has not yet shown it learns is "too short to
judge". On the synthetic languages of BENCHMARKS.md (d_model 128, lr 4e-4 to 5e-4) models first
used their input after a sum of 0.03 to 0.11.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sign2text.config import HealthConfig

HEALTHY, TOO_SHORT, DOUBTFUL, FAILING = "healthy", "too short to judge", "doubtful", "failing"
_RANK = {HEALTHY: 0, TOO_SHORT: 1, DOUBTFUL: 2, FAILING: 3}
Found = list[tuple[str, str]]  # (status, reason) of each check that flagged something


@dataclass(frozen=True)
class Verdict:
    """The state of a run after some epochs, with the reasons behind it."""

    status: str
    reasons: tuple[str, ...]

    def line(self) -> str:
        return f"{self.status}" + (f": {'; '.join(self.reasons)}" if self.reasons else "")


def _learning_checks(
    train: list[float], val: list[float], swapped: list[float], rules: HealthConfig
) -> Found:
    """The checks that need the model to have had time to learn: loss level, falling loss,
    use of the input."""
    epochs, found = len(train), []
    if epochs >= rules.check_epoch and train[-1] > rules.train_loss_ceiling:
        found.append(
            (
                FAILING,
                f"train loss {train[-1]:.2f} is still above {rules.train_loss_ceiling:.2f} "
                f"after epoch {epochs}: the learning rate is too high or too low",
            )
        )
    if epochs >= 2 and train[-1] >= train[0]:
        found.append((FAILING, f"train loss is not falling ({train[0]:.2f} -> {train[-1]:.2f})"))
    if swapped and val and epochs >= rules.check_epoch:
        gain = swapped[-1] - val[-1]
        if gain < rules.min_input_gain:
            found.append(
                (
                    FAILING if epochs >= rules.input_check_epoch else DOUBTFUL,
                    f"the model ignores its input so far: validation loss with swapped "
                    f"clips is only {gain:+.3f} above the true pairs' (needs > "
                    f"{rules.min_input_gain}); check that clips and sentences are paired",
                )
            )
    return found


def too_short(history: Mapping[str, Sequence[float]], rules: HealthConfig) -> str | None:
    """Why the run has had too little learning to judge, or None when it has had enough (or its
    history does not say: runs recorded before `lr_steps` was)."""
    learned = history.get("lr_steps", [])
    if not learned or learned[-1] >= rules.min_lr_steps:
        return None
    steps = history.get("steps", [0])[-1]
    return (
        f"{steps:,} optimizer steps so far, their learning rates adding up to "
        f"{learned[-1]:.3g}: the loss and input checks need {rules.min_lr_steps:g} "
        "(health.min_lr_steps)"
    )


def _fit_checks(train: list[float], val: list[float], rules: HealthConfig) -> Found:
    """Overfitting and a rising validation loss."""
    found: Found = []
    if val and train and math.isfinite(val[-1]):
        gap = val[-1] - train[-1]
        if gap > rules.gap_failing:
            severe = f"train/validation gap {gap:.2f} > {rules.gap_failing}: severe overfitting"
            found.append((FAILING, severe))
        elif gap > rules.gap_healthy:
            found.append(
                (DOUBTFUL, f"train/validation gap {gap:.2f} > {rules.gap_healthy}: overfitting")
            )
    if len(val) >= 2:
        best_before = min(val[:-1])
        epochs = len(train)
        if epochs > rules.rise_after_epoch and val[-1] > best_before + rules.tolerance:
            found.append(
                (
                    DOUBTFUL,
                    f"validation loss rising after epoch {rules.rise_after_epoch} "
                    f"({best_before:.3f} -> {val[-1]:.3f}): early stopping will end it",
                )
            )
        elif epochs <= rules.rise_after_epoch and val[-1] > best_before + rules.tolerance:
            found.append(
                (DOUBTFUL, f"validation loss not falling ({best_before:.3f} -> {val[-1]:.3f})")
            )
    return found


def assess(history: Mapping[str, Sequence[float]], rules: HealthConfig) -> Verdict:
    """Apply the health rules to a history of per-epoch lists (train_loss, val_loss, ...)."""
    train = list(history.get("train_loss", []))
    val = list(history.get("val_loss", []))
    swapped = list(history.get("val_loss_swapped", []))
    if not train:
        return Verdict(DOUBTFUL, ("no finished epoch yet",))
    found: Found = []
    if not all(math.isfinite(x) for x in train + val):
        found.append((FAILING, "the loss is not finite (NaN or infinity): lower the learning rate"))
    else:
        learning = _learning_checks(train, val, swapped, rules)
        short = too_short(history, rules)
        if short and (learning or len(train) < rules.check_epoch):  # not yet shown to learn
            found.append((TOO_SHORT, short))
        else:
            found += learning
    found += _fit_checks(train, val, rules)
    if not found:
        return Verdict(HEALTHY, ())
    worst = max((status for status, _ in found), key=_RANK.__getitem__)
    return Verdict(worst, tuple(reason for _, reason in found))
