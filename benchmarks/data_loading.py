"""Data loading alone: can the loader feed the model faster than the model consumes?

Builds How2Sign-shaped prepared data (random keypoints, How2Sign's clip lengths), then times
one epoch of batches, with no model, through
- the naive loader: a plain Dataset that copies each clip out of the prepared array and picks
  its points with a list index, random batches of 32, one process;
- sign2text's loader as training uses it: `TranslationDataset` + `BucketBatchSampler` +
  `collate_packed` (clips end to end, unpadded) in a `DataLoader` with `--workers`
  processes (pinned memory when a GPU is present), padded after the copy to the device; the
  same random batches (training's default; the length-sorted parts are cut on the device);
- the same with batches padded in the loader (`collate`): what workers hand over then is
  mostly padding.
Medians over repeats, clips per second, against the rates at which a model consumes clips:
this machine's measured V2 training rate (`--model-rate`, from train_throughput.py) and the
H100 fast-path rate in ../shared/FINDINGS.md.

    python benchmarks/data_loading.py --clips 2000 --workers 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).parent))
from common import how2sign_like_prepared, peak_rss_mib, print_results, write_results
from sign2text.data.dataset import (
    BucketBatchSampler,
    PackedBatch,
    PreparedSplit,
    TranslationDataset,
    collate,
    collate_packed,
    load_tokenizer,
)

H100_FAST_PATH_CLIPS_PER_SECOND = 4456  # ../shared/FINDINGS.md, bf16, 32k-frame budget


class NaiveDataset(Dataset):
    """What a first implementation looks like: copy the clip, then index its points."""

    def __init__(self, split: PreparedSplit, targets: list[list[int]]) -> None:
        self.split, self.targets = split, targets
        self.points = list(range(split.frames.shape[1]))

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        clip = self.split.clips[i]
        frames = np.array(self.split.frames[clip.start : clip.start + clip.frames])
        return torch.tensor(frames[:, self.points]), torch.tensor(self.targets[i]), i


def _epoch_rate(loader: DataLoader, clips: int) -> float:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    started = time.perf_counter()
    for batch in loader:
        batch = batch.to(device)
        if isinstance(batch, PackedBatch):
            batch.padded()  # what training does after the copy
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return clips / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model-rate", type=float, default=None, help="V2 train clips/s here")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prepared = how2sign_like_prepared(Path(tmp), args.clips)
        split = PreparedSplit(prepared, "train")
        tokenizer = load_tokenizer(prepared, "word", 8000)
        dataset = TranslationDataset(split, tokenizer, list(range(137)), 512, 64)
        cuda = torch.cuda.is_available()
        pinned = ", pinned" if cuda else ""

        def loader(source: Dataset, collate_fn: object, workers: int) -> DataLoader:
            return DataLoader(
                source,  # every loader gets the same random batches of the same clips
                batch_sampler=BucketBatchSampler(dataset.lengths, 32, bucket=False),
                collate_fn=collate_fn,
                num_workers=workers,
                pin_memory=cuda,
                persistent_workers=workers > 0,
                prefetch_factor=4 if workers else None,
            )

        naive = NaiveDataset(split, dataset.targets)
        loaders = {
            "naive: random batches of 32, padded, one process": loader(naive, collate, 0),
            "sign2text: padded in the loader, one process": loader(dataset, collate, 0),
            f"sign2text: padded in the loader, {args.workers} workers{pinned}": loader(
                dataset, collate, args.workers
            ),
            "sign2text: unpadded, padded after the copy, one process": loader(
                dataset, collate_packed, 0
            ),
            f"sign2text: unpadded, padded after the copy, {args.workers} workers{pinned}": (
                loader(dataset, collate_packed, args.workers)
            ),
        }
        rates: dict[str, list[float]] = {name: [] for name in loaders}
        for _ in range(args.repeats):
            for name, loader in loaders.items():
                rates[name].append(_epoch_rate(loader, len(dataset)))
        frames = sum(c.frames for c in split.clips)
    rows = [
        {
            "loader": name,
            "clips/s (median)": f"{statistics.median(values):,.0f}",
            "runs": ", ".join(f"{v:,.0f}" for v in values),
        }
        for name, values in rates.items()
    ]
    ours = max(statistics.median(v) for name, v in rates.items() if name.startswith("sign2text"))
    print_results(
        rows, f"{args.clips} clips, {frames:,} frames; peak RSS {peak_rss_mib():,.0f} MiB"
    )
    consumers = {"H100 fast path (FINDINGS)": H100_FAST_PATH_CLIPS_PER_SECOND}
    if args.model_rate:
        consumers["V2 training on this machine"] = args.model_rate
    for name, rate in consumers.items():
        verdict = "loader faster" if ours > rate else "LOADER IS THE BOTTLENECK"
        print(f"{name}: {rate:,.0f} clips/s; best loader / consumer {ours / rate:.1f}x ({verdict})")
    write_results(args.json, rows)


if __name__ == "__main__":
    main()
