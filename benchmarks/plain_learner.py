"""A plain sign-to-text learner on How2Sign-layout data: the bar sign2text's defaults must clear.

Written to be simple and independent of sign2text (issue 12): it reads the raw OpenPose JSON and
the re-aligned tables itself; features are neck-centred, shoulder-scaled keypoints times their
confidence with the confidence appended (no wrist-relative hands); Linear + ReLU, one
Conv1d(k=5, stride 2), learned positions, `nn.Transformer` d128 / 4 heads / 2+2 layers / ff 512 /
dropout 0.1 (post-LN); AdamW lr 5e-4 constant, no warm-up, no label smoothing; lower-cased word
vocabulary; random batches of 32; greedy decoding; no validation during training. It trains for
a wall-clock budget (training only) and scores the test split, and the test split with every
clip's keypoints swapped for another's, with sacrebleu against lower-cased references.

    python benchmarks/plain_learner.py RAW_FOLDER --minutes 4 [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import time
from pathlib import Path

import numpy as np
import orjson
import sacrebleu
import torch
from torch import nn

WORD = re.compile(r"[\w']+|[^\w\s]")
PAD, BOS, EOS, UNK = 0, 1, 2, 3
PARTS = ("pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d",
         "hand_right_keypoints_2d")  # fmt: skip


def clip_folder(root: Path, split: str, name: str) -> Path:
    """Where a clip's frame files are: `openpose/NAME` or How2Sign's shipped layout."""
    flat = root / "openpose" / name
    return flat if flat.is_dir() else root / f"{split}_2D_keypoints/openpose_output/json/{name}"


def read_clip(folder: Path) -> np.ndarray:
    """One clip's frames.  -> (T, 137, 3) x, y, confidence; a frame without a person is 0."""
    frames = []
    for path in sorted(folder.glob("*_keypoints.json")):
        people = orjson.loads(path.read_bytes())["people"]
        values = [v for part in PARTS for v in people[0][part]] if people else [0.0] * 411
        frames.append(np.asarray(values, np.float32).reshape(137, 3))
    return np.stack(frames)


def features(clip: np.ndarray) -> np.ndarray:
    """Neck-centred, shoulder-scaled keypoints times confidence, confidence appended.
    (T, 137, 3) -> (T, 411)"""
    xy, confidence = clip[..., :2], clip[..., 2:]
    seen = confidence[..., 0] > 0
    neck = xy[seen[:, 1], 1].mean(0) if seen[:, 1].any() else xy[seen].mean(0)
    both = seen[:, 2] & seen[:, 5]
    width = np.linalg.norm(xy[both, 2] - xy[both, 5], axis=-1).mean() if both.any() else 100.0
    centred = (xy - neck) / max(float(width), 1e-3) * confidence
    return np.concatenate([centred, confidence], -1).reshape(len(clip), -1).astype(np.float32)


def load_split(root: Path, split: str) -> list[tuple[np.ndarray, str]]:
    """(features, lower-cased sentence) of every clip of a split's table."""
    table = root / f"how2sign_realigned_{split}.csv"
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        (features(read_clip(clip_folder(root, split, r["SENTENCE_NAME"]))), r["SENTENCE"].lower())
        for r in rows
    ]


class Plain(nn.Module):
    """Keypoint frames in, token logits out."""

    def __init__(self, vocab: int, d: int = 128) -> None:
        super().__init__()
        self.project = nn.Sequential(nn.Linear(411, d), nn.ReLU())
        self.conv = nn.Conv1d(d, d, kernel_size=5, stride=2, padding=2)
        self.source_positions = nn.Embedding(2048, d)
        self.target_positions = nn.Embedding(256, d)
        self.embed = nn.Embedding(vocab, d, padding_idx=PAD)
        self.transformer = nn.Transformer(d, 4, 2, 2, 512, 0.1, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.conv(self.project(x).transpose(1, 2)).transpose(1, 2)  # (B, ceil(T/2), d)
        steps = torch.arange(h.shape[1])
        padding = steps[None] >= ((lengths + 1) // 2)[:, None]
        h = h + self.source_positions(steps)
        return self.transformer.encoder(h, src_key_padding_mask=padding), padding

    def decode(self, memory: torch.Tensor, padding: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        steps = torch.arange(y.shape[1])
        h = self.embed(y) + self.target_positions(steps)
        causal = torch.ones(y.shape[1], y.shape[1], dtype=torch.bool).triu(1)
        h = self.transformer.decoder(
            h, memory, tgt_mask=causal, tgt_key_padding_mask=y == PAD,
            memory_key_padding_mask=padding,
        )  # fmt: skip
        return self.out(h)


def batch(clips: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(c) for c in clips])
    x = torch.zeros(len(clips), int(lengths.max()), 411)
    for i, c in enumerate(clips):
        x[i, : len(c)] = torch.from_numpy(c)
    return x, lengths


@torch.no_grad()
def greedy(model: Plain, clips: list[np.ndarray], words: list[str], limit: int = 60) -> list[str]:
    model.eval()
    out = []
    for start in range(0, len(clips), 64):
        memory, padding = model.encode(*batch(clips[start : start + 64]))
        y = torch.full((len(memory), 1), BOS)
        for _ in range(limit):
            y = torch.cat([y, model.decode(memory, padding, y)[:, -1].argmax(-1)[:, None]], 1)
        for row in y[:, 1:].tolist():
            row = row[: row.index(EOS)] if EOS in row else row
            out.append(" ".join(words[i] for i in row if i >= UNK))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--epochs", type=int, default=0, help="stop after this many (0: budget)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, test = load_split(args.root, "train"), load_split(args.root, "test")
    counts: dict[str, int] = {}
    for _, sentence in train:
        for w in WORD.findall(sentence):
            counts[w] = counts.get(w, 0) + 1
    words = ["<pad>", "<s>", "</s>", "<unk>", *sorted(counts, key=lambda w: -counts[w])]
    ids = {w: i for i, w in enumerate(words)}
    targets = [[BOS, *(ids[w] for w in WORD.findall(s)), EOS] for _, s in train]
    model = Plain(len(words))
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-4)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    started, steps, epochs, seen = time.perf_counter(), 0, 0, 0
    budget = args.minutes * 60 if not args.epochs else float("inf")
    while time.perf_counter() - started < budget and (not args.epochs or epochs < args.epochs):
        model.train()
        order = rng.permutation(len(train))
        for first in range(0, len(order), 32):
            rows = order[first : first + 32]
            x, lengths = batch([train[i][0] for i in rows])
            y = nn.utils.rnn.pad_sequence(
                [torch.tensor(targets[i]) for i in rows], batch_first=True, padding_value=PAD
            )
            memory, padding = model.encode(x, lengths)
            logits = model.decode(memory, padding, y[:, :-1])
            loss = loss_fn(logits.flatten(0, 1), y[:, 1:].flatten())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            steps, seen = steps + 1, seen + len(rows)
            if time.perf_counter() - started >= budget:
                break
        epochs += 1
    seconds = time.perf_counter() - started
    clips, references = [c for c, _ in test], [s for _, s in test]
    swapped = clips[1:] + clips[:1]
    result = {
        "train_seconds": round(seconds, 1),
        "epochs": epochs,  # the last one possibly cut short by the budget
        "steps": steps,
        "clips_per_second": round(seen / seconds, 1),
        "test_bleu4": sacrebleu.corpus_bleu(
            greedy(model, clips, words), [references], force=True
        ).score,
        "swapped_bleu4": sacrebleu.corpus_bleu(
            greedy(model, swapped, words), [references], force=True
        ).score,
    }
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
