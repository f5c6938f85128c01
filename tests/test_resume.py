"""Exact resume: a run resumed from any resume point, or after kill -9 at any moment, ends with
the weights and history of the uninterrupted run (timing figures aside); an interrupted
`prepare` resumed ends with the same files."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TINY_MODEL, make_how2sign_folder, weights_digest
from sign2text import config as configuration
from sign2text import training
from sign2text.cli import main
from sign2text.model import checkpoint
from sign2text.run_folder import RESUME
from sign2text.runs import run_status

TESTS = Path(__file__).resolve().parent
TIMING = {"epoch_seconds", "clips_per_second", "val_seconds", "data_wait_share"}


def _overrides(prepared: Path, workers: int, *extra: str) -> list[str]:
    return [
        f"data.prepared={prepared}",
        *TINY_MODEL,
        "model.dropout=0.1",  # dropout on: the random-number states matter
        "train.batch_size=4",
        "train.epochs=3",
        "train.early_stopping_patience=100",
        "train.checkpoint_minutes=1e-9",  # a resume point after every batch
        f"train.num_workers={workers}",
        *extra,
    ]


def outcome(run_dir: Path) -> tuple[str, str, dict]:
    """Digests of the last and best weights, and the history without its timing figures."""
    history = json.loads((run_dir / "history.json").read_text())
    return (
        weights_digest(checkpoint.load(run_dir / "last_checkpoint.pt").model),
        weights_digest(checkpoint.load(run_dir / "best_checkpoint.pt").model),
        {key: values for key, values in history.items() if key not in TIMING},
    )


@pytest.mark.parametrize("workers", [0, 2])
def test_resuming_from_a_resume_point_gives_the_uninterrupted_run(
    random_prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    config = configuration.load(None, _overrides(random_prepared, workers, "train.epochs=2"))
    points: list[Path] = []
    write_state = checkpoint.write_state

    def keep_every_resume_point(path: Path, state: dict) -> None:
        write_state(path, state)
        if Path(path).name == RESUME:
            points.append(tmp_path / f"point-{len(points):02d}.ckpt")
            shutil.copy(path, points[-1])

    monkeypatch.setattr(checkpoint, "write_state", keep_every_resume_point)
    training.train(config, tmp_path / "whole", progress=False)
    monkeypatch.undo()
    expected = outcome(tmp_path / "whole")
    assert len(points) == 2 * 6  # 24 clips in batches of 4: after 5 batches and each epoch end
    # inside an epoch (drawn with a fixed seed) and at the end of the first
    for n in [random.Random(workers).choice([1, 3, 7, 9]), 5]:
        run_dir = tmp_path / f"resumed-{n}"
        run_dir.mkdir()
        shutil.copy(tmp_path / "whole" / "config.yaml", run_dir / "config.yaml")
        shutil.copy(points[n], run_dir / RESUME)
        training.train(config, run_dir, resume=True, progress=False)
        assert outcome(run_dir) == expected, f"resumed from resume point {n}"


# --- kill -9 at random moments ---------------------------------------------------------------


def _kill_at(moment: str, *args: str, cwd: Path, options: tuple[str, ...] = ()) -> int:
    """`sign2text ARGS` through kill_at.py, killed at `moment`; returns the exit status."""
    command = [sys.executable, str(TESTS / "kill_at.py"), moment, *options, "--", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True).returncode


def _moments(rng: random.Random, count: int, kinds: dict[str, int]) -> list[str]:
    """`count` moments KIND:N, kinds and N (1 .. kinds[KIND]) drawn from `rng`."""
    names = sorted(kinds)
    return [f"{kind}:{rng.randint(1, kinds[kind])}" for kind in rng.choices(names, k=count)]


def _no_debris(folder: Path) -> None:
    left = [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".partial", ".work"))]
    assert not left, left


@pytest.mark.slow
@pytest.mark.parametrize("workers", [0, 2])
def test_kill_9_at_random_moments_then_resume_gives_the_uninterrupted_run(
    random_prepared: Path, tmp_path: Path, workers: int
) -> None:
    overrides = _overrides(random_prepared, workers, "train.epochs=4")
    sets = [a for o in overrides for a in ("--set", o)]
    assert main(["train", "--run-dir", str(tmp_path / "whole"), *sets]) == 0
    expected = outcome(tmp_path / "whole")
    run_dir = tmp_path / "killed"
    # 4 epochs of 6 batches; every batch writes resume.ckpt, every epoch 4 files more
    moments = _moments(random.Random(13 + workers), 10, {"step": 4, "write": 6})
    for i, moment in enumerate(moments):
        # a run killed before it wrote its config.yaml has nothing to resume: it starts again
        begun = (run_dir / "config.yaml").exists()
        args = ["--resume", str(run_dir)] if begun else ["--run-dir", str(run_dir), *sets]
        status = _kill_at(moment, "train", *args, cwd=tmp_path)
        assert status == -signal.SIGKILL, f"moment {i} ({moment}) came after the run's end"
        assert run_status(run_dir).state == "died"
    assert _kill_at("none", "train", "--resume", str(run_dir), cwd=tmp_path) == 0
    assert run_status(run_dir).state == "finished"
    assert outcome(run_dir) == expected, moments
    _no_debris(run_dir)


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_kill_9_at_random_moments_then_resume_prepare_gives_the_same_dataset(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    make_how2sign_folder(raw, {"train": 24, "val": 6, "test": 6})
    options = ("--shard-clips", "4")  # 10 shards

    def prepare(moment: str, out: str) -> int:
        args = ["prepare", "how2sign", str(raw), "--out", out, "--workers", "1"]
        return _kill_at(moment, *args, cwd=tmp_path, options=options)

    assert prepare("none", "whole") == 0
    moments = [*_moments(random.Random(7), 9, {"write": 3}), "folder:1"]
    for i, moment in enumerate(moments):
        assert prepare(moment, "killed") == -signal.SIGKILL, f"moment {i} ({moment})"
    assert prepare("none", "killed") == 0
    assert _digests(tmp_path / "killed") == _digests(tmp_path / "whole")
    _no_debris(tmp_path)
