"""Planning the clips a manifest lists (CSV, TSV or JSONL rows naming files and sentences)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sign2text.data.layouts import LAYOUTS
from sign2text.data.prepare.engine import prepare
from sign2text.data.prepare.listed import plan_listed
from sign2text.data.prepare.plan import Plan
from sign2text.data.readers.manifest import read_manifest
from sign2text.data.readers.registry import READERS
from sign2text.errors import InputError


def plan_manifest(
    manifest: str | Path, layout: str | None = None, fps: float | None = None
) -> Plan:
    """Plan the clips a manifest lists; `layout` names the layout of its array files."""
    clips = read_manifest(manifest)
    if layout is not None:
        if layout not in LAYOUTS:
            raise InputError(
                manifest, f"unknown layout {layout!r}", f"use one of {sorted(LAYOUTS)}"
            )
        arrays = READERS["arrays"].suffixes
        clips = [
            replace(c, layout=c.layout or layout) if c.path.suffix.lower() in arrays else c
            for c in clips
        ]
    return plan_listed(clips, Path(manifest), fps)


def prepare_manifest(
    manifest: str | Path,
    out: str | Path,
    *,
    layout: str | None = None,
    fps: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Prepare the clips a manifest lists; `layout` names the layout of its array files."""
    return prepare(plan_manifest(manifest, layout, fps), out, **options)
