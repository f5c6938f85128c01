"""Durations as people read them in status lines and estimates."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """'1h05m' from an hour up, '4m07s' below, '-' when unknown."""
    if seconds is None:
        return "-"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"
