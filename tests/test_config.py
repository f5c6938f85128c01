from pathlib import Path

import pytest
import yaml

from sign2text import config as configuration
from sign2text.config import ConfigError
from sign2text.presets import preset_names, resolve


def test_v2_preset_is_the_users_v2_setup() -> None:
    c = configuration.load(resolve("how2sign_v2"))
    assert (
        c.model.d_model,
        c.model.heads,
        c.model.encoder_layers,
        c.model.decoder_layers,
        c.model.ff,
        c.model.dropout,
    ) == (512, 8, 3, 3, 2048, 0.2)
    assert (
        c.train.lr,
        c.train.weight_decay,
        c.train.batch_size,
        c.train.scheduler,
        c.train.label_smoothing,
        c.train.epochs,
    ) == (1e-4, 1e-4, 32, "cosine", 0.1, 40)
    assert c.train.early_stopping_patience > 0


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads_and_comments_every_key(name: str) -> None:
    path = resolve(name)
    configuration.load(path)
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and ":" in stripped:
            key, _, value = stripped.partition(":")
            if value.strip():  # a value line, not a section header
                assert "#" in value, f"{path.name}: key {key!r} has no comment"


def test_overrides_are_typed_and_checked() -> None:
    c = configuration.load(None, ["model.d_model=256", "train.lr=3e-4", "model.heads=4"])
    assert c.model.d_model == 256 and c.train.lr == pytest.approx(3e-4)
    with pytest.raises(ConfigError, match="divisible"):
        configuration.load(None, ["model.heads=7"])
    with pytest.raises(ConfigError, match="unknown key"):
        configuration.load(None, ["model.width=7"])
    with pytest.raises(ConfigError, match="whole number"):
        configuration.load(None, ["train.epochs=1.5"])
    with pytest.raises(ConfigError, match="key=value"):
        configuration.load(None, ["train.epochs"])


def test_missing_and_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        configuration.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed")
    with pytest.raises(ConfigError, match="bad.yaml"):
        configuration.load(bad)


def test_dump_round_trips() -> None:
    c = configuration.load(resolve("demo"), ["train.seed=7"])
    assert configuration.from_dict(yaml.safe_load(configuration.dump(c))) == c


def test_v1_preset_is_the_users_v1_setup() -> None:
    c = configuration.load(resolve("how2sign_v1"))
    assert (c.train.lr, c.train.batch_size, c.model.encoder_layers, c.model.decoder_layers) == (
        3.7e-4,
        16,
        4,
        4,
    )
    assert (
        c.train.scheduler,
        c.train.plateau_factor,
        c.train.plateau_patience,
        c.train.min_lr,
    ) == ("plateau", 0.5, 3, 1e-8)


def test_a_saved_config_without_newer_keys_keeps_its_old_meaning() -> None:
    saved = configuration.to_dict(configuration.load(resolve("demo")))
    for section, keys in configuration.SAVED_BEFORE_KEYS.items():
        for key in keys:
            del saved[section][key]
    old = configuration.from_saved(saved)
    assert (old.model.kernel, old.model.norm_first, old.data.hands) == (3, True, "wrist")
    assert (old.model.positions, old.model.input_norm, old.data.centre) == (
        "sinusoidal",
        True,
        "clip",
    )
    current = configuration.load(resolve("demo"))
    assert configuration.from_saved(configuration.to_dict(current)) == current


def test_an_unknown_top_level_key_is_named_once(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("eval: {beam_size: 2}\n")
    with pytest.raises(ConfigError) as error:
        configuration.load(path)
    message = str(error.value)
    assert message.startswith(f"{path}: unknown top-level key(s) ['eval']; known keys are [")
    assert ": :" not in message
    with pytest.raises(ConfigError, match=r"model: unknown key\(s\) \['width'\]"):
        configuration.load(None, ["model.width=7"])
