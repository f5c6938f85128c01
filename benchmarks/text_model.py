"""A text model behind the keypoint encoder (`model.text_model`) against V2 at equal wall time.

No pretrained weights are reachable here, so this measures the plumbing, not pretraining: V2
scaled to the CPU (BENCHMARKS.md) against an *untrained* T5 of similar size (d_model 128,
4 heads, 2+2 layers, ff 256, dropout 0.1, a SentencePiece vocabulary trained on the training
sentences: `sign2text.model.untrained`) behind the same keypoint encoder, with the same
learning rate, schedule, data and decoding, each trained through the CLI for the same minutes
and evaluated with its ablations. The two run side by side, so that whatever else runs on the
machine takes the same share from each. One JSON line per run.

    python benchmarks/text_model.py --minutes 8 --threads 1 --json results.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.learning import Variant, run_sign2text

from sign2text.data.dataset import PreparedSplit
from sign2text.model.untrained import Sizes, write_untrained

# V2 scaled to the CPU (BENCHMARKS.md, "V2 scaled to the CPU"), with max_frames 256.
V2_CPU = (
    "data.max_frames=256",
    "model.d_model=128",
    "model.heads=4",
    "model.ff=256",
    "model.encoder_layers=2",
    "model.decoder_layers=2",
    "model.dropout=0.1",
    "text.tokenizer=word",
    "train.lr=5e-4",
    "train.warmup_epochs=0",
    "train.scheduler=plateau",
    "train.num_workers=0",
    "decode.beam_size=1",
)
T5_SIZES = Sizes(d_model=128, heads=4, layers=2, ff=256, dropout=0.1)  # V2 scaled's sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="training budget of each run")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("/work/main/data/learning/synth-demo/prepared"),
        help="a prepared dataset (read only), e.g. data/demo/prepared after `make demo`",
    )
    parser.add_argument("--vocab", type=int, default=400, help="the T5's SentencePiece pieces")
    parser.add_argument("--runs", type=Path, default=Path("runs/bench_text_model"))
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per training")
    parser.add_argument("--json", type=Path, required=True, help="append one line per run here")
    args = parser.parse_args()
    threads = str(args.threads)
    env = {**os.environ, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    args.runs.mkdir(parents=True, exist_ok=True)
    import torch
    import transformers

    print(json.dumps({"python": platform.python_version(), "torch": torch.__version__,
                      "transformers": transformers.__version__, "cpu": platform.machine(),
                      "cores": os.cpu_count(), "threads": args.threads}), flush=True)  # fmt: skip
    sentences = [clip.sentence for clip in PreparedSplit(args.data, "train").clips]
    t5 = write_untrained(args.runs / "untrained-t5", "t5", sentences, args.vocab, T5_SIZES)
    budget = [f"train.max_minutes={args.minutes}", "train.epochs=1000"]
    variants = [
        Variant("v2-cpu", "how2sign_v2", V2_CPU),
        Variant("t5-untrained", "how2sign_v2", (*V2_CPU, f"model.text_model={t5.resolve()}")),
    ]
    with ThreadPoolExecutor(len(variants)) as pool:  # side by side: the same share of the CPU
        rows = pool.map(lambda v: _measure(v, args.data, args.runs, budget, env), variants)
        for row in rows:
            print(json.dumps(row), flush=True)
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")


def _measure(
    variant: Variant, data: Path, runs: Path, budget: list[str], env: dict[str, str]
) -> dict[str, Any]:
    """Train and evaluate one variant; its row of the results table."""
    started = time.perf_counter()
    run_dir = runs / variant.label
    log = runs / f"{variant.label}.log"
    figures = run_sign2text(variant, data, run_dir, budget, env, log)
    parameters = json.loads((run_dir / "eval_test" / "metrics.json").read_text())["parameters"]
    row = {"learner": variant.label, "parameters": parameters, **figures}
    row["wall seconds (train + evaluate)"] = round(time.perf_counter() - started, 1)
    return row


if __name__ == "__main__":
    main()
