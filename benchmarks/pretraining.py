"""Does self-supervised pretraining of the encoder help a small labelled set? Pretrain then
fine-tune against fine-tuning from scratch, at equal fine-tuning wall time.

- unlabelled: the synthetic language drawn with another seed (`synth --seed 1`: other signers,
  other sentences, the same signs), its sentences never read; `pretrain` (its default
  objective, masked cluster prediction; `--pretrain-set pretrain.objective=reconstruct` for
  masked keypoint regression) learns from its train split and checks on its val split;
- labelled: the synthetic language of seed 0 cut to `--labelled` training clips (its val and
  test splits whole); the demo preset's model;
- for every seed: `train` from scratch and `train --init PRETRAIN_RUN`, each for
  `--minutes` minutes of fine-tuning; test BLEU-4 of the best checkpoint (`evaluate`), and the
  fine-tuning seconds until validation BLEU-4 first reached each of `--bleu` (greedy decoding of
  `train.val_decode_max` validation clips after every epoch).

One pretraining serves every seed (its cost is reported, not counted in the fine-tuning time).
Runs already finished in `--work` are read back, not run again: a rerun with more seeds or
thresholds costs only the new runs.

    taskset -c 0 python benchmarks/pretraining.py --labelled 300 --minutes 4 --pretrain-minutes 8
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import print_results, write_results
from sign2text import config as configuration
from sign2text.data.prepare import prepare_how2sign
from sign2text.data.synth import write_dataset
from sign2text.evaluation.evaluate import evaluate
from sign2text.presets import resolve
from sign2text.pretraining import pretrain
from sign2text.run_folder import RunFolder
from sign2text.training import train


def _data(folder: Path, seed: int, limit: int | None) -> Path:
    """Synthetic demo-size data of `seed` (first `limit` clips of each split), prepared."""
    prepared = folder / "prepared"
    if not (prepared / "meta.json").exists():
        write_dataset(folder, size="demo", seed=seed, workers=1, limit=limit)
        prepare_how2sign(folder, prepared, tokenizer="word", workers=1, progress=False)
    return prepared


def _seconds_to(history: dict, bleu: float) -> float | None:
    """Fine-tuning seconds until validation BLEU-4 first reached `bleu` (None: never)."""
    elapsed = 0.0
    for seconds, score in zip(history["epoch_seconds"], history["val_bleu4"], strict=True):
        elapsed += seconds
        if score >= bleu:
            return elapsed
    return None


def _input_epoch(history: dict, gain: float) -> int | str:
    """The first epoch whose validation loss with swapped clips is `gain` above the true
    pairs' (the model reads its input), "-" if none."""
    pairs = zip(history["val_loss"], history["val_loss_swapped"], strict=True)
    return next((i + 1 for i, (true, swapped) in enumerate(pairs) if swapped - true > gain), "-")


def _finished(run: Path) -> bool:
    return RunFolder(run).read_state().get("status") == "finished"


def _pretrained(config: configuration.Config, run: Path) -> dict:
    """The pretraining run's summary: run now, or read back when finished earlier."""
    if not _finished(run):
        return pretrain(config, run, progress=False)
    history = RunFolder(run).read_history()
    return {
        "epochs": len(history["epoch"]),
        "seconds": sum(history["epoch_seconds"]),
        "best_val_loss": min(history["val_loss"]),
        "baseline_ratio": history["baseline_ratio"][-1],
        "history": history,
    }


def _fine_tuned(config: configuration.Config, run: Path) -> tuple[dict, dict]:
    """(history, test metrics) of a fine-tuning run: run now, or read back."""
    if not _finished(run):
        train(config, run, progress=False)
    metrics_file = RunFolder(run).evaluation("test") / "metrics.json"
    if metrics_file.exists():
        metrics = json.loads(metrics_file.read_text())
    else:
        metrics = evaluate(run, "test", progress=False)
    return RunFolder(run).read_history(), metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", default="bench-pretraining", help="data and runs go here")
    parser.add_argument("--labelled", type=int, default=300, help="labelled training clips")
    parser.add_argument("--unlabelled", type=int, default=1200, help="unlabelled clips / split")
    parser.add_argument("--minutes", type=float, default=4.0, help="fine-tuning time per run")
    parser.add_argument("--pretrain-minutes", type=float, default=8.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--bleu", type=float, nargs="+", default=[5.0, 10.0, 20.0])
    parser.add_argument("--set", action="append", default=[], help="a config override of every run")
    parser.add_argument(
        "--pretrain-set", action="append", default=[], help="an override of pretraining only"
    )
    parser.add_argument(
        "--tune-set", action="append", default=[], help="an override of fine-tuning from it"
    )
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    logging.basicConfig(level=logging.WARNING)
    work = Path(args.work)
    began = time.perf_counter()
    labelled = _data(work / "labelled", seed=0, limit=args.labelled)
    unlabelled = _data(work / "unlabelled", seed=1, limit=args.unlabelled)
    data_seconds = time.perf_counter() - began
    common = ["train.val_decode_max=100", "train.early_stopping_patience=1000", *args.set]
    pre_config = configuration.load(
        resolve("demo"),
        [
            f"data.prepared={unlabelled}",
            "pretrain.epochs=1000",
            f"pretrain.max_minutes={args.pretrain_minutes}",
            *common,
            *args.pretrain_set,
        ],
    )
    pre_run = work / "pretrain"
    pre = _pretrained(pre_config, pre_run)
    rows = []
    for seed in args.seeds:
        for arm, extra in (("scratch", []), ("pretrained", [f"model.init={pre_run}"])):
            tuned = extra + (args.tune_set if extra else [])
            config = configuration.load(
                resolve("demo"),
                [
                    f"data.prepared={labelled}",
                    "train.epochs=1000",
                    f"train.max_minutes={args.minutes}",
                    f"train.seed={seed}",
                    *common,
                    *tuned,
                ],
            )
            history, metrics = _fine_tuned(config, work / f"{arm}-seed{seed}")
            row = {
                "arm": arm,
                "seed": seed,
                "epochs": len(history["epoch"]),
                "seconds": round(sum(history["epoch_seconds"])),
                "reads input from epoch": _input_epoch(history, config.health.min_input_gain),
                "best val_loss": round(min(history["val_loss"]), 3),
                "best val BLEU-4": round(max(history["val_bleu4"]), 2),
                "test BLEU-4": round(metrics["bleu4"], 2),
            }
            for bleu in args.bleu:
                reached = _seconds_to(history, bleu)
                row[f"s to val BLEU-4 {bleu:g}"] = "-" if reached is None else round(reached)
            rows.append(row)
            print(row, flush=True)
    means = {
        arm: statistics.mean(r["test BLEU-4"] for r in rows if r["arm"] == arm)
        for arm in ("scratch", "pretrained")
    }
    notes = [
        f"labelled: synth demo seed 0, {args.labelled} train clips; unlabelled: synth demo "
        f"seed 1, {args.unlabelled} train clips; data written in {data_seconds:.0f} s",
        f"pretraining: {pre['epochs']} epochs in {pre['seconds']:.0f} s, best val_loss "
        f"{pre['best_val_loss']:.4f} = {100 * pre['baseline_ratio']:.1f}% of the clip "
        "baseline at its last epoch",
        f"fine-tuning: {args.minutes} min per run, seeds {args.seeds}; mean test BLEU-4 "
        f"scratch {means['scratch']:.2f}, pretrained {means['pretrained']:.2f}",
        f"overrides: all {args.set}, pretraining {args.pretrain_set}, from it {args.tune_set}",
    ]
    print_results(rows, *notes)
    write_results(args.json, rows, notes=notes, pretrain_history=pre["history"])


if __name__ == "__main__":
    main()
