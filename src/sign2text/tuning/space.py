"""The search space of `sign2text tune`: a YAML file of parameters, each setting config keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna

from sign2text import config as configuration
from sign2text import config_files
from sign2text.config import Config, ConfigError

SCALARS = (bool, int, float, str)
TUNE_OWNED = {"train.epochs": "--epochs"}  # keys `sign2text tune` sets itself


@dataclass(frozen=True)
class FloatRange:
    """A real number in [low, high], sampled on a log scale when `log`."""

    low: float
    high: float
    log: bool

    def suggest(self, trial: optuna.Trial, name: str) -> tuple[Any, ...]:
        return (trial.suggest_float(name, self.low, self.high, log=self.log),)

    def extremes(self) -> list[tuple[Any, ...]]:
        return [(self.low,), (self.high,)]


@dataclass(frozen=True)
class IntRange:
    """A whole number in [low, high], sampled on a log scale when `log`."""

    low: int
    high: int
    log: bool

    def suggest(self, trial: optuna.Trial, name: str) -> tuple[Any, ...]:
        return (trial.suggest_int(name, self.low, self.high, log=self.log),)

    def extremes(self) -> list[tuple[Any, ...]]:
        return [(self.low,), (self.high,)]


@dataclass(frozen=True)
class Choice:
    """One of several options; an option holds one value per key and is named by a label."""

    options: tuple[tuple[Any, tuple[Any, ...]], ...]  # (label, values)

    def suggest(self, trial: optuna.Trial, name: str) -> tuple[Any, ...]:
        label = trial.suggest_categorical(name, [label for label, _ in self.options])
        return dict(self.options)[label]

    def extremes(self) -> list[tuple[Any, ...]]:
        return [values for _, values in self.options]


Domain = FloatRange | IntRange | Choice


@dataclass(frozen=True)
class Parameter:
    """One hyper-parameter: its name in the study, the config keys it sets, its values."""

    name: str
    keys: tuple[str, ...]
    domain: Domain

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """The trial's value of this parameter, as config key -> value."""
        return dict(zip(self.keys, self.domain.suggest(trial, self.name), strict=True))


@dataclass(frozen=True)
class SearchSpace:
    """The parameters of one search space file."""

    path: Path
    parameters: tuple[Parameter, ...]

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """A trial's values of every parameter, as config key -> value."""
        values: dict[str, Any] = {}
        for parameter in self.parameters:
            values.update(parameter.suggest(trial))
        return values

    def check(self, config: Config) -> None:
        """Apply each parameter's extreme values to `config` one at a time; a value the config
        rejects (wrong type, or impossible beside the config's other settings) is an error."""
        for parameter in self.parameters:
            for values in parameter.domain.extremes():
                setting = dict(zip(parameter.keys, values, strict=True))
                try:
                    apply(config, setting)
                except ConfigError as error:
                    raise ConfigError(
                        f"{self.path}: {parameter.name}: {setting} does not fit the base config "
                        f"({error})"
                    ) from error


def _walk(tree: dict[str, Any], key: str) -> tuple[dict[str, Any], str] | None:
    """The section holding config key `key` ("train.lr") and its last part, if it is a value."""
    *sections, last = key.split(".")
    node: Any = tree
    for part in sections:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or last not in node or isinstance(node[last], dict):
        return None
    return node, last


def apply(config: Config, values: Mapping[str, Any]) -> Config:
    """`config` with each config key ("train.lr") set to its value, validated."""
    tree = configuration.to_dict(config)
    for key, value in values.items():
        found = _walk(tree, key)
        if found is None:
            raise ConfigError(f"{key!r} is not a config key")
        section, last = found
        section[last] = list(value) if isinstance(value, tuple) else value
    return configuration.from_dict(tree)


def _label(values: tuple[Any, ...]) -> Any:
    """How Optuna records an option: the value itself when it is one plain value."""
    if len(values) == 1 and isinstance(values[0], SCALARS):
        return values[0]
    return "/".join(str(v) for v in values)


def _bounds(spec: Any, kind: type, where: str) -> tuple[Any, Any]:
    names = {int: "whole numbers", float: "numbers"}
    bounds = [config_files.as_number(v) for v in spec] if isinstance(spec, list) else []
    if len(bounds) != 2 or not all(
        isinstance(v, kind | int) and not isinstance(v, bool) for v in bounds
    ):
        raise ConfigError(f"{where}: expected [low, high], two {names[kind]}, got {spec!r}")
    low, high = bounds
    if not low < high:
        raise ConfigError(f"{where}: low ({low}) must be below high ({high})")
    return low, high


def _float_range(spec: Any, keys: tuple[str, ...], log: bool, where: str) -> Domain:
    low, high = _bounds(spec, float, f"{where}: float")
    if log and low <= 0:
        raise ConfigError(f"{where}: a log scale needs low > 0, got {low}")
    return FloatRange(float(low), float(high), log)


def _int_range(spec: Any, keys: tuple[str, ...], log: bool, where: str) -> Domain:
    low, high = _bounds(spec, int, f"{where}: int")
    if log and low < 1:
        raise ConfigError(f"{where}: a log scale needs low >= 1, got {low}")
    return IntRange(low, high, log)


def _choice(spec: Any, keys: tuple[str, ...], log: bool, where: str) -> Domain:
    if log:
        raise ConfigError(f"{where}: log applies to float and int ranges, not to a choice")
    if not isinstance(spec, list) or not spec:
        raise ConfigError(f"{where}: choice must be a non-empty list, got {spec!r}")
    options = []
    for option in spec:
        values = tuple(option) if len(keys) > 1 and isinstance(option, list) else (option,)
        if len(values) != len(keys):
            raise ConfigError(
                f"{where}: choice {option!r} needs one value for each of the keys {list(keys)}"
            )
        options.append((_label(values), values))
    labels = [label for label, _ in options]
    repeated = sorted({str(label) for label in labels if labels.count(label) > 1})
    if repeated:
        raise ConfigError(f"{where}: choice lists {repeated} more than once")
    return Choice(tuple(options))


DOMAINS = {"float": _float_range, "int": _int_range, "choice": _choice}
FIELDS = ("key", *DOMAINS, "log")  # what a parameter's mapping may hold


def _keys(spec: Any, known: dict[str, Any], where: str) -> tuple[str, ...]:
    keys = spec if isinstance(spec, list) else [spec]
    if not keys or not all(isinstance(k, str) for k in keys):
        raise ConfigError(f"{where}: key must be a config key or a list of them, got {spec!r}")
    for key in keys:
        if key in TUNE_OWNED:
            raise ConfigError(f"{where}: {key} is set by `sign2text tune {TUNE_OWNED[key]}`")
        if _walk(known, key) is None:
            raise ConfigError(f"{where}: {key!r} is not a config key (e.g. train.lr)")
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{where}: key lists a config key twice")
    return tuple(keys)


def _parameter(name: str, spec: Any, known: dict[str, Any], where: str) -> Parameter:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected a mapping such as {{key: train.lr, float: [..]}}")
    unknown = sorted(set(spec) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {unknown}; known fields are {list(FIELDS)}")
    kinds = [kind for kind in DOMAINS if kind in spec]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: give exactly one of {list(DOMAINS)}, got {kinds or 'none'}")
    if "key" not in spec:
        raise ConfigError(f"{where}: missing key (the config key it sets, e.g. train.lr)")
    keys = _keys(spec["key"], known, where)
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(f"{where}: log must be true or false, got {log!r}")
    if len(keys) > 1 and kinds[0] != "choice":
        raise ConfigError(f"{where}: several keys can only be searched as a choice")
    return Parameter(name, keys, DOMAINS[kinds[0]](spec[kinds[0]], keys, log, where))


def load_space(path: str | Path) -> SearchSpace:
    """Parse a search space file; errors name the file and the parameter."""
    path = Path(path)
    document = config_files.read_yaml(path, "search space file")
    if not isinstance(document, dict) or not document:
        raise ConfigError(f"{path}: expected a mapping of parameter names to their ranges")
    known = configuration.to_dict(Config())
    parameters = [
        _parameter(str(name), spec, known, f"{path}: {name}") for name, spec in document.items()
    ]
    owners: dict[str, str] = {}
    for parameter in parameters:
        for key in parameter.keys:
            if key in owners:
                raise ConfigError(
                    f"{path}: {key} is set by both {owners[key]} and {parameter.name}"
                )
            owners[key] = parameter.name
    return SearchSpace(path, tuple(parameters))
