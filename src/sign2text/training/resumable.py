"""The exact resume state that the translator's and `pretrain`'s LightningModules share, and
the share of a run's time budget spent."""

from __future__ import annotations

from typing import Any

from lightning.pytorch.callbacks import Timer

from sign2text.training import randomness


class ExactResume:
    """Mixin for a LightningModule that keeps per-epoch sums in `_sums`, counts
    `batches_done` in the current epoch and starts its loader at `start` after a resume.

    Besides Lightning's state, a resume point holds this epoch's sums, where the run is
    (epoch, batches done; the next epoch once every batch is done), whether it was told to
    stop, and every random-number state, so that a resumed run goes on exactly as this one
    would; `extra_resume_state` adds a module's own values.
    """

    def extra_resume_state(self) -> dict[str, Any]:
        return {}

    def restore_extra_state(self, saved: dict[str, Any]) -> None:
        """Read back what `extra_resume_state` saved."""

    def on_save_checkpoint(self, state: dict[str, Any]) -> None:
        epoch, done = self.current_epoch, self.batches_done
        if done >= self.trainer.num_training_batches:
            epoch, done = epoch + 1, 0
        state["sign2text"] = {
            "sums": dict(self._sums),
            "position": [epoch, done],
            "should_stop": self.trainer.should_stop,
            "rng": randomness.states(),
            **self.extra_resume_state(),
        }

    def on_load_checkpoint(self, state: dict[str, Any]) -> None:
        saved = state["sign2text"]
        self._sums = dict(saved["sums"])
        epoch, self.batches_done = saved["position"]
        self.start = (epoch, self.batches_done)
        self.trainer.should_stop = bool(saved["should_stop"])
        randomness.restore(saved["rng"])
        self.restore_extra_state(saved)

    def _budget_used(self) -> float:
        """Share of the `train.max_minutes` budget spent so far (0 without a budget), read
        from the timer Lightning stops the run with."""
        minutes = self.config.train.max_minutes
        timer = next((c for c in self.trainer.callbacks if isinstance(c, Timer)), None)
        if not minutes or timer is None:
            return 0.0
        return timer.time_elapsed() / (minutes * 60)
