"""The quick test: a short run on a subset that ends with a health verdict, what a run needs to
be judged when this one was too short, and an estimate of the full run's duration."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sign2text.config import Config
from sign2text.data.dataset import read_meta
from sign2text.durations import format_duration
from sign2text.training.health import TOO_SHORT, Verdict, assess
from sign2text.training.schedule import planned_lr_sum

MAX_EPOCHS = 1000  # a proposal needing more epochs than this says the lr is too low instead
ROUGH_BATCHES = 10  # an estimate timed on fewer batches per epoch is said to be a rough guess


@dataclass(frozen=True)
class Proposal:
    """A quick run long enough to be judged: `clips` training clips for `epochs` epochs."""

    steps: int  # optimizer steps in all
    clips: int
    epochs: int


@dataclass(frozen=True)
class QuickResult:
    """What a quick run found."""

    verdict: Verdict
    full_run_seconds: float
    quick_clips: int
    full_clips: int
    steps: int = 0  # optimizer steps the quick run took
    proposal: Proposal | None = None  # when too short: a quick run that can be judged
    full_lr_sum: float = math.inf  # the full run's planned lrs added up


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


def _least(enough: Callable[[int], bool], low: int, high: int) -> int | None:
    """The least n in low..high for which `enough(n)` holds (it holds for all larger n once it
    does), or None."""
    if not enough(high):
        return None
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle + 1, high)
    return low


def propose(full: Config, full_clips: int) -> Proposal | None:
    """The smallest quick run, with the full config's batch size and schedule, whose lrs add up
    to `health.min_lr_steps`: more clips for `quick.epochs` epochs or, when that needs more than
    the `full_clips` there are, all of them for more epochs; None when even MAX_EPOCHS epochs
    of them would not do."""
    batch, target, epochs = full.train.batch_size, full.health.min_lr_steps, full.quick.epochs
    most = max(1, math.ceil(full_clips / batch))  # steps per epoch with every clip

    def reaches(steps_per_epoch: int, epochs: int) -> bool:
        train = replace(full.train, epochs=epochs)
        return planned_lr_sum(train, steps_per_epoch, epochs) >= target

    per_epoch = _least(lambda steps: reaches(steps, epochs), 1, most)
    if per_epoch is not None and per_epoch < most:
        return Proposal(per_epoch * epochs, per_epoch * batch, epochs)
    epochs = _least(lambda epochs: reaches(most, epochs), epochs, MAX_EPOCHS)
    return None if epochs is None else Proposal(most * epochs, full_clips, epochs)


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
    verdict = assess(history, full.health)
    steps = int(history.get("steps", [0])[-1]) if epochs else 0
    proposal = propose(full, full_clips) if verdict.status == TOO_SHORT else None
    batches = math.ceil(full_clips / full.train.batch_size)
    full_lr_sum = planned_lr_sum(full.train, batches, full.train.epochs)
    seconds = float("nan")
    if epochs:
        clips_per_second = sorted(history["clips_per_second"])[epochs // 2]  # median
        val_seconds = sum(history.get("val_seconds", [0.0])) / epochs
        per_epoch = full_clips / max(clips_per_second, 1e-9) + val_seconds
        seconds = per_epoch * full.train.epochs
    return QuickResult(
        verdict, seconds, result["train_clips"], full_clips, steps, proposal, full_lr_sum
    )


def _too_short_line(quick: QuickResult, full: Config) -> str:
    """What a quick run that can be judged would take."""
    proposal = quick.proposal
    if proposal is None:
        return (
            f"not even {MAX_EPOCHS} epochs of all {quick.full_clips:,} clips would be enough "
            f"at lr {full.train.lr:g}: train on more clips or raise train.lr"
        )
    return (
        f"needs about {proposal.steps:,} optimizer steps (e.g. {proposal.clips:,} clips at "
        f"batch {full.train.batch_size} for {proposal.epochs} epochs: --set "
        f"quick.train_clips={proposal.clips} --set quick.epochs={proposal.epochs}); "
        f"this run took {quick.steps:,}"
    )


def describe(quick: QuickResult, full: Config) -> str:
    """The verdict as the CLI prints it."""
    status = quick.verdict.status
    lines = [f"quick test verdict: {status.upper()}"]
    if status == TOO_SHORT:
        lines[0] += f" — {_too_short_line(quick, full)}"
    lines += [f"  - {reason}" for reason in quick.verdict.reasons]
    if quick.full_lr_sum < full.health.min_lr_steps:
        lines.append(
            f"  - even the full run ({full.train.epochs} epochs of {quick.full_clips:,} clips) "
            f"plans learning rates adding up to only {quick.full_lr_sum:.3g} "
            f"(health.min_lr_steps {full.health.min_lr_steps:g}): too short to learn; raise "
            "train.epochs or train.lr, or train on more clips"
        )
    rough = quick.quick_clips < ROUGH_BATCHES * full.train.batch_size
    measured = (
        f"timed on only {quick.quick_clips:,} clips: a rough guess"
        if rough
        else f"measured on {quick.quick_clips:,} clips"
    )
    lines.append(
        f"estimated full run: {format_duration(quick.full_run_seconds)} for "
        f"{full.train.epochs} epochs of {quick.full_clips:,} clips on this machine ({measured})"
    )
    return "\n".join(lines)
