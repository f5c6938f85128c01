"""The model learns: on the tiny synthetic sign language it reaches a BLEU-4 that a model
ignoring its input cannot reach, and its own ablations collapse."""

from pathlib import Path

import pytest

from sign2text import config as configuration
from sign2text.evaluation.evaluate import evaluate
from sign2text.presets import resolve
from sign2text.training import train

TINY_RUN = [
    "model.d_model=64",
    "model.heads=4",
    "model.ff=128",
    "model.encoder_layers=2",
    "model.decoder_layers=2",
    "model.dropout=0.1",
    "train.epochs=40",
    "train.batch_size=8",
    "train.lr=2e-3",
    "train.val_decode_max=0",
    "train.early_stopping_patience=100",
]


@pytest.mark.slow  # 40 epochs: about two minutes on 2 cores
def test_tiny_model_learns_to_translate(tiny_prepared: Path, tmp_path: Path) -> None:
    config = configuration.load(resolve("demo"), [f"data.prepared={tiny_prepared}", *TINY_RUN])
    history = train(config, tmp_path / "run", progress=False)["history"]
    assert history["val_loss_swapped"][-1] - history["val_loss"][-1] > 0.5  # it reads input
    metrics = evaluate(tmp_path / "run", "test", progress=False)
    blind = max(metrics["ablations"][name]["bleu4"] for name in metrics["ablations"])
    assert metrics["bleu4"] >= 15, metrics
    assert metrics["bleu4"] >= blind + 8, metrics["ablations"]
    assert metrics["warnings"] == []
