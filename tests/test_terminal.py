"""What users see in the terminal: --version, the top-level help, progress bars and where log
lines go, `status` inside an epoch, and show's axis limits."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, TINY_MODEL, make_how2sign_folder, shared_data
from sign2text import config as configuration
from sign2text import console
from sign2text.cli import main
from sign2text.reports.show import limits, load_clip, panel, robust_limits
from sign2text.training import train


def test_version_is_the_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out == f"sign2text {version}\n"


def test_help_lists_commands_in_workflow_order_with_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    listed = re.findall(r"^    (\w+) +\S", text, flags=re.MULTILINE)
    workflow = ["prepare", "train", "status", "evaluate", "compare", "translate"]
    assert [name for name in listed if name in workflow] == workflow
    assert "parses arguments" not in text  # written for users, not for developers
    assert "sign2text train --config how2sign_v2 --quick" in text
    assert "sign2text COMMAND --help" in text


def test_prepare_bar_counts_clips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sign2text.data.prepare import prepare_how2sign

    make_how2sign_folder(tmp_path, {"train": 4, "val": 2, "test": 1})
    prepare_how2sign(tmp_path, tmp_path / "prepared", workers=1, progress=True)
    bar = capsys.readouterr().err.split("\r")[-1]
    assert "reading clips" in bar and "7/7" in bar and "clip/s" in bar


def _write_run(run: Path, pid: int, progress: dict) -> None:
    """A run folder two epochs into five, its process `pid`, inside its third epoch."""
    run.mkdir()
    (run / "config.yaml").write_text("train:\n  epochs: 5\n")
    history = {
        "epoch": [1, 2],
        "train_loss": [5.0, 4.0],
        "val_loss": [4.5, 3.9],
        "epoch_seconds": [100.0, 100.0],
        "health": ["healthy", "healthy"],
    }
    (run / "history.json").write_text(json.dumps(history))
    (run / "state.json").write_text(json.dumps({"status": "running", "pid": pid}))
    (run / "pid").write_text(f"{pid}\n")
    (run / "progress.json").write_text(json.dumps(progress))


def test_status_shows_progress_inside_the_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a live process whose command line names sign2text, as a training's does
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)", "sign2text"]
    with subprocess.Popen(sleeper) as process:
        try:
            inside = {"epoch": 3, "epochs": 5, "batches": 30, "batches_total": 120}
            inside |= {"clips": 960, "clips_total": 3840, "seconds": 25.0}
            _write_run(tmp_path / "run", process.pid, inside)
            assert main(["status", str(tmp_path / "run")]) == 0
            lines = capsys.readouterr().out.splitlines()
            # ETA: three epochs of 100 s left, 25 s of this one done
            assert lines[0].endswith("running, epoch 2/5, ETA 4m35s")
            assert (
                lines[1] == "  epoch 3/5 running: 30/120 batches, 960/3,840 clips (25%), 0m25s in"
            )
            stale = {**inside, "epoch": 2}  # the last finished epoch's: not shown
            (tmp_path / "run" / "progress.json").write_text(json.dumps(stale))
            assert main(["status", str(tmp_path / "run")]) == 0
            assert "running:" not in capsys.readouterr().out
        finally:
            process.kill()


def test_training_bars_number_epochs_as_the_log_and_logs_go_above_them(
    random_prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Training as the command runs it, bars and log lines on one captured stream (as on a
    terminal; Lightning's bars write to stdout): bars say "epoch 1/1" as train.log does (not
    Lightning's "Epoch 0"), and no log line is written onto a bar."""
    settings = [f"data.prepared={random_prepared}", *TINY_MODEL, "train.epochs=1"]
    config = configuration.load(None, settings)
    console_log = logging.StreamHandler(sys.stdout)  # a console handler, on the bars' stream
    console_log.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(console_log)
    try:
        status = console.run_reporting_failures(lambda: train(config, tmp_path / "run"))
    finally:
        logging.getLogger().removeHandler(console_log)
    assert status == 0
    pieces = re.split(r"[\r\n]", capsys.readouterr().out)
    assert any(piece.startswith("epoch 1/1:") for piece in pieces)
    assert any(piece.startswith("validating epoch 1/1:") for piece in pieces)
    assert not any("Epoch 0" in piece or "DataLoader 0" in piece for piece in pieces)
    logged = [piece for piece in pieces if "INFO sign2text" in piece]
    assert logged and all(piece.startswith("INFO sign2text") for piece in logged)
    assert "epoch 1/1:" in (tmp_path / "run" / "train.log").read_text()
    progress = json.loads((tmp_path / "run" / "progress.json").read_text())
    assert progress["epoch"] == 1 and progress["clips_total"] == 24  # random_prepared's train


def test_robust_limits_leave_out_a_stray_detection_but_not_a_raised_hand() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0.0, 1.0, (200, 4, 2))  # (T, P, 2): four points moving in the unit square
    seen = np.ones((200, 4), bool)
    xy[50, 2] = (500.0, -500.0)  # one frame's detection far away
    xy[100:160, 3, 1] = 3.0  # a point held up high in 60 frames
    seen[120, 1] = False
    xy[120, 1] = (-900.0, -900.0)  # where an undetected point lies is not looked at
    x0, x1, y0, y1 = robust_limits(xy, seen)
    assert -0.2 < x0 < 0.0 and 1.0 < x1 < 1.2
    assert -0.3 < y0 < 0.0 and 3.0 < y1 < 3.3


def test_normalised_panel_keeps_a_real_clips_body_readable() -> None:
    folder = sorted(shared_data("how2sign", "openpose_val").iterdir())[0]
    clip = load_clip(folder).clip
    wrist = clip.layout.index("pose.RWrist")
    clip.coords[len(clip.coords) // 2, wrist] = (5000.0, 5000.0)  # a stray detection
    normalised = panel(clip, "normalized")
    x0, x1, y0, y1 = limits(normalised)
    # in shoulder widths: the upper body, not the stray point, sets the limits
    assert x1 - x0 < 4.0 and y1 - y0 < 5.0
    body = normalised.skeleton.points[~normalised.skeleton.relative]
    inside = (normalised.xy[:, body, 0] > x0) & (normalised.xy[:, body, 0] < x1)
    assert inside[normalised.seen[:, body]].mean() > 0.98
    hands = normalised.skeleton.points[normalised.skeleton.relative]
    reach = np.abs(normalised.xy[:, hands][normalised.seen[:, hands]]).max()
    assert reach < min(x1 - x0, y1 - y0)  # hands drawn from the centre fit in the panel
