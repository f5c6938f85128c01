"""Does `torch.compile` pay for V2 training steps? Eager against compiled, same steps.

The V2 model (from the how2sign_v2 preset) takes training steps (forward, backward, AdamW)
on random batches of `--batch` clips with How2Sign's clip lengths, so almost every step brings
a new sequence length, as real training does. Both run the same steps, under bf16 autocast
where `precision: auto` would choose it. Reports the warm-up (the first `--warmup` steps,
which include compilation), the median of the later steps and how many graphs were compiled
(one per shape when dynamic shapes do not hold).

    python benchmarks/compile_check.py --warmup 8 --steps 11
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import peak_rss_mib, print_results, write_results
from sign2text import config as configuration
from sign2text.data.synth import sample_lengths
from sign2text.model.translator import Translator
from sign2text.presets import resolve
from sign2text.training.runtime import configure_kernels, resolve_precision


def _timed_steps(
    model: Callable, optimiser: torch.optim.Optimizer, shapes: list[int], batch: int, bf16: bool
) -> list[float]:
    device = next(iter(optimiser.param_groups[0]["params"])).device
    seconds = []
    for length in shapes:
        features = torch.randn(batch, length, 137 * 3, device=device)
        mask = torch.ones(batch, length, dtype=torch.bool, device=device)
        mask[0, length // 2 :] = False
        tokens = torch.randint(4, 8000, (batch, 16), device=device)
        started = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = model(features, mask, tokens).float().logsumexp(-1).mean()
        loss.backward()
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--steps", type=int, default=11)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    configure_kernels()
    config = configuration.load(resolve("how2sign_v2"))
    bf16 = resolve_precision("auto").startswith("bf16")
    lengths = sample_lengths("how2sign", 3, args.warmup + args.steps).tolist()
    rows = []
    for name in ("eager", "torch.compile(dynamic=True)"):
        torch.manual_seed(0)
        model = Translator(config.model, 137 * 3, 8000).to(device).train()
        optimiser = torch.optim.AdamW(model.parameters(), lr=1e-4)
        run = model if name == "eager" else torch.compile(model, dynamic=True)
        torch._dynamo.reset()
        seconds = _timed_steps(run, optimiser, lengths, args.batch, bf16)
        graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
        warmup, steady = seconds[: args.warmup], seconds[args.warmup :]
        rows.append(
            {
                "path": name,
                "warm-up s": f"{sum(warmup):.1f}",
                "median step s": f"{statistics.median(steady):.3f}",
                "graphs compiled": str(graphs),
            }
        )
        print(rows[-1], flush=True)
    print_results(
        rows,
        f"batch {args.batch}, bf16 {bf16}, lengths {lengths}; peak RSS {peak_rss_mib():,.0f} MiB",
    )
    write_results(args.json, rows)


if __name__ == "__main__":
    main()
