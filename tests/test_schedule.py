import itertools
import math

import pytest

from sign2text import config as configuration
from sign2text.config import ConfigError, TrainConfig
from sign2text.schedules import NAMES, PLATEAU, SHAPES
from sign2text.training.schedule import lr_lambda


def _factors(train: TrainConfig, steps: int, clock: float = 0.0) -> list[float]:
    factor = lr_lambda(train, total_steps=steps, steps_per_epoch=10, clock=lambda: clock)
    return [factor(step) for step in range(steps)]


def test_warm_up_rises_linearly_then_cosine_falls_to_the_floor() -> None:
    train = TrainConfig(lr=1e-3, min_lr=1e-5, warmup_epochs=0.5, scheduler="cosine")
    factors = _factors(train, 100)
    assert factors[:5] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert factors[5] == pytest.approx(1.0)
    assert all(a >= b for a, b in itertools.pairwise(factors[5:]))
    assert factors[-1] == pytest.approx(0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * 94 / 95)))


def test_wsd_holds_the_full_rate_until_its_decay_share() -> None:
    train = TrainConfig(lr=1e-3, min_lr=1e-5, warmup_epochs=0, scheduler="wsd", decay_share=0.2)
    factors = _factors(train, 100)
    assert factors[:80] == [1.0] * 80
    assert factors[90] == pytest.approx(0.01 + 0.99 * 0.5)  # halfway through the decay
    assert factors[99] < 0.02


@pytest.mark.parametrize("scheduler", ["cosine", "wsd"])
def test_a_spent_time_budget_anneals_even_early_in_the_steps(scheduler: str) -> None:
    train = TrainConfig(lr=1e-3, min_lr=1e-5, warmup_epochs=0, scheduler=scheduler)
    assert _factors(train, 1000, clock=1.0)[10] == pytest.approx(0.01)
    assert _factors(train, 1000, clock=0.0)[10] > 0.9


def test_constant_stays_constant_whatever_the_clock() -> None:
    train = TrainConfig(lr=1e-3, warmup_epochs=0, scheduler="constant")
    assert _factors(train, 50, clock=1.0) == [1.0] * 50


def test_every_scheduler_a_config_may_name_has_a_shape_or_is_the_plateau_one() -> None:
    assert set(NAMES) == {*SHAPES, PLATEAU} == {"cosine", "wsd", "constant", "plateau"}
    for name in NAMES:
        configuration.load(None, [f"train.scheduler={name}"])
    with pytest.raises(ConfigError, match="train.scheduler 'linear' is not one of"):
        configuration.load(None, ["train.scheduler=linear"])
