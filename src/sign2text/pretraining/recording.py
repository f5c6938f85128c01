"""What a pretraining run keeps after every epoch: history.json with health, and the last and
best encoder checkpoints (weights-only loadable; `train --init` reads them)."""

from __future__ import annotations

import logging
import math
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback

from sign2text.config import Config
from sign2text.model.pretrained import save_encoder
from sign2text.pretraining.data import UnlabelledData
from sign2text.pretraining.health import assess_pretraining
from sign2text.pretraining.module import PretrainModule
from sign2text.run_folder import BEST, LAST, RunFolder

log = logging.getLogger(__name__)


class PretrainRecorder(Callback):
    """After every epoch: history.json (train_loss, val_loss, val_loss_baseline, ...) with
    the health verdict, the last encoder checkpoint, and the best by validation loss."""

    def __init__(self, run: RunFolder, config: Config, data: UnlabelledData) -> None:
        self.run, self.config, self.data = run, config, data
        self.history: dict[str, list[Any]] = {}
        self.best = math.inf

    def on_train_epoch_end(self, trainer: L.Trainer, module: PretrainModule) -> None:
        val = getattr(module, "val_record", None)
        if val is None:  # an epoch cut short before its validation
            return
        record: dict[str, Any] = {
            "epoch": trainer.current_epoch + 1,
            **module.train_record(),
            **val,
            "baseline_ratio": val["val_loss"] / max(val["val_loss_baseline"], 1e-12),
            "lr": trainer.optimizers[0].param_groups[0]["lr"],
        }
        history = {key: [*self.history.get(key, []), value] for key, value in record.items()}
        verdict = assess_pretraining(history, self.config.health)
        self.history = {**history, "health": [*self.history.get("health", []), verdict.line()]}
        self.run.write_history(self.history)
        log.info(
            "epoch %d/%d: %s",
            record["epoch"],
            self.config.pretrain.epochs,
            ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k != "epoch"),
        )
        log.info(
            "health after epoch %d: %s (loss %.1f%% of the clip baseline)",
            record["epoch"],
            verdict.line(),
            100 * record["baseline_ratio"],
        )
        self._save(module, record)

    def _save(self, module: PretrainModule, record: dict[str, Any]) -> None:
        parts = {
            "model": module.model,
            "head": module.head,
            "config": self.config,
            "source": self.data.source,
            "layout": self.data.layout,
            "points": self.data.points,
            "features": self.data.features,
            "info": {"epoch": record["epoch"], "metrics": record, "fps": self.data.fps},
        }
        save_encoder(self.run.checkpoint_file(LAST), **parts)
        if record["val_loss"] < self.best:
            self.best = record["val_loss"]
            save_encoder(self.run.checkpoint_file(BEST), **parts)

    def state_dict(self) -> dict[str, Any]:
        return {"history": self.history, "best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.best = float(state["best"])
