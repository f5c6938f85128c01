"""Hyper-parameter search on random data: the space file, pruning, two workers sharing one
study, a killed worker, a stopped search that a rerun finishes, and the best config."""

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
import torch
import yaml

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.cli import main
from sign2text.config import ConfigError
from sign2text.presets import resolve
from sign2text.runs import run_status
from sign2text.tuning.search import Search, open_study
from sign2text.tuning.space import FloatRange, load_space
from sign2text.tuning.trials import run_trial, work

REPO = Path(__file__).resolve().parents[1]

SPACE = """\
lr: {key: train.lr, float: [1.0e-4, 1.0e-2], log: true}     # peak learning rate
batch_size: {key: train.batch_size, choice: [4, 8]}        # clips per batch
width: {key: [model.d_model, model.heads, model.ff], choice: [[16, 2, 32], [32, 2, 64]]}  # sizes
scheduler: {key: train.scheduler, choice: [cosine, plateau]}  # learning-rate schedule
"""


def _base_values(prepared: Path) -> dict:
    overrides = [
        "name=tiny",
        f"data.prepared={prepared}",
        "text.vocab_size=100",
        *TINY_MODEL,
        "train.epochs=2",  # the full run of best.yaml: short, so the test can train it unchanged
        "train.batch_size=8",
        "train.early_stopping_patience=100",
    ]
    return configuration.to_dict(configuration.load(None, overrides))


@pytest.fixture
def search_files(random_prepared: Path, tmp_path: Path) -> Path:
    """base.yaml and space.yaml over a copy of the prepared data without its test split."""
    prepared = tmp_path / "prepared"
    shutil.copytree(random_prepared, prepared)
    for path in prepared.glob("test.*"):
        path.unlink()  # tuning reads train and val only; reading test would fail
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(_base_values(prepared)))
    (tmp_path / "space.yaml").write_text(SPACE)
    return tmp_path


def _search(folder: Path, **options) -> Search:
    base = configuration.load(folder / "base.yaml")
    return Search(base, load_space(folder / "space.yaml"), folder / "out", **options)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def test_shipped_space_fits_the_presets_and_comments_every_parameter() -> None:
    path = resolve("search_space")
    space = load_space(path)
    assert [p.name for p in space.parameters] == [
        "lr",
        "batch_size",
        "encoder_layers",
        "decoder_layers",
        "width",
        "dropout",
        "label_smoothing",
        "warmup_epochs",
        "scheduler",
    ]
    for preset in ("how2sign_v1", "how2sign_v2", "demo"):
        space.check(configuration.load(resolve(preset)))
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "#" in line, f"{path.name}: {line!r} has no comment"
    fixed = optuna.trial.FixedTrial(
        {
            "lr": 3e-4,
            "batch_size": 16,
            "encoder_layers": 4,
            "decoder_layers": 2,
            "width": "384/6/1536",
            "dropout": 0.3,
            "label_smoothing": 0.05,
            "warmup_epochs": 0.5,
            "scheduler": "plateau",
        }
    )
    values = space.suggest(fixed)
    assert values["model.d_model"] == 384 and values["model.heads"] == 6
    assert values["model.ff"] == 1536 and values["train.scheduler"] == "plateau"
    assert values["train.lr"] == 3e-4 and values["model.encoder_layers"] == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lr: {key: train.lrr, float: [1.0e-4, 1.0e-2]}", "'train.lrr' is not a config key"),
        ("lr: {key: train.lr, float: [1.0e-2, 1.0e-4]}", "must be below high"),
        ("lr: {key: train.lr, float: [0.0, 1.0e-2], log: true}", "log scale needs low > 0"),
        ("lr: {key: train.lr, float: [1.0e-4]}", "expected \\[low, high\\]"),
        ("lr: {key: train.lr, floot: [1.0e-4, 1.0e-2]}", "unknown field"),
        ("lr: {key: train.lr}", "exactly one of"),
        ("n: {key: model.encoder_layers, int: [2, 4], choice: [2]}", "exactly one of"),
        ("b: {key: train.batch_size, choice: [16, 16]}", "more than once"),
        ("b: {key: train.batch_size, choice: []}", "non-empty"),
        ("w: {key: [model.d_model, model.heads], choice: [[256, 4], [384]]}", "one value for"),
        ("w: {key: [model.d_model, model.heads], float: [1.0, 2.0]}", "only be searched as a"),
        ("e: {key: train.epochs, int: [1, 5]}", "--epochs"),
        ("a: {key: train.lr, float: [1.0e-4, 1.0e-2]}\nb: {key: train.lr, choice: [0.1]}", "both"),
        ("- just a list", "mapping"),
        ("lr: [unclosed", "not valid YAML"),
    ],
)
def test_bad_space_files_are_rejected_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "my_space.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        load_space(path)
    assert "my_space.yaml" in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n: {key: model.encoder_layers, float: [1.0, 4.5]}", "whole number"),
        ("h: {key: model.heads, choice: [3, 8]}", "divisible"),  # the base d_model is 512
        ("s: {key: train.scheduler, choice: [cosine, linear]}", "scheduler"),
    ],
)
def test_space_values_the_base_config_rejects_are_named(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "my_space.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        Search(configuration.Config(), load_space(path), tmp_path, trials=1, epochs=1)
    assert "my_space.yaml" in str(error.value)


def test_a_missing_space_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing.yaml: search space file not found"):
        load_space(tmp_path / "missing.yaml")


def test_a_pruned_trial_stops_its_run_cleanly(search_files: Path) -> None:
    search = _search(search_files, trials=2, epochs=3)
    search.out.mkdir()
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))  # prunes all
    study.optimize(functools.partial(run_trial, search), n_trials=1)
    trial = study.trials[0]
    run_dir = search.run_dir(0)
    history = json.loads((run_dir / "history.json").read_text())
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert history["epoch"] == [1]  # stopped after the first of three epochs
    assert trial.intermediate_values == {1: pytest.approx(history["val_loss"][0])}
    assert run_status(run_dir).state == "pruned"
    torch.load(run_dir / "resume.ckpt", weights_only=True)

    study.pruner = optuna.pruners.NopPruner()
    study.optimize(functools.partial(run_trial, search), n_trials=1)
    trial = study.trials[1]
    history = json.loads((search.run_dir(1) / "history.json").read_text())
    assert trial.state == optuna.trial.TrialState.COMPLETE and history["epoch"] == [1, 2, 3]
    assert trial.value == pytest.approx(min(history["val_loss"]))
    assert run_status(search.run_dir(1)).state == "finished"


def test_a_study_is_resumed_only_for_the_same_metric_and_epochs(search_files: Path) -> None:
    search = _search(search_files, trials=2, epochs=2)
    search.out.mkdir()
    open_study(search)
    open_study(search)  # the same search opens the same study again
    with pytest.raises(ConfigError, match="metric val_loss, not val_bleu4"):
        open_study(_search(search_files, trials=2, epochs=2, metric="val_bleu4"))
    with pytest.raises(ConfigError, match="epochs 2, not 3"):
        open_study(_search(search_files, trials=2, epochs=3))


def test_a_trial_whose_worker_died_before_it_began_does_not_block_the_study(
    search_files: Path,
) -> None:
    search = _search(search_files, trials=1, epochs=1, heartbeat_seconds=1)
    search.out.mkdir()
    study = open_study(search)
    orphan = study.ask()  # running, but no heartbeat and no run folder: its worker is gone
    time.sleep(2.2)  # two heartbeats
    work(search, worker=0, workers=1)
    states = [t.state for t in study.get_trials()]
    assert states[orphan.number] == optuna.trial.TrialState.FAIL
    assert states.count(optuna.trial.TrialState.COMPLETE) == 1 and len(states) == 2


HANG_SECONDS = 1800


def _finished(study: optuna.Study) -> dict[int, float]:
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return {t.number: t.value for t in study.get_trials(states=states)}


def _wait_for(condition, what: str, process: subprocess.Popen) -> None:
    """Wait until `condition()` holds: as long as a loaded machine needs (the limit only
    stops a hang), failing at once with its output if `process` ends first."""
    deadline = time.monotonic() + HANG_SECONDS
    while not condition():
        if process.poll() is not None:
            stdout, stderr = process.communicate()
            pytest.fail(f"the search ended before {what}:\n{stdout[-2000:]}\n{stderr[-3000:]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _mid_trial(out: Path, first: int = 0) -> Path | None:
    """A trial folder (number `first` or above) whose run has finished its first epoch but not
    its last."""
    for run_dir in sorted(out.glob("trial-*"))[first:]:
        try:
            epochs = json.loads((run_dir / "history.json").read_text())["epoch"]
        except (OSError, ValueError, KeyError):
            continue
        if epochs == [1] and run_status(run_dir).state == "running":
            return run_dir
    return None


@pytest.fixture
def searches() -> Iterator[list[subprocess.Popen]]:
    """Searches a test starts; whatever still runs at its end is killed."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_workers_share_a_study_survive_a_kill_and_a_rerun_finishes_it(
    search_files: Path, searches: list[subprocess.Popen]
) -> None:
    folder, out = search_files, search_files / "out"
    command = [sys.executable, "-m", "sign2text", "tune", "--config", str(folder / "base.yaml")]
    command += ["--space", str(folder / "space.yaml"), "--trials", "6", "--epochs", "2"]
    command += ["--workers", "2", "--out", str(out), "--heartbeat", "1"]
    search = _search(folder, trials=6, epochs=2)

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        searches.append(process)
        return process

    # 1. the whole search is killed once a trial has finished and another is running
    first = start()
    _wait_for(lambda: out.joinpath("study.db").exists(), "the study", first)
    study = open_study(search)
    _wait_for(lambda: _finished(study) and _mid_trial(out), "a finished and a running trial", first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = _finished(study)
    assert 1 <= len(before) < 6

    # 2. the same command continues the study; one of its workers is killed mid-trial
    second = start()
    trials_so_far = len(study.get_trials())
    _wait_for(lambda: _mid_trial(out, trials_so_far), "a trial of the second run", second)
    killed = _mid_trial(out, trials_so_far)
    assert killed is not None
    worker = int((killed / "pid").read_text())
    assert worker != second.pid  # trials run in the worker processes
    os.kill(worker, signal.SIGKILL)
    stdout, stderr = second.communicate(timeout=HANG_SECONDS)
    assert second.returncode == 2, stderr[-3000:]  # the search finished, but says a worker died
    killed_line = f"(pid {worker}) was killed by SIGKILL"
    assert f"worker 0 {killed_line}" in stderr or f"worker 1 {killed_line}" in stderr

    # 3. the other worker finished the study: exactly six trials, none lost or redone, and the
    #    killed trials (from both runs) failed and were queued again with the same parameters
    after = _finished(study)
    assert len(after) == 6
    assert {n: after[n] for n in before} == before
    trials = {t.number: t for t in study.get_trials()}
    killed_number = int(killed.name.split("-")[1])
    assert trials[killed_number].state == optuna.trial.TrialState.FAIL
    retries = [
        t for t in trials.values() if killed_number in t.system_attrs.get("retry_history", [])
    ]
    assert retries and retries[0].params == trials[killed_number].params
    assert not [t for t in trials.values() if t.state == optuna.trial.TrialState.RUNNING]
    for number in after:
        assert run_status(search.run_dir(number)).state in ("finished", "pruned")

    # 4. the results: table, plots, and a best config that trains unchanged
    rows = (out / "trials.csv").read_text().splitlines()
    assert rows[0].startswith("trial,state,val_loss,epochs,seconds,lr,batch_size,width")
    assert len(rows) == 1 + len(trials)
    assert "| trial | state | val_loss |" in stdout
    for name in ("optimization_history.png", "param_importances.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    best = study.best_trial
    best_yaml = (out / "best.yaml").read_text()
    assert best_yaml.startswith(f"# Best configuration of the search 'tiny': trial {best.number}")
    tuned = configuration.load(out / "best.yaml")
    assert tuned.train.epochs == 2 and tuned.train.lr == best.params["lr"]
    assert f"{tuned.model.d_model}/{tuned.model.heads}/{tuned.model.ff}" == best.params["width"]
    run_dir = folder / "runs" / "tiny-tuned"
    assert main(["train", "--config", str(out / "best.yaml"), "--run-dir", str(run_dir)]) == 0
    assert run_status(run_dir).state == "finished"


def test_a_space_reads_3e_4_as_the_number_a_config_does(tmp_path: Path) -> None:
    path = tmp_path / "space.yaml"
    path.write_text("lr: {key: train.lr, float: [3e-4, 1e-2], log: true}\n")
    (parameter,) = load_space(path).parameters
    assert parameter.domain == FloatRange(3e-4, 1e-2, True)
    assert configuration.load(None, ["train.lr=3e-4"]).train.lr == 3e-4


def test_a_schema_being_written_by_another_process_is_waited_for(
    search_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy

    from sign2text.tuning import search as searching

    real, calls = searching.RDBStorage, []

    def racing(*args: object, **kwargs: object) -> object:  # another worker wrote it first
        calls.append(1)
        if len(calls) == 1:
            raise sqlalchemy.exc.IntegrityError("INSERT INTO alembic_version", {}, Exception())
        return real(*args, **kwargs)

    monkeypatch.setattr(searching, "RDBStorage", racing)
    monkeypatch.setattr(searching.time, "sleep", lambda seconds: None)
    search = _search(search_files, trials=2, epochs=2)
    search.out.mkdir()
    study = open_study(search)
    assert len(calls) == 2 and study.user_attrs["epochs"] == 2
