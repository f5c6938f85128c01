"""The search's storage: any folder name makes a valid SQLite URL, a password stays off
command lines and out of messages; a worker killed by a signal fails the search by name."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from sign2text import config as configuration
from sign2text import jobs
from sign2text.cli import main
from sign2text.config import ConfigError
from sign2text.presets import resolve
from sign2text.tuning import search as tuning_search
from sign2text.tuning import workers as tuning_workers
from sign2text.tuning.search import STORAGE_ENV, Search, open_study
from sign2text.tuning.space import load_space
from sign2text.tuning.workers import Tuned

PASSWORD = "s3cret-Pa55"
URL = f"postgresql://ann:{PASSWORD}@127.0.0.1:1/studies"


def search_in(out: Path, **options) -> Search:
    space = load_space(resolve("search_space"))
    return Search(configuration.Config(), space, out, trials=1, epochs=1, **options)


def test_the_study_file_goes_in_any_folder(tmp_path: Path) -> None:
    out = tmp_path / "odd ?name#1 {x} %41 [y]"
    out.mkdir()
    open_study(search_in(out))
    assert [p.name for p in out.iterdir()] == ["study.db"]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_storage_password_stays_off_command_lines_and_out_of_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning_search, "SCHEMA_ATTEMPTS", 1)  # no retries if a driver is installed
    search = search_in(tmp_path, storage=URL)
    assert PASSWORD not in repr(search) and PASSWORD not in search.storage_shown
    assert search.storage_shown == "postgresql://ann:***@127.0.0.1:1/studies"
    with pytest.raises(ConfigError) as error:
        open_study(search)
    assert PASSWORD not in str(error.value) and "ann:***@127.0.0.1" in str(error.value)

    started = {}

    def popen(command, env, **options):
        started.update(command=command, env=env)

    monkeypatch.setattr(jobs.subprocess, "Popen", popen)
    tuning_workers._start_worker(1, 2, search)
    assert PASSWORD not in " ".join(started["command"])
    assert started["command"][1:3] == ["-m", "sign2text.jobs"]
    job = json.loads(started["command"][3])
    assert (job["job"], job["worker"], job["workers"]) == ("tune-worker", 1, 2)
    assert job["search"]["out"] == str(tmp_path)
    assert started["env"][STORAGE_ENV] == URL


def test_the_storage_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []

    def tune(search, workers):
        seen.append(search.storage)
        return Tuned(optuna.create_study(), [])

    monkeypatch.setattr(tuning_workers, "tune", tune)
    monkeypatch.setenv(STORAGE_ENV, URL)
    argv = ["tune", "--config", "demo", "--trials", "1", "--epochs", "1"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    assert seen == [URL]


def test_a_worker_killed_by_a_signal_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning_workers, "POLL_SECONDS", 0.0)
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    failed = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    failed.wait()
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    failures = tuning_workers._supervise(
        optuna.create_study(), [killed, failed, done], search_in(tmp_path)
    )
    assert failures == [
        f"worker 0 (pid {killed.pid}) was killed by SIGKILL",
        f"worker 1 (pid {failed.pid}) ended with exit code 3",
    ]


def test_a_search_whose_worker_died_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def tune(search, workers):
        return Tuned(optuna.create_study(), ["worker 1 (pid 4242) was killed by SIGKILL"])

    monkeypatch.setattr(tuning_workers, "tune", tune)
    argv = ["tune", "--config", "demo", "--trials", "1", "--epochs", "1"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "| trial | state |" in captured.out  # the report is still written and shown
    errors = [line for line in captured.err.splitlines() if line.startswith("sign2text: error")]
    assert errors == [
        f"sign2text: error: {tmp_path / 'out'}: worker 1 (pid 4242) was killed by SIGKILL "
        "(see worker-N.log there; the same command continues the study)"
    ]
