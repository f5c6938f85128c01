"""Configuration: layered YAML files (`base:`) as frozen dataclasses; `--set` overrides."""

from __future__ import annotations

import copy
import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sign2text import config_files, schedules
from sign2text.errors import ConfigError


@dataclass(frozen=True)
class DataConfig:
    """Which prepared dataset to read and how clips become model input."""

    prepared: str = "data/demo/prepared"
    points: str = "all"
    normalize: bool = True
    centre: str = "clip"
    hands: str = "both"
    fps: float = 0.0
    max_fps: float = 0.0
    max_frames: int = 512
    train_subset: float = 1.0


@dataclass(frozen=True)
class TextConfig:
    """How sentences become token ids."""

    tokenizer: str = "word"
    vocab_size: int = 8000
    max_tokens: int = 64
    repair: str = "mojibake"  # how `prepare` repairs sentences: REPAIR_NAMES
    lowercase: bool = False  # learn, and score against, lower-cased sentences


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
    ctc_weight: float = 0.0
    init: str = ""  # start the encoder from this pretrain run or checkpoint ("" = random)
    text_model: str = ""  # a pretrained encoder-decoder (name or folder); "" = our Transformer
    freeze_text_model_epochs: int = 0
    freeze_text_embeddings: bool = False
    gradient_checkpointing: bool = False


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser, schedule, stopping and run-time settings."""

    epochs: int = 40
    batch_size: int = 32
    batch_frames: int = 0
    bucketing: bool = False
    micro_frames: int = 0
    lr: float = 1e-4
    text_model_lr: float = 0.0  # the pretrained text model's peak lr; 0 = train.lr
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
    freeze_encoder_epochs: int = 0
    loggers: tuple[str, ...] = ("tensorboard",)
    tracking_uri: str = ""


@dataclass(frozen=True)
class DecodeConfig:
    """How hypotheses are searched for (`evaluate`, `translate`; validation decodes greedily)."""

    beam_size: int = 1  # 1 = greedy
    length_penalty: float = 1.0  # GNMT alpha: 0 = raw log-probability, larger favours length
    no_repeat_ngram: int = 0  # forbid repeating any n-gram of this size (0 = allowed)
    max_len_ratio: float = 1.5  # most tokens: this x encoder positions + max_len_extra
    max_len_extra: int = 10
    ctc_beam_size: int = 5  # gloss recognition (CTC head): prefix beam width, 1 = greedy


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
    min_lr_steps: float = 0.15  # the lr of every optimizer step, added up, before the loss and
    # input checks can fail a run (below: too short to judge)


@dataclass(frozen=True)
class QuickConfig:
    """The quick test: a short run on a subset that says early whether training is healthy."""

    epochs: int = 4
    train_clips: int = 3000


@dataclass(frozen=True)
class PretrainConfig:
    """Self-supervised pretraining of the keypoint encoder (`sign2text pretrain`): masked
    keypoint modelling on clips without sentences. The encoder's sizes are `model.*`."""

    prepared: bool = True  # use data.prepared: its train split to learn, its val split to check
    folder: str = ""  # also (or only) the clips of this folder ("" = none)
    val_share: float = 0.1  # without a prepared dataset: the folder's clips held out to check
    epochs: int = 30
    max_minutes: float = 0.0  # stop after this long (0 = no limit)
    lr: float = 5e-4
    span: int = 4  # frames per masking span
    frame_ratio: float = 0.3  # chance that a span is hidden in every body part
    part_ratio: float = 0.2  # chance that one body part is hidden in a span
    objective: str = "clusters"  # classify hidden parts ("reconstruct": regress hidden points)
    clusters: int = 64  # with objective clusters: k-means centroids per body part


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
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)


TOKENIZER_NAMES = ("word", "sentencepiece")
REPAIR_NAMES = ("mojibake", "all", "none")  # text.repair: textfix.CONFIGS
CENTRE_NAMES = ("clip", "frame")
HAND_NAMES = ("wrist", "body", "both")
POSITION_NAMES = ("sinusoidal", "learned")
PRECISIONS = ("auto", "32-true", "bf16-mixed", "16-mixed")
LOGGER_NAMES = ("tensorboard", "mlflow", "wandb")
PRETRAIN_OBJECTIVES = ("reconstruct", "clusters")


def _coerce(value: Any, kind: Any, where: str) -> Any:
    """Check `value` against the annotated type `kind`, converting where it is lossless."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a section (mapping), got {value!r}")
        return _build(kind, value, where)
    origin = typing.get_origin(kind)
    if origin is tuple and typing.get_args(kind)[1:] == (Ellipsis,):  # tuple[X, ...]: a list
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return tuple(_coerce(v, typing.get_args(kind)[0], where) for v in value)
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


Check = tuple[bool, str]  # (whether a setting is possible, what to change when it is not)


def _model_checks(m: ModelConfig, data: DataConfig) -> list[Check]:
    return [
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
        (m.ctc_weight >= 0, f"model.ctc_weight ({m.ctc_weight}) must be 0 (off) or positive"),
        (
            m.freeze_text_model_epochs >= 0,
            "model.freeze_text_model_epochs must be 0 (off) or positive",
        ),
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
            0 <= m.downsample <= 4 and data.max_frames >= 2**m.downsample,
            "data.max_frames is shorter than the model's down-sampling",
        ),
    ]


def _train_checks(t: TrainConfig) -> list[Check]:
    return [
        (t.lr > 0, f"train.lr ({t.lr}) must be positive"),
        (t.text_model_lr >= 0, "train.text_model_lr must be 0 (= train.lr) or positive"),
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
        (t.freeze_encoder_epochs >= 0, "train.freeze_encoder_epochs must be 0 (off) or more"),
        (0.0 <= t.label_smoothing < 1.0, "train.label_smoothing must be in [0, 1)"),
        (
            t.scheduler in schedules.NAMES,
            f"train.scheduler {t.scheduler!r} is not one of {schedules.NAMES}",
        ),
        (t.precision in PRECISIONS, f"train.precision {t.precision!r} is not one of {PRECISIONS}"),
        (
            set(t.loggers) <= set(LOGGER_NAMES) and len(set(t.loggers)) == len(t.loggers),
            f"train.loggers {list(t.loggers)} must name each of {LOGGER_NAMES} at most once",
        ),
    ]


def _data_checks(data: DataConfig, text: TextConfig, augment: AugmentConfig) -> list[Check]:
    return [
        (data.centre in CENTRE_NAMES, f"data.centre {data.centre!r} is not one of {CENTRE_NAMES}"),
        (data.hands in HAND_NAMES, f"data.hands {data.hands!r} is not one of {HAND_NAMES}"),
        (0.0 < data.train_subset <= 1.0, "data.train_subset must be in (0, 1]"),
        (data.fps >= 0, "data.fps must be 0 (keep the data's frame rate) or positive"),
        (data.max_fps >= 0, "data.max_fps must be 0 (no cap) or positive"),
        (
            text.tokenizer in TOKENIZER_NAMES,
            f"text.tokenizer {text.tokenizer!r} is not one of {TOKENIZER_NAMES}",
        ),
        (text.vocab_size >= 8, "text.vocab_size must be at least 8"),
        (
            text.repair in REPAIR_NAMES,
            f"text.repair {text.repair!r} is not one of {REPAIR_NAMES}",
        ),
        (text.max_tokens >= 1, "text.max_tokens must be at least 1"),
        (
            0.0 <= augment.speed < 1.0 and 0.0 <= augment.scale < 1.0,
            "augment.speed and augment.scale must be in [0, 1)",
        ),
        (
            0.0 <= augment.frame_drop < 1.0 and 0.0 <= augment.keypoint_drop < 1.0,
            "augment.frame_drop and augment.keypoint_drop must be in [0, 1)",
        ),
        (
            augment.rotation_degrees >= 0 and augment.shear >= 0,
            "augment.rotation_degrees and augment.shear must be >= 0",
        ),
    ]


def _run_checks(config: Config) -> list[Check]:
    d = config.decode
    return [
        (
            config.health.input_check_epoch >= config.health.check_epoch,
            "health.input_check_epoch must not come before health.check_epoch",
        ),
        (config.health.min_lr_steps >= 0, "health.min_lr_steps must be >= 0"),
        (d.beam_size >= 1, "decode.beam_size must be at least 1"),
        (d.ctc_beam_size >= 1, "decode.ctc_beam_size must be at least 1"),
        (
            d.no_repeat_ngram >= 0 and d.max_len_extra >= 0,
            "decode.no_repeat_ngram and decode.max_len_extra must be >= 0",
        ),
        (
            config.quick.epochs >= 1 and config.quick.train_clips >= 1,
            "quick.epochs and quick.train_clips must be at least 1",
        ),
        (d.max_len_ratio > 0, "decode.max_len_ratio must be positive"),
    ]


def _pretrain_checks(p: PretrainConfig) -> list[Check]:
    return [
        (
            p.prepared or bool(p.folder),
            "pretrain needs pretrain.prepared: true or a pretrain.folder",
        ),
        (0.0 < p.val_share < 1.0, f"pretrain.val_share ({p.val_share}) must be in (0, 1)"),
        (p.epochs >= 1 and p.span >= 1, "pretrain.epochs and pretrain.span must be at least 1"),
        (p.lr > 0, f"pretrain.lr ({p.lr}) must be positive"),
        (p.max_minutes >= 0, "pretrain.max_minutes must be 0 (no limit) or positive"),
        (
            0.0 <= p.frame_ratio < 1.0 and 0.0 <= p.part_ratio < 1.0,
            "pretrain.frame_ratio and pretrain.part_ratio must be in [0, 1)",
        ),
        (p.frame_ratio + p.part_ratio > 0, "pretrain.frame_ratio or part_ratio must be above 0"),
        (
            p.objective in PRETRAIN_OBJECTIVES,
            f"pretrain.objective ({p.objective!r}) must be one of {list(PRETRAIN_OBJECTIVES)}",
        ),
        (p.clusters >= 2, f"pretrain.clusters ({p.clusters}) must be at least 2"),
    ]


def validate(config: Config) -> Config:
    """Reject impossible settings with a message that says what to change."""
    checks = [
        *_pretrain_checks(config.pretrain),
        *_model_checks(config.model, config.data),
        *_train_checks(config.train),
        *_data_checks(config.data, config.text, config.augment),
        *_run_checks(config),
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


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested values (`to_dict`'s, or a saved config's) as one level: "model.d_model" -> 512."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def load(
    path: str | Path | None, overrides: list[str] | None = None, saved: bool = False
) -> Config:
    """Load a YAML config (or the defaults when `path` is None), layered on the file its
    `base:` names, and apply overrides; `saved`: a run folder's config.yaml, read as
    `from_saved` reads it."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        values = config_files.read_layers(path)
    try:
        values = config_files.apply_overrides(values, overrides or [])
        return (from_saved if saved else from_dict)(values)
    except ConfigError as error:
        raise ConfigError(f"{path or 'defaults'}: {error}") from error


def dump(config: Config) -> str:
    """The resolved config as YAML."""
    return yaml.safe_dump(to_dict(config), sort_keys=False)
