"""The quick test: a short run on a subset that ends with a health verdict and an estimate
of the full run's duration."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sign2text.config import Config
from sign2text.data.dataset import read_meta
from sign2text.durations import format_duration
from sign2text.training.health import Verdict, assess


@dataclass(frozen=True)
class QuickResult:
    """What a quick run found."""

    verdict: Verdict
    full_run_seconds: float
    quick_clips: int
    full_clips: int


def quick_config(config: Config) -> Config:
    """`config` cut down to the quick test's epochs and training clips."""
    clips = read_meta(config.data.prepared)["splits"]["train"]["clips"]
    share = min(1.0, config.quick.train_clips / max(clips, 1)) * config.data.train_subset
    return replace(
        config,
        name=f"{config.name}-quick",
        data=replace(config.data, train_subset=share),
        train=replace(config.train, epochs=config.quick.epochs),
    )


def conclude(full: Config, result: dict[str, Any]) -> QuickResult:
    """The verdict of a finished quick run and the full run's estimated duration.

    The estimate scales the measured training time per clip to the full training set and the
    full number of epochs, and adds the measured validation time per epoch.
    """
    history = result["history"]
    epochs = len(history.get("epoch", []))
    full_clips = round(
        read_meta(full.data.prepared)["splits"]["train"]["clips"] * full.data.train_subset
    )
    if epochs == 0:
        return QuickResult(
            assess(history, full.health), float("nan"), result["train_clips"], full_clips
        )
    clips_per_second = sorted(history["clips_per_second"])[epochs // 2]  # median
    val_seconds = sum(history.get("val_seconds", [0.0])) / epochs
    per_epoch = full_clips / max(clips_per_second, 1e-9) + val_seconds
    return QuickResult(
        assess(history, full.health),
        per_epoch * full.train.epochs,
        result["train_clips"],
        full_clips,
    )


def describe(quick: QuickResult, full: Config) -> str:
    """The verdict as the CLI prints it."""
    lines = [f"quick test verdict: {quick.verdict.status.upper()}"]
    lines += [f"  - {reason}" for reason in quick.verdict.reasons]
    lines.append(
        f"estimated full run: {format_duration(quick.full_run_seconds)} for "
        f"{full.train.epochs} epochs of {quick.full_clips:,} clips on this machine "
        f"(measured on {quick.quick_clips:,} clips)"
    )
    return "\n".join(lines)
