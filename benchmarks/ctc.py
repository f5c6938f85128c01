"""CTC gloss supervision at equal wall time: does a recognition head help translation?

Writes our synthetic language with a 300-sign vocabulary (the demo's generator and clip
lengths, six times its vocabulary: a setting where translation-only training learns slowly),
prepares it with the glosses synth writes beside it (`prepare how2sign --glosses`), then trains
the demo preset with and without `model.ctc_weight` for the same minutes and seeds, through the
CLI, and evaluates each run. One JSON line per run: test BLEU-4, its swapped-input score, gloss
WER, epochs, and the training time to reach a validation BLEU-4 threshold.

    python benchmarks/ctc.py --minutes 4 --seeds 0,1 --threads 1 --json results.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.learning import SIGN2TEXT, Variant, _run, run_sign2text

from sign2text.data.synth import SIZES, write_dataset

LANGUAGE = replace(SIZES["demo"], name="bench-300", lexicon=300, clips=(1200, 150, 150))
THRESHOLDS = (10.0, 20.0)  # validation BLEU-4 whose time to reach is reported


def ensure_data(root: Path, env: dict[str, str], log: Path) -> Path:
    """The 300-sign language, written and prepared with its glosses on first use."""
    raw, prepared = root / "raw", root / "prepared"
    if not raw.exists():
        write_dataset(raw, size=LANGUAGE, seed=0, workers=1)
    if not (prepared / "meta.json").exists():
        glosses = raw / "synth_glosses.tsv"
        command = [*SIGN2TEXT, "prepare", "how2sign", str(raw), "--glosses", str(glosses)]
        _run([*command, "--out", str(prepared), "--config", "demo"], env, log)
    return prepared


def seconds_to(history: dict[str, list[Any]], threshold: float) -> float | None:
    """Training seconds (whole epochs) until validation BLEU-4 first reached `threshold`."""
    elapsed = 0.0
    for seconds, bleu in zip(history["epoch_seconds"], history.get("val_bleu4", []), strict=False):
        elapsed += seconds
        if bleu >= threshold:
            return round(elapsed, 1)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="training budget of each run")
    parser.add_argument("--seeds", default="0,1", help="training seeds, comma-separated")
    parser.add_argument("--weights", default="0,1", help="model.ctc_weight values to compare")
    parser.add_argument("--data", type=Path, default=Path("data/ctc"))
    parser.add_argument("--runs", type=Path, default=Path("runs/bench_ctc"))
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per training")
    parser.add_argument("--json", type=Path, required=True, help="append one line per run here")
    args = parser.parse_args()
    threads = str(args.threads)
    env = {**os.environ, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    args.runs.mkdir(parents=True, exist_ok=True)
    log = args.runs / "bench.log"
    import torch

    print(json.dumps({"python": platform.python_version(), "torch": torch.__version__,
                      "cpu": platform.machine(), "cores": os.cpu_count(),
                      "threads": args.threads}), flush=True)  # fmt: skip
    started = time.perf_counter()
    prepared = ensure_data(args.data, env, log)
    print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)
    budget = [f"train.max_minutes={args.minutes}", "train.epochs=1000"]
    for seed in (int(s) for s in args.seeds.split(",")):
        for weight in (float(w) for w in args.weights.split(",")):
            label = f"ctc{weight:g}"
            overrides = (f"model.ctc_weight={weight}", f"train.seed={seed}")
            run_dir = args.runs / f"{label}-s{seed}"
            figures = run_sign2text(Variant(label, "demo", overrides), prepared, run_dir,
                                    budget, env, log)  # fmt: skip
            history = json.loads((run_dir / "history.json").read_text())
            metrics = json.loads((run_dir / "eval_test" / "metrics.json").read_text())
            gloss_wer = metrics.get("gloss_wer")
            row = {"learner": label, "seed": seed, **figures}
            row["gloss WER"] = round(gloss_wer, 3) if gloss_wer is not None else None
            for threshold in THRESHOLDS:
                row[f"seconds to val BLEU-4 {threshold:g}"] = seconds_to(history, threshold)
            print(json.dumps(row), flush=True)
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
