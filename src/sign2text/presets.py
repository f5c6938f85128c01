"""Shipped config presets: `--config demo` finds `configs/demo.yaml` inside the package."""

from __future__ import annotations

from pathlib import Path

PRESETS_DIR = Path(__file__).parent / "configs"
SEARCH_SPACE = "search_space"  # the default search space of `sign2text tune`, not a config


def preset_names() -> list[str]:
    """The shipped configs."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml") if p.stem != SEARCH_SPACE)


def shipped(name: str | Path) -> Path | None:
    """The shipped file called `name` ("demo" or "demo.yaml"), if there is one."""
    path = Path(name)
    preset = PRESETS_DIR / f"{path.stem}.yaml"
    return preset if preset.exists() and path.parent == Path(".") else None


def resolve(name_or_path: str | Path) -> Path:
    """A config file path: an existing file as given, else a shipped preset of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    return shipped(path) or path  # let the loader report it missing
