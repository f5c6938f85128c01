"""Does the fast path learn what the naive path learns? Equal-epoch validation loss on the demo.

Trains the demo preset on the built-in synthetic demo data for the same number of epochs
along three paths, each with the same seeds:
- fast: sign2text's defaults (random batches, each run as length-sorted parts of at most
  `train.micro_frames` padded frames; `train.precision auto`, bf16-mixed on hardware with
  fast bf16);
- naive: fp32 (`32-true`), each random batch in one piece padded to its longest clip;
- bucketed: batches of clips of similar length (`train.bucketing true`), otherwise the defaults.
Same model, data, batch size, optimiser and schedule. Reports validation loss per epoch, the
gap between each path's seed mean and the naive one, and the spread between seeds (the noise).

    python benchmarks/equal_epochs.py --epochs 10
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import print_results, write_results
from sign2text import config as configuration
from sign2text.data.prepare import prepare_how2sign
from sign2text.data.synth import write_dataset
from sign2text.presets import resolve
from sign2text.training import train
from sign2text.training.runtime import resolve_precision

PATHS = {
    "fast": ["train.precision=auto"],
    "naive": ["train.precision=32-true", "train.micro_frames=1000000000"],
    "bucketed": ["train.precision=auto", "train.bucketing=true"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--data", help="demo data folder to reuse (default: a new one)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "demo"
        if not (data / "prepared" / "meta.json").exists():
            write_dataset(data, size="demo", seed=0)
            prepare_how2sign(data, data / "prepared", progress=False)
        curves: dict[str, list[list[float]]] = {}
        seconds: dict[str, list[float]] = {}
        for path, overrides in PATHS.items():
            for seed in args.seeds:
                config = configuration.load(
                    resolve("demo"),
                    [
                        f"data.prepared={data / 'prepared'}",
                        f"train.epochs={args.epochs}",
                        f"train.seed={seed}",
                        "train.early_stopping_patience=1000",
                        "train.val_decode_max=0",
                        *overrides,
                    ],
                )
                result = train(config, Path(tmp) / f"{path}-{seed}", progress=False)
                history = result["history"]
                curves.setdefault(path, []).append(history["val_loss"])
                seconds.setdefault(path, []).append(sum(history["epoch_seconds"]))
    fast_precision = resolve_precision("auto")
    rows = []
    for epoch in range(args.epochs):
        values = {path: [c[epoch] for c in curves[path]] for path in PATHS}
        naive = statistics.mean(values["naive"])
        row: dict[str, object] = {"epoch": epoch + 1}
        for path, losses in values.items():
            row[f"{path} val_loss"] = ", ".join(f"{v:.3f}" for v in losses)
        for path in ("fast", "bucketed"):
            row[f"{path} - naive"] = f"{statistics.mean(values[path]) - naive:+.3f}"
        spread = max(max(v) - min(v) for v in values.values())
        row["largest seed spread"] = f"{spread:.3f}"
        rows.append(row)
    print_results(rows, f"fast path precision here: {fast_precision}")
    for path, values in seconds.items():
        print(f"{path}: {statistics.mean(values) / args.epochs:.1f} s per epoch (mean of seeds)")
    write_results(args.json, rows, seconds=seconds)


if __name__ == "__main__":
    main()
