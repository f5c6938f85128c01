"""YAML config files: reading one with one-line errors, `base:` layering onto a preset or
another file, and `--set key=value` overrides."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

import yaml

from sign2text import presets
from sign2text.errors import ConfigError


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


def read_layers(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
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
    return _merge(read_layers(base, chain), changes)
