"""Config values must be finite numbers: inf and nan are rejected naming the key; any value
of any key gives a config or one ConfigError line."""

import dataclasses
import math
from collections.abc import Callable

import pytest

from sign2text import config as configuration
from sign2text.config import Config, ConfigError


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("train.lr=.inf", "train.lr"),
        ("train.lr=inf", "train.lr"),
        ("train.lr=-.inf", "train.lr"),
        ("train.lr=nan", "train.lr"),
        ("train.lr=.NaN", "train.lr"),
        ("train.weight_decay=1e400", "train.weight_decay"),
        ("model.dropout=nan", "model.dropout"),
        ("train.betas=[0.9, .inf]", "train.betas"),
        (f"health.tolerance={10**400}", "health.tolerance"),
    ],
)
def test_non_finite_numbers_are_rejected_naming_the_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key}: expected a finite number"):
        configuration.load(None, [override])


def test_finite_numbers_still_load() -> None:
    config = configuration.load(None, ["train.lr=3e-4", "train.weight_decay=0", "data.fps=25"])
    assert (config.train.lr, config.train.weight_decay, config.data.fps) == (3e-4, 0.0, 25.0)


# --- every key with every edge value: a config, or one ConfigError line ------------------------


def _keys(cls: type, prefix: str = "") -> list[str]:
    """Every dotted key of the config dataclasses."""
    keys = []
    for field in dataclasses.fields(cls):
        name = f"{prefix}{field.name}"
        default = getattr(cls(), field.name)
        keys += _keys(type(default), f"{name}.") if dataclasses.is_dataclass(default) else [name]
    return keys


KEYS = _keys(Config)
EDGE_VALUES = [0, 1, 2, -1, -2, 0.0, -0.0, 0.5, 1.0, 1e-300, 1e300, 2**31, 2**32, 2**63]
EDGE_TEXTS = ["nan", ".inf", "-.inf", "1e400", "9" * 5000, "[]", "{}", "null", "''", "yes", "x"]


def _numbers(value: object) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, float) else []


def loads_or_config_error(load: Callable[[], Config]) -> None:
    """`load()` gives a config of finite numbers, or raises a one-line ConfigError."""
    try:
        config = load()
    except ConfigError as error:
        assert "\n" not in str(error), str(error)
        return
    assert all(math.isfinite(n) for n in _numbers(configuration.to_dict(config)))


def test_every_key_with_every_edge_value() -> None:
    for key in KEYS:
        for value in [*map(str, EDGE_VALUES), *EDGE_TEXTS]:
            loads_or_config_error(lambda: configuration.load(None, [f"{key}={value}"]))  # noqa: B023
