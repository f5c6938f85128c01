"""Training on PyTorch Lightning: `data` (what training reads), `schedule` (learning rates),
`module` (the LightningModule), `recording` (history, checkpoints, resume points) and `fit`
(`train(config, run_dir)`, which puts them together)."""

from sign2text.training.fit import Devices, train
from sign2text.training.module import Diverged

__all__ = ["Devices", "Diverged", "train"]
