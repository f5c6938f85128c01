"""Pretraining health: the loss must fall and beat a clip baseline (each clip's visible mean,
or its visible cluster frequencies)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sign2text.config import HealthConfig
from sign2text.training.health import _RANK, DOUBTFUL, FAILING, HEALTHY, Verdict


def assess_pretraining(history: Mapping[str, Sequence[float]], rules: HealthConfig) -> Verdict:
    """Apply the rules to a pretraining history (train_loss, val_loss, val_loss_baseline):
    finite and falling losses, and from `rules.check_epoch` on a validation loss below the
    baseline of predicting every hidden point from its own clip (its visible mean, or its
    cluster frequencies; failing from `rules.input_check_epoch` on): an encoder that cannot
    beat it has learnt no motion."""
    train = list(history.get("train_loss", []))
    val = list(history.get("val_loss", []))
    baseline = list(history.get("val_loss_baseline", []))
    epochs = len(train)
    found: list[tuple[str, str]] = []
    if not epochs:
        return Verdict(DOUBTFUL, ("no finished epoch yet",))
    if not all(math.isfinite(x) for x in train + val):
        found.append((FAILING, "the loss is not finite (NaN or infinity): lower pretrain.lr"))
    elif epochs >= 2 and train[-1] >= train[0]:
        found.append((FAILING, f"train loss is not falling ({train[0]:.3f} -> {train[-1]:.3f})"))
    if val and baseline and epochs >= rules.check_epoch and val[-1] >= baseline[-1]:
        found.append(
            (
                FAILING if epochs >= rules.input_check_epoch else DOUBTFUL,
                f"the validation loss ({val[-1]:.3f}) is no better than predicting from each "
                f"clip's own visible frames ({baseline[-1]:.3f}): raise pretrain.lr or "
                "pretrain.epochs",
            )
        )
    if len(val) >= 2 and epochs > rules.rise_after_epoch:
        best_before = min(val[:-1])
        if val[-1] > best_before + rules.tolerance:
            found.append((DOUBTFUL, f"validation loss rising ({best_before:.3f} -> {val[-1]:.3f})"))
    if not found:
        return Verdict(HEALTHY, ())
    worst = max((status for status, _ in found), key=_RANK.__getitem__)
    return Verdict(worst, tuple(reason for _, reason in found))
