"""Estimate the wall time of a `sign2text tune` search from a measured epoch time.

Runs the real search machinery (the shipped search space, Optuna's TPE sampler, the pruner and
the per-epoch `PruningCallback` of `sign2text.tuning.search`) on a synthetic objective whose
learning curves look like training's, counts the epochs each trial runs, and turns them into hours.

    python benchmarks/tuning_estimate.py 11.1 47.5 --trials 30 --epochs 5

The curves are made up (see `learning_curve`): the epoch counts and the time saved are what
pruning does to curves of this shape, not a measurement of How2Sign. The epoch time is one
V2-size epoch including validation (`epoch_seconds` in a run's history.json); every trial is
assumed to take that long per epoch whatever its size. With `--workers K` the wall time is the
total divided by K.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import optuna

from sign2text.presets import SEARCH_SPACE, resolve
from sign2text.tuning.search import pruner
from sign2text.tuning.space import SearchSpace, load_space
from sign2text.tuning.trials import PruningCallback

GOOD_LR = 3e-4  # the learning rate of the synthetic learner's lowest loss


def learning_curve(values: dict[str, Any], epochs: int, noise: float, seed: int) -> list[float]:
    """Validation loss per epoch: an exponential approach to a floor set by the config.

    A learning rate a decade off the best adds 0.6 to the floor; a higher one learns faster
    in the first epochs (so curves cross, the case pruning can get wrong); dropout away from
    0.2, layer counts away from 3+3 and narrower models add a little; warm-up slows the start.
    """
    lr_ratio = values["train.lr"] / GOOD_LR
    layers = values["model.encoder_layers"] + values["model.decoder_layers"]
    floor = (
        3.0
        + 0.6 * math.log10(lr_ratio) ** 2
        + 4.0 * (values["model.dropout"] - 0.2) ** 2
        + 0.05 * abs(layers - 6)
        + 0.1 * (512 - values["model.d_model"]) / 256
    )
    speed = min(2.0, math.sqrt(lr_ratio)) / (1.0 + 0.3 * values["train.warmup_epochs"])
    jitter = np.random.default_rng(seed).normal(0.0, noise, epochs)
    return [floor + 3.0 * math.exp(-speed * (e + 1)) + jitter[e] for e in range(epochs)]


@dataclass(frozen=True)
class Outcome:
    """One simulated search."""

    epochs_run: int
    pruned: int
    best_loss: float  # the noiseless last-epoch loss of the config the search picked


def simulate(space: SearchSpace, trials: int, epochs: int, prune: bool, seed: int) -> Outcome:
    """A search of `trials` trials of `epochs` epochs on synthetic curves."""
    epochs_run: dict[int, int] = {}
    noiseless: dict[int, float] = {}

    def objective(trial: optuna.Trial) -> float:
        values = space.suggest(trial)
        curve = learning_curve(values, epochs, 0.03, seed * 1000 + trial.number)
        noiseless[trial.number] = learning_curve(values, epochs, 0.0, 0)[-1]
        pruning = PruningCallback(trial, "val_loss", epochs)
        seen = []
        for epoch, loss in enumerate(curve):
            trainer = SimpleNamespace(
                current_epoch=epoch, callback_metrics={"val_loss": loss}, should_stop=False
            )
            seen.append(loss)
            pruning.on_train_epoch_end(trainer, None)  # type: ignore[arg-type]
            if trainer.should_stop:
                break
        epochs_run[trial.number] = len(seen)
        if pruning.pruned_after is not None:
            raise optuna.TrialPruned()
        return min(seen)

    study = optuna.create_study(
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner() if prune else optuna.pruners.NopPruner(),
    )
    study.optimize(objective, n_trials=trials)
    pruned = len(study.get_trials(states=(optuna.trial.TrialState.PRUNED,)))
    return Outcome(sum(epochs_run.values()), pruned, noiseless[study.best_trial.number])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("epoch_seconds", type=float, nargs="+", help="measured seconds per epoch")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=5, help="epochs per trial")
    parser.add_argument("--overhead", type=float, default=30.0, help="seconds per trial start")
    parser.add_argument("--workers", type=int, default=1, help="trials at once (GPUs)")
    parser.add_argument("--seeds", type=int, default=10, help="simulated searches to average")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = load_space(resolve(SEARCH_SPACE))
    results = {
        prune: [
            simulate(space, args.trials, args.epochs, prune, seed) for seed in range(args.seeds)
        ]
        for prune in (False, True)
    }
    print(
        f"{args.trials} trials x {args.epochs} epochs, {args.overhead:.0f} s start-up per trial, "
        f"{args.workers} worker(s); mean of {args.seeds} simulated searches\n"
    )
    header = ["s/epoch", "pruning", "epochs run", "pruned trials", "wall time", "picked loss"]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for seconds in args.epoch_seconds:
        for prune, outcomes in results.items():
            epochs = float(np.mean([o.epochs_run for o in outcomes]))
            wall = (epochs * seconds + args.trials * args.overhead) / args.workers
            row = [
                f"{seconds:g}",
                "median" if prune else "none",
                f"{epochs:.0f} of {args.trials * args.epochs}",
                f"{np.mean([o.pruned for o in outcomes]):.1f}",
                f"{wall / 3600:.2f} h",
                f"{np.mean([o.best_loss for o in outcomes]):.3f}",
            ]
            print("| " + " | ".join(row) + " |")
    print(
        "\npicked loss: the synthetic learner's noiseless last-epoch loss of the config each "
        "search picked (lower is better): what pruning costs in quality."
    )


if __name__ == "__main__":
    main()
