"""Config values must be finite numbers: inf and nan are rejected naming the key."""

import pytest

from sign2text import config as configuration
from sign2text.config import ConfigError


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
