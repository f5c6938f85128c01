"""Failures a user can cause or meet end in one line naming the file (or setting) and the fix,
with a non-zero exit and no traceback (unless -v); `status` tells how a run ended from the
run's own record and its process, never from an earlier attempt's."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from conftest import TINY_MODEL
from sign2text import run_folder
from sign2text.cli import main
from sign2text.run_folder import RunFolder
from sign2text.runs import run_status

REPO = Path(__file__).resolve().parents[1]


def _sets(*overrides: str) -> list[str]:
    return [a for o in overrides for a in ("--set", o)]


def _tiny(prepared: Path, *extra: str) -> list[str]:
    return _sets(
        f"data.prepared={prepared}",
        *TINY_MODEL,
        "train.batch_size=8",
        "train.early_stopping_patience=100",
        *extra,
    )


def _one_line(error: str, *names: str) -> str:
    """The one error line of a command's stderr, checked: no traceback, names every `name`."""
    assert "Traceback" not in error, error
    lines = [line for line in error.splitlines() if line.startswith("sign2text: error:")]
    assert len(lines) == 1, error
    assert all(name in lines[0] for name in names), lines[0]
    return lines[0]


def _strict_json(path: Path) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{path} holds {constant}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


@pytest.fixture(scope="module")
def finished_run(random_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished one-epoch run."""
    run_dir = tmp_path_factory.mktemp("finished") / "run"
    args = ["train", "--run-dir", str(run_dir), *_tiny(random_prepared, "train.epochs=1")]
    assert main(args) == 0
    return run_dir


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / run_dir.name
    shutil.copytree(run_dir, copy)
    return copy


# --- a diverging run ---------------------------------------------------------------------------


def test_a_diverging_run_stops_at_once_says_what_to_change_and_is_failed(
    random_prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    args = ["train", "--run-dir", str(run_dir), *_tiny(random_prepared, "train.lr=1e30")]
    assert main(args) == 1
    line = _one_line(capsys.readouterr().err, "diverged", "train.lr", "1e+30")
    assert "epoch 1" in line and "finished" not in line
    history = _strict_json(run_dir / "history.json")
    assert history["epoch"] == [1] and history["train_loss"] == [None]  # NaN written as null
    assert history["health"][-1].startswith("failing")
    assert not (run_dir / "best_checkpoint.pt").exists()
    assert not (run_dir / "last_checkpoint.pt").exists()
    state = run_status(run_dir)
    assert state.state == "failed" and "train.lr" in state.reason
    assert main(["status", str(run_dir)]) == 0
    assert f"{run_dir}: failed" in capsys.readouterr().out


# --- damaged resume points and checkpoints ------------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:4000])


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_truncate, "truncated, damaged or not a checkpoint"),
        (lambda path: path.write_text("not a checkpoint\n"), "truncated, damaged"),
        (lambda path: torch.save({"weights": torch.ones(2)}, path), "not a resume point"),
        (lambda path: shutil.copy(path.parent / "best_checkpoint.pt", path), "not a resume point"),
    ],
    ids=["truncated", "text", "foreign", "portable-checkpoint"],
)
def test_a_damaged_resume_point_is_one_line_naming_it_and_the_run_is_failed(
    finished_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage, expected
) -> None:
    run_dir = _copy(finished_run, tmp_path)
    damage(run_dir / "resume.ckpt")
    assert main(["train", "--resume", str(run_dir)]) == 2
    line = _one_line(capsys.readouterr().err, str(run_dir / "resume.ckpt"), expected)
    assert "delete it" in line
    assert run_status(run_dir).state == "failed"  # not the earlier attempt's "finished"


def test_a_resume_point_of_another_model_is_refused_naming_the_setting(
    finished_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _copy(finished_run, tmp_path)
    assert main(["train", "--resume", str(run_dir), *_sets("model.d_model=64")]) == 2
    _one_line(capsys.readouterr().err, "resume.ckpt", "another model", "--set model.")


def test_a_truncated_checkpoint_is_one_line_for_evaluate_and_a_traceback_only_with_v(
    finished_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _copy(finished_run, tmp_path)
    _truncate(run_dir / "best_checkpoint.pt")
    assert main(["evaluate", str(run_dir)]) == 2
    _one_line(capsys.readouterr().err, "best_checkpoint.pt", "truncated")
    assert main(["-v", "evaluate", str(run_dir)]) == 2
    error = capsys.readouterr().err
    assert "Traceback" in error and error.rstrip().splitlines()[-1].startswith("sign2text: error")


def test_a_damaged_prepared_dataset_is_one_line_naming_the_file(
    random_prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prepared = tmp_path / "prepared"
    shutil.copytree(random_prepared, prepared)
    array = prepared / "train.npy"
    array.write_bytes(array.read_bytes()[: array.stat().st_size // 2])
    args = ["train", "--run-dir", str(tmp_path / "run"), *_tiny(prepared, "train.epochs=1")]
    assert main(args) == 2
    _one_line(capsys.readouterr().err, str(array), "prepare the dataset again")


# --- status: the run's own record and its process ------------------------------------------------


@pytest.fixture(scope="module")
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture(scope="module")
def live_pid() -> Iterator[int]:
    """A live process whose command line names sign2text, as a training process's does."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "sign2text"])
    yield process.pid
    process.kill()
    process.wait()


def _run_folder(tmp_path: Path, record: dict | None, pid: int | None) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    if pid is not None:
        (run_dir / run_folder.PID).write_text(f"{pid}\n")
    if record is not None:
        (run_dir / run_folder.STATE).write_text(json.dumps(record))
    return run_dir


@pytest.mark.parametrize(
    ("status", "process", "expected"),
    [
        ("running", "dead", "died"),  # killed outright: its record still says running
        ("running", "live", "running"),
        ("finished", "dead", "finished"),
        ("stopped", "dead", "stopped"),
        ("failed", "dead", "failed"),
        (None, "dead", "died"),  # launched, gone before it wrote a record
        (None, None, "not started"),
    ],
)
def test_status_comes_from_the_run_record_and_its_process(
    tmp_path: Path, dead_pid: int, live_pid: int, status, process, expected
) -> None:
    pid = {"dead": dead_pid, "live": live_pid, None: None}[process]
    record = None if status is None else {"status": status, "pid": pid}
    assert run_status(_run_folder(tmp_path, record, pid)).state == expected


def test_a_resumed_run_supersedes_the_end_state_of_the_attempt_before(
    finished_run: Path, tmp_path: Path, dead_pid: int
) -> None:
    run_dir = _copy(finished_run, tmp_path)
    assert run_status(run_dir).state == "finished"
    RunFolder(run_dir).record_state("running")  # what a resumed run writes first
    record = json.loads((run_dir / run_folder.STATE).read_text())
    (run_dir / run_folder.STATE).write_text(json.dumps({**record, "pid": dead_pid}))
    (run_dir / run_folder.PID).write_text(f"{dead_pid}\n")  # then killed with -9
    assert run_status(run_dir).state == "died"


# --- writes refused by a file-size limit ----------------------------------------------------------


def _limited(args: list[str], cwd: Path, size: int) -> subprocess.CompletedProcess:
    """`sign2text ARGS` in a process that may write no file larger than `size` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return subprocess.run(
        [sys.executable, "-m", "sign2text", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        preexec_fn=limit,
    )


def test_prepare_past_the_file_size_limit_names_the_file_and_leaves_no_dataset(
    random_prepared: Path, tmp_path: Path
) -> None:
    raw = random_prepared.parent
    out = tmp_path / "prepared"
    args = ["prepare", "how2sign", str(raw), "--out", str(out), "--workers", "1"]
    result = _limited(args, tmp_path, 20_000)
    assert result.returncode == 1
    _one_line(result.stderr, ".npy", "cannot be written", "ulimit -f")
    assert not out.exists()


def test_evaluate_past_the_file_size_limit_names_the_file(
    finished_run: Path, tmp_path: Path
) -> None:
    run_dir = _copy(finished_run, tmp_path)
    result = _limited(["evaluate", str(run_dir)], tmp_path, 500)
    assert result.returncode == 1
    _one_line(result.stderr, str(run_dir / "eval_test"), "cannot be written", "ulimit -f")
    assert not (run_dir / "eval_test" / "metrics.json").exists()


@pytest.mark.slow
def test_train_past_the_file_size_limit_names_the_checkpoint_and_keeps_the_others(
    random_prepared: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    args = ["train", "--run-dir", str(run_dir), *_tiny(random_prepared, "train.epochs=2")]
    result = _limited(args, tmp_path, 300_000)  # a portable checkpoint fits, resume.ckpt not
    assert result.returncode == 1
    _one_line(result.stderr, str(run_dir / "resume.ckpt"), "cannot be written", "ulimit -f")
    assert run_status(run_dir).state == "failed"
    for name in ("best_checkpoint.pt", "last_checkpoint.pt"):
        torch.load(run_dir / name, weights_only=True)
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]
