"""The multi-machine search against a real PostgreSQL server (a throwaway cluster started as
the `postgres` user): the password comes from the URL in the environment or from libpq's
PGPASSWORD, never reaches a command line, a log or a message, and two workers sharing the
study lose no finished trial when one is killed mid-trial. Skipped where PostgreSQL or its
driver is missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from postgres_server import Server, postgres_server
from sign2text.config import ConfigError
from sign2text.tuning import search as tuning_search
from sign2text.tuning.search import STORAGE_ENV, open_study
from test_tuning import (  # noqa: F401 (search_files and searches are fixtures)
    HANG_SECONDS,
    _env,
    _finished,
    _mid_trial,
    _search,
    _wait_for,
    search_files,
    searches,
)
from test_tuning_safety import search_in

PASSWORD = "pg-S3cret-4-tests"

pytestmark = pytest.mark.slow  # a cluster starts and stops for each test: over 20 s


@pytest.fixture
def server() -> Iterator[Server]:
    """A cluster with the empty database `studies`."""
    import psycopg

    with postgres_server("ann", PASSWORD) as running:
        # the socket is trusted: no password needed to create the database
        with psycopg.connect(
            host=running.socket, port=running.port, user="ann", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE studies")
        yield running


def test_the_password_comes_from_pgpassword_and_a_wrong_one_is_not_shown(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning_search, "SCHEMA_ATTEMPTS", 1)
    wrong = server.url("studies").replace("ann@", "ann:wrong-Pa55@")
    with pytest.raises(ConfigError) as error:
        open_study(search_in(tmp_path, storage=wrong))
    message = str(error.value)
    assert "wrong-Pa55" not in message and "ann:***@127.0.0.1" in message
    assert 'password authentication failed for user "ann"' in message
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # libpq's own: the URL holds no password
    study = open_study(search_in(tmp_path, storage=server.url("studies")))
    assert study.user_attrs == {"metric": "val_loss", "epochs": 1}


def _command_lines(parent: int) -> dict[int, bytes]:
    """The command lines of `parent` and of its child processes."""
    lines = {}
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if proc.name == str(parent) or ppid == parent:
                lines[int(proc.name)] = (proc / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):  # not a process, or one that just ended
            continue
    return lines


def test_two_workers_on_postgresql_survive_a_kill_and_keep_the_password_to_themselves(
    server: Server,
    search_files: Path,  # noqa: F811 (the fixture imported above)
    searches: list[subprocess.Popen],  # noqa: F811
) -> None:
    folder, out = search_files, search_files / "out"
    command = [sys.executable, "-m", "sign2text", "tune", "--config", str(folder / "base.yaml")]
    command += ["--space", str(folder / "space.yaml"), "--trials", "4", "--epochs", "2"]
    command += ["--workers", "2", "--out", str(out), "--heartbeat", "1"]
    url = server.url("studies", password=True)
    tune = subprocess.Popen(
        command,
        cwd=folder,
        env={**_env(), STORAGE_ENV: url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    searches.append(tune)

    # 1. a trial has finished and another is under way: one worker is killed in it
    _wait_for(lambda: (out / "worker-1.log").exists(), "the workers", tune)
    study = open_study(_search(folder, trials=4, epochs=2, storage=url))
    _wait_for(lambda: _finished(study) and _mid_trial(out), "a finished and a running trial", tune)
    killed = _mid_trial(out)
    assert killed is not None
    worker = int((killed / "pid").read_text())
    lines = _command_lines(tune.pid)
    assert worker in lines and len(lines) >= 3  # the search and its two workers
    assert not [line for line in lines.values() if PASSWORD.encode() in line]
    before = _finished(study)
    os.kill(worker, signal.SIGKILL)
    stdout, stderr = tune.communicate(timeout=HANG_SECONDS)

    # 2. the other worker finished the study; the killed trial failed and ran again
    assert tune.returncode == 2, stderr[-3000:]  # finished, but says a worker died
    assert f"(pid {worker}) was killed by SIGKILL" in stderr
    after = _finished(study)
    assert len(after) == 4 and {n: after[n] for n in before} == before
    trials = {t.number: t for t in study.get_trials()}
    number = int(killed.name.split("-")[1])
    assert trials[number].state == optuna.trial.TrialState.FAIL
    assert [t for t in trials.values() if number in t.system_attrs.get("retry_history", [])]
    assert not [t for t in trials.values() if t.state == optuna.trial.TrialState.RUNNING]

    # 3. the password is in no output and no file the search wrote
    assert PASSWORD not in stdout + stderr
    assert "ann:***@127.0.0.1" in stdout + stderr or "ann:" not in stdout + stderr
    written = [path for path in out.rglob("*") if path.is_file()]
    assert any(path.name == "worker-0.log" for path in written)
    assert not [path for path in written if PASSWORD.encode() in path.read_bytes()]
