import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from sign2text import config as configuration
from sign2text import config_files
from sign2text.config import Config, ConfigError
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


REFERENCE = "how2sign_v2"  # the preset that sets and explains every key


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"model": {"heads": 8}}` -> `{"model.heads": 8}`."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


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


def test_the_reference_preset_sets_every_key() -> None:
    values = yaml.safe_load(resolve(REFERENCE).read_text())
    assert config_files.BASE not in values
    assert list(_flat(values)) == list(_flat(configuration.to_dict(Config())))


@pytest.mark.parametrize("name", sorted(set(preset_names()) - {REFERENCE}))
def test_a_layered_preset_states_only_what_it_changes_of_the_reference(name: str) -> None:
    stated = yaml.safe_load(resolve(name).read_text())
    assert stated.pop(config_files.BASE) == REFERENCE
    resolved = _flat(configuration.to_dict(configuration.load(resolve(name))))
    reference = _flat(configuration.to_dict(configuration.load(resolve(REFERENCE))))
    for key in _flat(stated):
        assert resolved[key] != reference[key], f"{name}.yaml: {key} repeats {REFERENCE}'s value"


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


def test_v1_keeps_the_v2_sizes_it_does_not_change() -> None:
    c = configuration.load(resolve("how2sign_v1"))
    assert (c.name, c.model.d_model, c.model.heads, c.model.ff) == ("how2sign_v1", 512, 8, 2048)
    assert (c.model.dropout, c.model.norm_first, c.train.warmup_epochs) == (0.1, True, 0.0)
    assert (c.train.weight_decay, c.train.label_smoothing, c.train.epochs) == (1e-4, 0.1, 40)
    assert (c.text.tokenizer, c.text.vocab_size, c.decode.beam_size) == ("sentencepiece", 8000, 5)


def test_demo_preset_is_the_small_cpu_model() -> None:
    c = configuration.load(resolve("demo"))
    m, t = c.model, c.train
    assert (m.d_model, m.heads, m.encoder_layers, m.decoder_layers, m.ff, m.dropout) == (
        128,
        4,
        2,
        2,
        256,
        0.1,
    )
    assert (t.epochs, t.lr, t.scheduler, t.warmup_epochs, t.plateau_patience, t.min_lr) == (
        30,
        5e-4,
        "plateau",
        0.0,
        2,
        1e-6,
    )
    assert (t.precision, t.num_workers, t.batch_size, c.decode.beam_size) == ("32-true", 0, 32, 1)
    assert (c.text.tokenizer, c.text.vocab_size, c.text.max_tokens) == ("word", 2000, 48)
    assert (c.data.prepared, c.data.max_frames, c.health.train_loss_ceiling) == (
        "data/demo/prepared",
        256,
        4.5,
    )
    assert (c.quick.epochs, c.quick.train_clips) == (12, 1600)


def test_a_config_of_your_own_can_change_a_preset_or_another_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("base: how2sign_v1\nname: mine\ntrain: {lr: 0.001}\n")
    c = configuration.load(mine)
    v1 = configuration.load(resolve("how2sign_v1"))
    assert c == dataclasses.replace(v1, name="mine", train=dataclasses.replace(v1.train, lr=1e-3))
    (tmp_path / "sub").mkdir()
    again = tmp_path / "sub" / "again.yaml"
    again.write_text("base: ../mine.yaml\nmodel: {heads: 4}\n")
    c2 = configuration.load(again, ["train.seed=3"])
    assert (c2.name, c2.train.lr, c2.model.heads, c2.train.seed) == ("mine", 1e-3, 4, 3)
    assert c2.model.encoder_layers == 4  # from how2sign_v1, two files down
    saved = yaml.safe_load(configuration.dump(c2))
    assert config_files.BASE not in saved
    assert list(_flat(saved)) == list(_flat(configuration.to_dict(Config())))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.yaml": "base: nowhere\n"}, r"a\.yaml: base 'nowhere' is neither a file beside it"),
        ({"a.yaml": "base: [how2sign_v2]\n"}, r"a\.yaml: base must name a preset"),
        ({"a.yaml": "base: search_space\n"}, r"a\.yaml: base 'search_space' is neither"),
        ({"a.yaml": f"base: {'x' * 5000}\n"}, r"a\.yaml: base 'x+' is neither"),
        ({"a.yaml": "base: a.yaml\n"}, r"a\.yaml: base 'a\.yaml' makes a cycle: .*a\.yaml -> "),
        (
            {"a.yaml": "base: b.yaml\n", "b.yaml": "base: a.yaml\n"},
            r"b\.yaml: base 'a\.yaml' makes a cycle: \S*a\.yaml -> \S*b\.yaml -> \S*a\.yaml$",
        ),
        ({"a.yaml": "base: b.yaml\n", "b.yaml": "model: [unclosed"}, r"b\.yaml: not valid YAML"),
        ({"a.yaml": "base: b.yaml\n", "b.yaml": "- a list\n"}, r"b\.yaml: the top level must"),
    ],
)
def test_a_bad_base_is_one_error_naming_the_file(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        configuration.load(tmp_path / "a.yaml")
    assert "\n" not in str(error.value)
