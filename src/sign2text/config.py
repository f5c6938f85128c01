"""Configuration: layered YAML files (`base:`) as frozen dataclasses; `--set` overrides."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sign2text import presets, schedules
from sign2text.errors import Failure


class ConfigError(Failure, ValueError):
    """An unreadable, unknown or impossible configuration value."""

    exit_code = 2


@dataclass(frozen=True)
class DataConfig:
    """Which prepared dataset to read and how clips become model input."""

    prepared: str = "data/demo/prepared"
    points: str = "all"
    normalize: bool = True
    centre: str = "clip"
    hands: str = "both"
    fps: float = 0.0
    max_frames: int = 512
    train_subset: float = 1.0


@dataclass(frozen=True)
class TextConfig:
    """How sentences become token ids."""

    tokenizer: str = "word"
    vocab_size: int = 8000
    max_tokens: int = 64


@dataclass(frozen=True)
class AugmentConfig:
    """Random changes to training clips (0 turns each off)."""

    rotation_degrees: float = 0.0
    scale: float = 0.0
    shear: float = 0.0
    speed: float = 0.0
    frame_drop: float = 0.0
    keypoint_drop: float = 0.0

    @property
    def enabled(self) -> bool:
        return any(
            v > 0
            for v in (
                self.rotation_degrees,
                self.scale,
                self.shear,
                self.speed,
                self.frame_drop,
                self.keypoint_drop,
            )
        )


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the keypoint encoder and the Transformer encoder-decoder."""

    d_model: int = 512
    heads: int = 8
    encoder_layers: int = 3
    decoder_layers: int = 3
    ff: int = 2048
    dropout: float = 0.2
    downsample: int = 1
    kernel: int = 5
    norm_first: bool = False
    positions: str = "sinusoidal"
    input_norm: bool = True
    tie_embeddings: bool = True


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser, schedule, stopping and run-time settings."""

    epochs: int = 40
    batch_size: int = 32
    batch_frames: int = 0
    bucketing: bool = False
    micro_frames: int = 0
    lr: float = 1e-4
    weight_decay: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.98)
    scheduler: str = "cosine"
    warmup_epochs: float = 1.0
    decay_share: float = 0.2
    plateau_factor: float = 0.5
    plateau_patience: int = 3
    min_lr: float = 1e-8
    label_smoothing: float = 0.1
    grad_clip: float = 1.0
    early_stopping_patience: int = 5
    seed: int = 0
    precision: str = "auto"
    num_workers: int = 0
    max_minutes: float = 0.0
    checkpoint_minutes: float = 10.0
    val_decode_max: int = 500


@dataclass(frozen=True)
class DecodeConfig:
    """How hypotheses are searched for (`evaluate`, `translate`; validation decodes greedily)."""

    beam_size: int = 1  # 1 = greedy
    length_penalty: float = 1.0  # GNMT alpha: 0 = raw log-probability, larger favours length
    no_repeat_ngram: int = 0  # forbid repeating any n-gram of this size (0 = allowed)
    max_len_ratio: float = 1.5  # most tokens: this x encoder positions + max_len_extra
    max_len_extra: int = 10


@dataclass(frozen=True)
class HealthConfig:
    """Thresholds of the per-epoch health checks (loss levels depend on the vocabulary)."""

    check_epoch: int = 2
    train_loss_ceiling: float = 4.0
    gap_healthy: float = 0.4
    gap_failing: float = 0.6
    rise_after_epoch: int = 5
    tolerance: float = 0.01
    min_input_gain: float = 0.05
    input_check_epoch: int = 5


@dataclass(frozen=True)
class QuickConfig:
    """The quick test: a short run on a subset that says early whether training is healthy."""

    epochs: int = 4
    train_clips: int = 3000


@dataclass(frozen=True)
class Config:
    """A whole experiment."""

    name: str = "run"
    data: DataConfig = field(default_factory=DataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    quick: QuickConfig = field(default_factory=QuickConfig)


TOKENIZER_NAMES = ("word", "sentencepiece")
CENTRE_NAMES = ("clip", "frame")
HAND_NAMES = ("wrist", "body", "both")
POSITION_NAMES = ("sinusoidal", "learned")
PRECISIONS = ("auto", "32-true", "bf16-mixed", "16-mixed")


def _coerce(value: Any, kind: Any, where: str) -> Any:
    """Check `value` against the annotated type `kind`, converting where it is lossless."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a section (mapping), got {value!r}")
        return _build(kind, value, where)
    origin = typing.get_origin(kind)
    if origin is tuple:
        args = typing.get_args(kind)
        if not isinstance(value, list | tuple) or len(value) != len(args):
            raise ConfigError(f"{where}: expected a list of {len(args)} values, got {value!r}")
        return tuple(_coerce(v, a, where) for v, a in zip(value, args, strict=True))
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            number = float(value)
        except OverflowError:  # a whole number too large for a float
            number = float("inf")
        if number != number or number in (float("inf"), float("-inf")):  # nan or infinite
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return number
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported type {kind}")  # pragma: no cover


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    """`cls` from `values`; `where` names the section ("" for the top level) in errors."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        found = f"{where}: unknown key(s)" if where else "unknown top-level key(s)"
        raise ConfigError(f"{found} {unknown}; known keys are {sorted(known)}")
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}" if where else k) for k, v in values.items()}
    return cls(**kwargs)


def validate(config: Config) -> Config:
    """Reject impossible settings with a message that says what to change."""
    m, t, x, d = config.model, config.train, config.text, config.decode
    checks = [
        (m.heads >= 1, f"model.heads ({m.heads}) must be at least 1"),
        (
            m.heads >= 1 and m.d_model % m.heads == 0,
            f"model.d_model ({m.d_model}) must be divisible by model.heads ({m.heads})",
        ),
        (m.d_model > 0 and m.ff > 0, "model.d_model and model.ff must be positive"),
        (
            m.encoder_layers >= 1 and m.decoder_layers >= 1,
            "the model needs at least one encoder and one decoder layer",
        ),
        (0.0 <= m.dropout < 1.0, f"model.dropout ({m.dropout}) must be in [0, 1)"),
        (0 <= m.downsample <= 4, f"model.downsample ({m.downsample}) must be 0-4 halvings"),
        (
            m.kernel >= 1 and m.kernel % 2 == 1,
            f"model.kernel ({m.kernel}) must be an odd number of frames",
        ),
        (
            m.positions in POSITION_NAMES,
            f"model.positions {m.positions!r} is not one of {POSITION_NAMES}",
        ),
        (
            config.data.centre in CENTRE_NAMES,
            f"data.centre {config.data.centre!r} is not one of {CENTRE_NAMES}",
        ),
        (
            config.data.hands in HAND_NAMES,
            f"data.hands {config.data.hands!r} is not one of {HAND_NAMES}",
        ),
        (t.lr > 0, f"train.lr ({t.lr}) must be positive"),
        (t.min_lr >= 0 and t.weight_decay >= 0, "train.min_lr and train.weight_decay must be >= 0"),
        (all(0.0 <= b < 1.0 for b in t.betas), f"train.betas {t.betas} must be in [0, 1)"),
        (
            t.warmup_epochs >= 0 and t.grad_clip >= 0,
            "train.warmup_epochs and train.grad_clip must be >= 0 (0 turns them off)",
        ),
        (0.0 < t.plateau_factor < 1.0, "train.plateau_factor must be in (0, 1)"),
        (
            min(t.plateau_patience, t.early_stopping_patience, t.val_decode_max) >= 0,
            "train.plateau_patience, early_stopping_patience and val_decode_max must be >= 0",
        ),
        (0 <= t.seed < 2**32, f"train.seed ({t.seed}) must be in [0, 2**32)"),
        (t.num_workers >= 0, "train.num_workers must be 0 (load in the training process) or more"),
        (
            t.max_minutes >= 0 and t.checkpoint_minutes >= 0,
            "train.max_minutes and train.checkpoint_minutes must be 0 (off) or positive",
        ),
        (0.0 < t.decay_share <= 1.0, f"train.decay_share ({t.decay_share}) must be in (0, 1]"),
        (t.batch_size >= 1, f"train.batch_size ({t.batch_size}) must be at least 1"),
        (t.batch_frames >= 0, "train.batch_frames must be 0 (no frame budget) or positive"),
        (t.micro_frames >= 0, "train.micro_frames must be 0 (auto) or positive"),
        (t.epochs >= 1, f"train.epochs ({t.epochs}) must be at least 1"),
        (0.0 <= t.label_smoothing < 1.0, "train.label_smoothing must be in [0, 1)"),
        (
            t.scheduler in schedules.NAMES,
            f"train.scheduler {t.scheduler!r} is not one of {schedules.NAMES}",
        ),
        (t.precision in PRECISIONS, f"train.precision {t.precision!r} is not one of {PRECISIONS}"),
        (
            x.tokenizer in TOKENIZER_NAMES,
            f"text.tokenizer {x.tokenizer!r} is not one of {TOKENIZER_NAMES}",
        ),
        (x.vocab_size >= 8, "text.vocab_size must be at least 8"),
        (x.max_tokens >= 1, "text.max_tokens must be at least 1"),
        (
            config.health.input_check_epoch >= config.health.check_epoch,
            "health.input_check_epoch must not come before health.check_epoch",
        ),
        (d.beam_size >= 1, "decode.beam_size must be at least 1"),
        (
            d.no_repeat_ngram >= 0 and d.max_len_extra >= 0,
            "decode.no_repeat_ngram and decode.max_len_extra must be >= 0",
        ),
        (
            config.quick.epochs >= 1 and config.quick.train_clips >= 1,
            "quick.epochs and quick.train_clips must be at least 1",
        ),
        (d.max_len_ratio > 0, "decode.max_len_ratio must be positive"),
        (0.0 < config.data.train_subset <= 1.0, "data.train_subset must be in (0, 1]"),
        (config.data.fps >= 0, "data.fps must be 0 (keep the data's frame rate) or positive"),
        (
            0.0 <= config.augment.speed < 1.0 and 0.0 <= config.augment.scale < 1.0,
            "augment.speed and augment.scale must be in [0, 1)",
        ),
        (
            0.0 <= config.augment.frame_drop < 1.0 and 0.0 <= config.augment.keypoint_drop < 1.0,
            "augment.frame_drop and augment.keypoint_drop must be in [0, 1)",
        ),
        (
            0 <= m.downsample <= 4 and config.data.max_frames >= 2**m.downsample,
            "data.max_frames is shorter than the model's down-sampling",
        ),
        (
            config.augment.rotation_degrees >= 0 and config.augment.shear >= 0,
            "augment.rotation_degrees and augment.shear must be >= 0",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)
    return config


def from_dict(values: dict[str, Any]) -> Config:
    """Build and validate a `Config` from plain nested values."""
    return validate(_build(Config, values, ""))


# Keys added after configs were first saved in run folders and checkpoints, each with the value
# that reproduces what a saved config without it meant: an older model rebuilds as it was.
SAVED_BEFORE_KEYS: dict[str, dict[str, Any]] = {
    "data": {"centre": "clip", "hands": "wrist"},
    "model": {"kernel": 3, "norm_first": True, "positions": "sinusoidal", "input_norm": True},
}


def from_saved(values: dict[str, Any]) -> Config:
    """A config saved by a run or checkpoint, perhaps by an earlier version: the keys it lacks
    take the values that were the behaviour before those keys existed."""
    values = copy.deepcopy(values)
    for section, keys in SAVED_BEFORE_KEYS.items():
        saved = values.setdefault(section, {})
        if isinstance(saved, dict):
            for key, value in keys.items():
                saved.setdefault(key, value)
    return from_dict(values)


def to_dict(config: Config) -> dict[str, Any]:
    """Plain nested values (lists for tuples), ready for YAML or a checkpoint."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value

    return plain(dataclasses.asdict(config))


def parse_override(text: str) -> tuple[list[str], Any]:
    """`model.d_model=256` -> (["model", "d_model"], 256), the value read as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text!r}: expected key=value, e.g. train.lr=3e-4")
    try:
        value = yaml.safe_load(raw)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an integer of too many digits
        raise ConfigError(
            f"--set {text!r}: the value is not valid YAML ({_line(error)})"
        ) from error
    return key.strip().split("."), as_number(value)


def as_number(value: Any) -> Any:
    """YAML reads 3e-4 (no dot) as text; take such text as the number it is."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return value


def read_yaml(path: Path, what: str) -> Any:
    """The contents of the YAML file `path` (`what` it is, e.g. "config file"); a file that is
    missing or no valid YAML is a one-line ConfigError naming it."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: {what} not found") from error
    except (yaml.YAMLError, ValueError) as error:  # ValueError: not UTF-8, an integer too long
        raise ConfigError(f"{path}: not valid YAML ({_line(error)})") from error


def _line(error: Exception) -> str:
    """An error's message on one line (YAML's span several)."""
    return " ".join(str(error).split())


def apply_overrides(values: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return `values` with each `key=value` override applied."""
    result = copy.deepcopy(values)
    for text in overrides:
        path, value = parse_override(text)
        node = result
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {text!r}: {part!r} is not a section")
        node[path[-1]] = value
    return result


BASE = "base"  # a config file's top-level key naming the file it changes


def _base_file(path: Path, name: Any) -> Path:
    """The file a config's `base:` names: a file beside `path`, else a shipped preset."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: base must name a preset or a config file, got {name!r}")
    preset = None
    with contextlib.suppress(OSError):  # a name no file can have (too long)
        beside = path.parent / name
        if beside.is_file():
            return beside
        preset = presets.shipped(name)
    if preset is None or preset.stem not in presets.preset_names():
        raise ConfigError(
            f"{path}: base {name!r} is neither a file beside it nor a preset "
            f"({', '.join(presets.preset_names())})"
        )
    return preset


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with each value of `changes` in place of its own, section by section."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_layers(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A config file's values over those of the file its `base:` names, and so on down;
    `chain`: the files that named this one as their base."""
    values = read_yaml(path, "config file") or {}
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    if BASE not in values:
        return values
    changes = dict(values)
    base = _base_file(path, changes.pop(BASE))
    chain = (*chain, path)
    if base.resolve() in {p.resolve() for p in chain}:
        cycle = " -> ".join(str(p) for p in (*chain, base))
        raise ConfigError(f"{path}: base {values[BASE]!r} makes a cycle: {cycle}")
    return _merge(_read_layers(base, chain), changes)


def load(
    path: str | Path | None, overrides: list[str] | None = None, saved: bool = False
) -> Config:
    """Load a YAML config (or the defaults when `path` is None), layered on the file its
    `base:` names, and apply overrides; `saved`: a run folder's config.yaml, read as
    `from_saved` reads it."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        values = _read_layers(path)
    try:
        return (from_saved if saved else from_dict)(apply_overrides(values, overrides or []))
    except ConfigError as error:
        raise ConfigError(f"{path or 'defaults'}: {error}") from error


def dump(config: Config) -> str:
    """The resolved config as YAML."""
    return yaml.safe_dump(to_dict(config), sort_keys=False)
