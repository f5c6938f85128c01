"""Training throughput at the V2 size on How2Sign-shaped data: sign2text against a naive loop.

The naive baseline is the straightforward implementation: a per-frame projection and
`nn.Transformer` (V2 sizes, float causal mask, boolean padding masks), fp32, random batches of
32 clips padded to the longest clip in the batch, no bucketing, no temporal down-sampling.
sign2text runs its real training path (`sign2text.training.train`, Lightning, random
batches of 32 run as length-sorted parts of at most `train.micro_frames` padded frames,
normalisation on the device, 2x temporal down-sampling of the V2 preset) on the same clips,
with its default precision (`auto`) and again in fp32. All see the same number of clips; the
script reports clips per second (median over repeats), seconds per How2Sign epoch (29,000
clips) extrapolated from it, and peak memory.

    python benchmarks/train_throughput.py --clips 320 --repeats 2
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from common import how2sign_like_prepared, peak_rss_mib, print_results, write_results
from sign2text import config as configuration
from sign2text.data.dataset import PreparedSplit, TranslationDataset, collate
from sign2text.model.translator import sinusoids
from sign2text.presets import resolve
from sign2text.training import train
from sign2text.training.data import load_data
from sign2text.training.runtime import resolve_precision

EPOCH_CLIPS = 29_000


class NaiveTranslator(nn.Module):
    """What a first implementation looks like: per-frame Linear + nn.Transformer."""

    def __init__(
        self,
        features: int,
        vocab: int,
        d: int = 512,
        heads: int = 8,
        layers: int = 3,
        ff: int = 2048,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.project = nn.Linear(features, d)
        self.embed = nn.Embedding(vocab, d)
        self.transformer = nn.Transformer(d, heads, layers, layers, ff, dropout, batch_first=True)
        self.output = nn.Linear(d, vocab)

    def forward(
        self, x: torch.Tensor, frame_mask: torch.Tensor, tokens: torch.Tensor
    ) -> torch.Tensor:
        source = self.project(x) + sinusoids(x.shape[1], self.project.out_features, x.device)
        target = self.embed(tokens) + sinusoids(
            tokens.shape[1], self.project.out_features, x.device
        )
        causal = nn.Transformer.generate_square_subsequent_mask(tokens.shape[1], device=x.device)
        h = self.transformer(
            source,
            target,
            tgt_mask=causal,
            src_key_padding_mask=~frame_mask,
            tgt_key_padding_mask=tokens == 0,
            memory_key_padding_mask=~frame_mask,
        )
        return self.output(h)


def naive_clips_per_second(
    dataset: TranslationDataset, vocab: int, device: torch.device, seed: int
) -> float:
    """One pass of the naive loop over `dataset` in random batches of 32."""
    torch.manual_seed(seed)
    model = NaiveTranslator(dataset[0][0].shape[1] * dataset[0][0].shape[2], vocab).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    order = np.random.default_rng(seed).permutation(len(dataset))
    started = time.perf_counter()
    for start in range(0, len(order), 32):
        batch = collate([dataset[int(i)] for i in order[start : start + 32]]).to(device)
        x = batch.keypoints.flatten(2)  # raw coordinates, as a first implementation would
        logits = model(x, batch.frame_mask, batch.tokens_in)
        loss = nn.functional.cross_entropy(
            logits.flatten(0, 1), batch.tokens_out.flatten(), ignore_index=0, label_smoothing=0.1
        )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(dataset) / (time.perf_counter() - started)


def ours_clips_per_second(prepared: Path, run_dir: Path, overrides: list[str]) -> float:
    """One epoch of sign2text's own training path; its history reports train clips/s."""
    config = configuration.load(
        resolve("how2sign_v2"),
        [
            f"data.prepared={prepared}",
            "train.epochs=1",
            "train.val_decode_max=0",
            "train.num_workers=0",
            "text.tokenizer=word",
            *overrides,
        ],
    )
    result = train(config, run_dir, progress=False)
    return float(result["history"]["clips_per_second"][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=320, help="training clips per pass")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="overrides for sign2text")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        prepared = how2sign_like_prepared(Path(tmp), args.clips)
        config = configuration.load(
            resolve("how2sign_v2"), [f"data.prepared={prepared}", "text.tokenizer=word"]
        )
        data = load_data(config)
        lengths = [c.frames for c in PreparedSplit(prepared, "train").clips]
        naive, ours, ours_fp32 = [], [], []
        for repeat in range(args.repeats):
            ours.append(ours_clips_per_second(prepared, Path(tmp) / f"run{repeat}", args.set))
            ours_fp32.append(
                ours_clips_per_second(
                    prepared, Path(tmp) / f"fp32-{repeat}", [*args.set, "train.precision=32-true"]
                )
            )
            naive.append(naive_clips_per_second(data.train, len(data.tokenizer), device, repeat))
    precision = resolve_precision(config.train.precision)
    rows = []
    for name, values in (
        ("naive (fp32, random batches of 32, nn.Transformer)", naive),
        (f"sign2text (train path, V2 preset, precision auto = {precision})", ours),
        ("sign2text (train path, V2 preset, 32-true)", ours_fp32),
    ):
        rate = statistics.median(values)
        rows.append(
            {
                "path": name,
                "clips/s (median)": f"{rate:.1f}",
                "s per 29k-clip epoch": f"{EPOCH_CLIPS / rate:,.0f}",
                "runs": ", ".join(f"{v:.1f}" for v in values),
                "x naive": f"{statistics.median(values) / statistics.median(naive):.2f}",
            }
        )
    ratio = statistics.median(ours) / statistics.median(naive)
    print_results(
        rows,
        f"{args.clips} How2Sign-shaped clips (median {int(np.median(lengths))} frames, "
        f"max {max(lengths)}); peak RSS {peak_rss_mib():,.0f} MiB"
        + (
            f"; peak GPU {torch.cuda.max_memory_allocated() / 2**20:,.0f} MiB"
            if device.type == "cuda"
            else ""
        ),
    )
    print(f"speed-up: {ratio:.2f}x")
    write_results(args.json, rows, ratio=ratio, clips=args.clips)


if __name__ == "__main__":
    main()
