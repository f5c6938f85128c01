import math

from sign2text.config import HealthConfig
from sign2text.training.health import DOUBTFUL, FAILING, HEALTHY, TOO_SHORT, assess

RULES = HealthConfig()


def _history(train, val, swapped=None):
    history = {"train_loss": train, "val_loss": val}
    if swapped is not None:
        history["val_loss_swapped"] = swapped
    return history


def test_a_learning_run_is_healthy() -> None:
    verdict = assess(_history([5.0, 3.5, 3.0], [4.8, 3.7, 3.3], [5.5, 5.0, 5.1]), RULES)
    assert verdict.status == HEALTHY and verdict.reasons == ()


def test_a_model_ignoring_its_input_is_doubtful_then_failing() -> None:
    early = assess(_history([5.0, 3.5, 3.0], [4.8, 3.7, 3.3], [4.8, 3.71, 3.31]), RULES)
    assert early.status == DOUBTFUL
    assert any("ignores its input" in r for r in early.reasons)
    train, val = [5.0, 3.5, 3.0, 2.9, 2.8], [4.8, 3.7, 3.3, 3.2, 3.1]
    late = assess(_history(train, val, [v + 0.01 for v in val]), RULES)
    assert late.status == FAILING
    assert any("ignores its input" in r for r in late.reasons)


def test_train_loss_stuck_high_or_not_finite_is_failing() -> None:
    stuck = assess(_history([6.0, 5.9, 5.9], [6.0, 5.95, 5.94]), RULES)
    assert stuck.status == FAILING and any("above 4.00" in r for r in stuck.reasons)
    exploded = assess(_history([6.0, math.nan], [6.0, math.nan]), RULES)
    assert exploded.status == FAILING and any("not finite" in r for r in exploded.reasons)


def test_gaps_and_rising_validation_loss() -> None:
    doubtful = assess(_history([3.0, 2.5, 2.0], [3.2, 2.9, 2.5]), RULES)
    assert doubtful.status == DOUBTFUL and any("gap 0.50" in r for r in doubtful.reasons)
    severe = assess(_history([3.0, 2.5, 1.8], [3.2, 2.9, 2.5]), RULES)
    assert severe.status == FAILING and any("severe" in r for r in severe.reasons)
    rising = assess(
        _history([3.0, 2.8, 2.7, 2.6, 2.5, 2.4, 2.35], [3.0, 2.8, 2.7, 2.65, 2.6, 2.62, 2.7]), RULES
    )
    assert rising.status == DOUBTFUL and any("rising after epoch 5" in r for r in rising.reasons)


def test_too_little_learning_is_too_short_to_judge_not_failing() -> None:
    stuck = _history([6.0, 5.9, 5.95], [6.0, 5.95, 5.94], [6.0, 5.95, 5.94])
    short = assess({**stuck, "steps": [8, 16, 24], "lr_steps": [0.0004, 0.0012, 0.002]}, RULES)
    assert short.status == TOO_SHORT
    assert short.reasons == (
        "24 optimizer steps so far, their learning rates adding up to 0.002: the loss and "
        "input checks need 0.15 (health.min_lr_steps)",
    )
    enough = assess({**stuck, "steps": [8, 16, 2400], "lr_steps": [0.1, 0.2, 0.3]}, RULES)
    assert enough.status == FAILING and any("learning rate" in r for r in enough.reasons)
    nan = assess({**_history([6.0, math.nan], [6.0, 6.0]), "lr_steps": [0.0, 0.001]}, RULES)
    assert nan.status == FAILING  # a loss that is not a number needs no more steps
    learns = _history([5.0, 3.5, 3.0], [4.8, 3.7, 3.3], [5.5, 5.0, 5.1])
    early = assess({**learns, "steps": [8, 16, 24], "lr_steps": [0.01, 0.02, 0.03]}, RULES)
    assert early.status == HEALTHY  # a model already using its input is judged at once
