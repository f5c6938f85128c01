"""Beam-5 decoding at the V2 size: sign2text's decoding against a naive decoding loop.

All rows use sign2text's `beam_search` with the same model, clips and limits. The baseline
hands it one clip at a time and a decoder that recomputes the whole prefix at every step (what
`model.decode` alone gives, as a simple evaluation loop would); sign2text steps its
incremental decoder (cached earlier positions), one clip at a time and in batches of clips of
similar length. The model is untrained
(decoding cost does not depend on the weights, only on how long hypotheses get, so every
hypothesis is run to a fixed `--tokens` limit). Reports sentences per second and the time
How2Sign's 2,357 test clips would take.

    python benchmarks/beam_decoding.py --clips 32 --batch-size 8
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import print_results, write_results
from sign2text import config as configuration
from sign2text.config import DecodeConfig
from sign2text.data.synth import sample_lengths
from sign2text.model.decoding import beam_search
from sign2text.model.translator import Translator
from sign2text.presets import resolve

TEST_CLIPS = 2357


class FullPrefixOnly(torch.nn.Module):
    """The model seen only through `decode`: decoding recomputes the whole prefix each step."""

    def __init__(self, model: Translator) -> None:
        super().__init__()
        self.model = model

    def decode(self, memory: torch.Tensor, padding: torch.Tensor, tokens: torch.Tensor):
        return self.model.decode(memory, padding, tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=20, help="tokens every hypothesis gets")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    config = configuration.load(resolve("how2sign_v2"))
    torch.manual_seed(0)
    model = Translator(config.model, 137 * 3, 8000).to(device).eval()
    lengths = sample_lengths("how2sign", 1, args.clips).tolist()
    clips = [torch.randn(n, 137 * 3, device=device) for n in lengths]
    options = DecodeConfig(beam_size=5, length_penalty=1.0)

    @torch.no_grad()
    def decode(batch: list[torch.Tensor], decoder: torch.nn.Module) -> None:
        longest = max(len(c) for c in batch)
        x = torch.zeros(len(batch), longest, 137 * 3, device=device)
        mask = torch.zeros(len(batch), longest, dtype=torch.bool, device=device)
        for i, clip in enumerate(batch):
            x[i, : len(clip)], mask[i, : len(clip)] = clip, True
        memory, padding = model.encode(x, mask)
        limits = torch.full((len(batch),), args.tokens, device=device)
        beam_search(decoder, memory, padding, limits, options)

    order = sorted(range(len(clips)), key=lambda i: lengths[i])  # batched: similar lengths

    def rate(batches: list[list[torch.Tensor]], decoder: torch.nn.Module) -> float:
        started = time.perf_counter()
        for batch in batches:
            decode(batch, decoder)
        return len(clips) / (time.perf_counter() - started)

    one_at_a_time = [[clip] for clip in clips]
    batched = [
        [clips[i] for i in order[s : s + args.batch_size]]
        for s in range(0, len(order), args.batch_size)
    ]
    naive = "naive: one sentence at a time, whole prefix every step"
    paths = {
        naive: (one_at_a_time, FullPrefixOnly(model)),
        "sign2text: one sentence at a time, incremental": (one_at_a_time, model),
        f"sign2text: batches of {args.batch_size} of similar length, incremental": (batched, model),
    }
    runs: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.repeats):
        for name, (batches, decoder) in paths.items():
            runs[name].append(rate(batches, decoder))
    baseline = statistics.median(runs[naive])
    rows = [
        {
            "beam-5 decoding": name,
            "sentences/s (median)": f"{statistics.median(v):.2f}",
            "x baseline": f"{statistics.median(v) / baseline:.2f}",
            "How2Sign test (2,357 clips)": f"{TEST_CLIPS / statistics.median(v) / 60:.1f} min",
        }
        for name, v in runs.items()
    ]
    print_results(
        rows,
        f"{args.clips} clips with How2Sign lengths, {args.tokens} tokens each, V2 model, "
        f"batch {args.batch_size}",
    )
    write_results(args.json, rows)


if __name__ == "__main__":
    main()
