"""Shipped config presets: `--config demo` finds `configs/demo.yaml` inside the package."""

from __future__ import annotations

from pathlib import Path

PRESETS_DIR = Path(__file__).parent / "configs"


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """A config file path: an existing file as given, else a shipped preset of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    preset = PRESETS_DIR / f"{path.stem}.yaml"
    if preset.exists() and path.parent == Path("."):
        return preset
    return path  # let the loader report it missing
