"""Learning-rate schedules: linear warm-up, then cosine, wsd, constant, or halving on plateaus.

Every schedule but `plateau` is a factor of the base learning rate at each optimizer step
(`LambdaLR`, stepped after every batch); `plateau` is `ReduceLROnPlateau`, stepped on the
validation loss after every epoch.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sign2text.config import TrainConfig
from sign2text.schedules import PLATEAU, SHAPES

SUMMED_STEPS = 10_000  # planned_lr_sum adds up at most this many steps' lrs


def lr_lambda(
    train: TrainConfig,
    total_steps: int,
    steps_per_epoch: int,
    clock: Callable[[], float] = lambda: 0.0,
) -> Callable[[int], float]:
    """The factor of the base lr at each optimizer step: linear warm-up, then the schedule
    `train.scheduler` of how far the run is: the share of `total_steps` taken or, when further
    along, `clock()`, the share of a time budget used so far, so a run cut short by
    `train.max_minutes` still ends annealed."""
    warmup = round(train.warmup_epochs * steps_per_epoch)
    floor, shape = train.min_lr / train.lr, SHAPES[train.scheduler]

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = max((step - warmup) / max(1, total_steps - warmup), clock())
        return shape(progress, floor, train.decay_share)

    return factor


def build(
    optimizer: torch.optim.Optimizer,
    train: TrainConfig,
    total_steps: Callable[[], int],
    epochs: int,
    clock: Callable[[], float],
) -> torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau:
    """The scheduler `train.scheduler` names, for `optimizer`; `total_steps()` (optimizer steps
    of the whole run, asked only by the schedules that need it) over `epochs` epochs."""
    if train.scheduler == PLATEAU:
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=train.plateau_factor,
            patience=train.plateau_patience,
            min_lr=train.min_lr,
        )
    total = total_steps()
    factor = lr_lambda(train, total, max(1, total // max(1, epochs)), clock)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def per_epoch(scheduler: object) -> bool:
    """Whether `scheduler` steps once per epoch on the validation loss (else after each batch)."""
    return isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)


def planned_lr_sum(train: TrainConfig, steps_per_epoch: int, epochs: int) -> float:
    """The learning rates of a run's optimizer steps added up, as `train`'s schedule plans
    them for `epochs` epochs of `steps_per_epoch` steps (`plateau`: the peak lr throughout,
    since it lowers it only when validation loss stalls)."""
    total = steps_per_epoch * epochs
    if train.scheduler == PLATEAU:
        return train.lr * total
    factor = lr_lambda(train, total, steps_per_epoch)
    if total <= SUMMED_STEPS:
        return train.lr * sum(factor(step) for step in range(total))
    stride = total / SUMMED_STEPS  # longer runs: the mean of evenly spread steps, times total
    return train.lr * stride * sum(factor(int((i + 0.5) * stride)) for i in range(SUMMED_STEPS))
