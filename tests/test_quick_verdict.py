"""`train --quick` on 240 clips at lr 1e-4 with a warm-up epoch: 32 optimizer steps, too short
to judge, not a failure blamed on the learning rate or the pairing; what would be long enough."""

from dataclasses import replace
from pathlib import Path

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.presets import resolve
from sign2text.training import train
from sign2text.training.health import TOO_SHORT
from sign2text.training.quick import conclude, describe, propose, quick_config
from sign2text.training.schedule import planned_lr_sum


def test_a_quick_run_of_32_steps_at_a_small_lr_is_too_short_to_judge(
    tiny_prepared: Path, tmp_path: Path
) -> None:
    overrides = [
        f"data.prepared={tiny_prepared}",
        "text.tokenizer=word",
        "text.vocab_size=500",
        *TINY_MODEL,
        "train.lr=1e-4",
        "train.warmup_epochs=1.0",
        "train.scheduler=cosine",
        "train.batch_size=32",
        "train.num_workers=0",
        "train.precision=32-true",
        "train.val_decode_max=0",
        "quick.epochs=4",
    ]
    full = configuration.load(None, overrides)
    result = train(quick_config(full), tmp_path / "run", progress=False)
    quick = conclude(full, result)
    assert result["train_clips"] == 240 and quick.steps == 4 * 8  # 240 clips at batch 32
    assert result["history"]["lr_steps"][-1] < 32 * 1e-4
    assert quick.verdict.status == TOO_SHORT
    text = describe(quick, full)
    assert text.startswith("quick test verdict: TOO SHORT TO JUDGE — needs about ")
    assert "learning rate is too" not in text and "paired" not in text
    proposal = quick.proposal
    assert proposal is not None and proposal.clips == 240  # all there are, for more epochs
    assert f"{proposal.clips} clips at batch 32 for {proposal.epochs} epochs" in text
    assert "this run took 32" in text
    steps_per_epoch = proposal.steps // proposal.epochs
    planned = replace(full.train, epochs=proposal.epochs)
    assert planned_lr_sum(planned, steps_per_epoch, proposal.epochs) >= 0.15
    shorter = replace(full.train, epochs=proposal.epochs - 1)
    assert planned_lr_sum(shorter, steps_per_epoch, proposal.epochs - 1) < 0.15
    assert "even the full run (40 epochs of 240 clips)" in text  # 320 steps: too few as well
    assert "(timed on only 240 clips: a rough guess)" in text  # 7.5 batches per epoch


def test_a_proposal_adds_clips_before_epochs_and_gives_up_on_a_hopeless_lr() -> None:
    full = configuration.load(resolve("how2sign_v2"))  # lr 1e-4, a warm-up epoch, 4 epochs
    proposal = propose(full, 31_000)
    assert proposal is not None and proposal.epochs == full.quick.epochs
    steps = proposal.steps // proposal.epochs
    assert proposal.clips == steps * full.train.batch_size <= 31_000
    train = replace(full.train, epochs=proposal.epochs)
    planned = [planned_lr_sum(train, n, proposal.epochs) for n in (steps - 1, steps)]
    assert planned[0] < full.health.min_lr_steps <= planned[1]
    assert propose(replace(full, train=replace(full.train, lr=1e-8)), 31_000) is None
