"""Recovery leaves no debris: the temporary files an interrupted write left are removed by the
next command that writes there, once the process that made them is gone, and nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_how2sign_folder
from sign2text import atomic, training
from sign2text.cli import main
from sign2text.data.prepare import prepare_how2sign
from sign2text.errors import InputError
from sign2text.evaluation import evaluate as evaluation


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture(scope="module")
def live_pid() -> Iterator[int]:
    """The pid of another process that is alive while the tests run."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield process.pid
    process.kill()
    process.wait()


def make(path: Path, folder: bool = False) -> Path:
    if folder:
        path.mkdir()
        (path / "train.npy").write_bytes(b"\0" * 1024)
    else:
        path.write_bytes(b"half a checkpoint")
    return path


def test_temporary_names_carry_the_pid(tmp_path: Path) -> None:
    with atomic.atomic_path(tmp_path / "resume.ckpt") as tmp:
        assert re.fullmatch(rf"\.resume\.ckpt\.{os.getpid()}-[a-z0-9_]{{8}}\.tmp", tmp.name)
        assert atomic.is_temporary(tmp.name)
        tmp.write_bytes(b"x")
    with atomic.atomic_dir(tmp_path / "prepared") as tmp:
        assert re.fullmatch(rf"\.prepared\.{os.getpid()}-[a-z0-9_]{{8}}\.partial", tmp.name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prepared", "resume.ckpt"]


def test_only_debris_of_dead_processes_is_removed(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    dead = [
        make(run / f".resume.ckpt.{dead_pid}-abcd_123.tmp"),
        make(run / f".best_checkpoint.pt.{dead_pid}-x1y2z3w4.tmp"),
        make(tmp_path / f".run.{dead_pid}-q9w8e7r6.partial", folder=True),
        make(tmp_path / f".run.old-{dead_pid}", folder=True),
    ]
    kept = [
        make(run / f".resume.ckpt.{live_pid}-abcd_123.tmp"),  # its writer is still at work
        make(run / f".history.json.{os.getpid()}-abcdefgh.tmp"),  # this process's own
        make(tmp_path / f".run.{live_pid}-q9w8e7r6.partial", folder=True),
        make(tmp_path / f".other.{dead_pid}-q9w8e7r6.partial", folder=True),  # not the run's
        make(run / ".thesis.txt.swp"),  # not a name sign2text writes
        make(run / "resume.ckpt.tmp"),
        make(run / f".notes.{dead_pid}.tmp"),
    ]
    assert sorted(atomic.remove_debris(run)) == sorted(dead)
    assert [p for p in dead if os.path.lexists(p)] == []
    assert all(p.exists() for p in kept)


def test_debris_without_a_pid_is_removed_once_old(tmp_path: Path) -> None:
    young = make(tmp_path / ".prepared.abcdefgh.partial", folder=True)  # an earlier version's
    old = make(tmp_path / ".prepared.hgfedcba.partial", folder=True)
    long_ago = time.time() - atomic.UNOWNED_DEBRIS_SECONDS - 3600
    os.utime(old, (long_ago, long_ago))
    assert atomic.remove_debris(tmp_path / "prepared") == [old]
    assert young.exists() and not old.exists()


def test_prepare_removes_what_an_interrupted_prepare_left(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 3, "val": 1})
    partial = make(tmp_path / f".out.{dead_pid}-abcdefgh.partial", folder=True)
    old = make(tmp_path / f".out.old-{dead_pid}", folder=True)
    busy = make(tmp_path / f".out.{live_pid}-abcdefgh.partial", folder=True)
    work = tmp_path / ".out.work"
    work.mkdir()
    shard = make(work / f".train-00000.npy.{dead_pid}-abcdefgh.tmp")
    prepare_how2sign(root, tmp_path / "out", workers=1, progress=False)
    assert not partial.exists() and not old.exists() and not shard.exists()
    assert busy.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["h2s", "out", busy.name])


def test_train_and_evaluate_clean_their_run_folder(
    random_prepared: Path, tmp_path: Path, dead_pid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("name: run\n")
    debris = [
        make(run / f".resume.ckpt.{dead_pid}-abcdefgh.tmp"),
        make(run / f".best_checkpoint.pt.{dead_pid}-abcdefgh.tmp"),
    ]

    def train(config, run_dir, **options):
        assert not any(p.exists() for p in debris)  # gone before training starts
        return {"rank": 0, "status": "finished", "epochs": 0, "seconds": 0.0, "parameters": 0,
                "best_val_loss": 0.0}  # fmt: skip

    monkeypatch.setattr(training, "train", train)
    argv = ["train", "--set", f"data.prepared={random_prepared}", "--run-dir", str(run)]
    assert main(argv) == 0

    (run / "eval_test").mkdir()
    metrics = make(run / "eval_test" / f".metrics.json.{dead_pid}-abcdefgh.tmp")

    def evaluate(run_dir, split, **options):
        assert not metrics.exists()
        raise InputError(run_dir, "stop here")

    monkeypatch.setattr(evaluation, "evaluate", evaluate)
    assert main(["evaluate", str(run)]) == 2
    assert not metrics.exists()
