"""Provenance: what a run records of its packages, code, command, machine and data; the
trackers it logs to (TensorBoard hyper-parameters and learning rate; a real MLflow store)."""

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest
import torch
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text import jobs
from sign2text.config import ConfigError
from sign2text.data.fingerprint import fingerprint
from sign2text.model import checkpoint
from sign2text.reports.compare import RunReport, data_warnings
from sign2text.training import provenance, trackers, train


def _config(prepared: Path, *extra: str) -> configuration.Config:
    return configuration.load(
        None,
        [
            f"data.prepared={prepared}",
            *TINY_MODEL,
            "train.epochs=2",
            "train.batch_size=8",
            "train.precision=32-true",
            "train.num_workers=0",
            *extra,
        ],
    )


@pytest.fixture(scope="module")
def run(random_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("provenance") / "run"
    train(_config(random_prepared), run_dir, progress=False)
    return run_dir


def test_run_folder_and_checkpoint_record_provenance(run: Path, random_prepared: Path) -> None:
    record = json.loads((run / "provenance.json").read_text())
    assert record["packages"]["torch"] == torch.__version__
    assert {"sign2text", "lightning", "numpy", "sacrebleu"} <= set(record["packages"])
    assert record["data"]["sha256"] == fingerprint(random_prepared).sha256
    assert record["machine"]["python"] and record["machine"]["cpu_count"] >= 1
    assert "pytest" in record["command"]  # this process's own command line
    git = provenance.git_state()
    if git is not None:  # run from a checkout of sign2text
        top = Path(provenance.__file__).resolve().parents[3]
        head = subprocess.run(["git", "-C", str(top), "rev-parse", "HEAD"], capture_output=True)
        assert record["git"]["commit"] == head.stdout.decode().strip()
    info = checkpoint.load(run / "best_checkpoint.pt").info  # loaded weights-only
    assert info["provenance"]["data"] == record["data"]
    assert info["provenance"]["packages"] == record["packages"]


def test_tensorboard_gets_hyperparameters_and_learning_rate(run: Path) -> None:
    hparams = yaml.safe_load((run / "tensorboard" / "hparams.yaml").read_text())
    assert hparams["train.lr"] == 1e-4 and hparams["model.d_model"] == 32
    assert hparams["provenance.data_sha256"]
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    rates = [event.value for event in events.Scalars("lr-AdamW")]
    assert len(rates) == 2 and rates[0] < rates[1]  # one per epoch; epoch 1 warms up


def test_git_state_of_a_checkout_and_of_none(tmp_path: Path) -> None:
    package = tmp_path / "repo" / "src" / "sign2text"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    assert provenance.git_state(package) is None  # not a git checkout
    git = ["git", "-C", str(tmp_path / "repo"), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    clean = provenance.git_state(package)
    assert clean is not None and not clean["dirty"] and len(clean["commit"]) == 40
    (package / "__init__.py").write_text("x = 1\n")
    assert provenance.git_state(package)["dirty"]
    other = tmp_path / "repo" / "vendored" / "sign2text"  # installed inside another repository
    other.mkdir(parents=True)
    assert provenance.git_state(other) is None


def test_command_line_masks_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.COMMAND_ENV, "sign2text tune --storage postgresql://me:s3cret@db/x")
    command = provenance.command_line()
    assert "s3cret" not in command and "postgresql://me:***@db/x" in command


def test_fingerprint_follows_clips_and_sentences_not_tokenizers(
    random_prepared: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "prepared"
    subprocess.run(["cp", "-r", str(random_prepared), str(copy)], check=True)
    before = fingerprint(copy)
    assert before.sha256 == fingerprint(random_prepared).sha256  # the content, not the path
    (copy / "tokenizer-word-1234.bin").write_bytes(b"written by a later training run")
    (copy / "report.json").write_text("{}")
    assert fingerprint(copy).sha256 == before.sha256
    index = copy / "val.jsonl"
    index.write_text(index.read_text().replace("Sentence 0", "Sentence zero"))
    assert fingerprint(copy).sha256 != before.sha256


def test_jobs_record_the_command_that_started_them(monkeypatch: pytest.MonkeyPatch) -> None:
    started = {}
    monkeypatch.delenv(jobs.COMMAND_ENV, raising=False)
    monkeypatch.setattr(jobs.subprocess, "Popen", lambda argv, **options: started.update(options))
    jobs.start("train", {}, Path(os.devnull))
    assert "sign2text.jobs" not in started["env"][jobs.COMMAND_ENV]
    assert started["env"][jobs.COMMAND_ENV] == shlex.join(jobs.own_command())  # pytest's, here
    monkeypatch.setenv(jobs.COMMAND_ENV, "sign2text tune --trials 3")  # a worker's worker
    jobs.start("train", {}, Path(os.devnull))
    assert started["env"][jobs.COMMAND_ENV] == "sign2text tune --trials 3"


def test_a_resumed_run_keeps_earlier_attempts() -> None:
    first = {"command": "sign2text train", "data": {"sha256": "1"}}
    second = provenance.with_earlier({"command": "sign2text train --resume r"}, first)
    third = provenance.with_earlier({"command": "third"}, second)
    assert [a["command"] for a in third["earlier_attempts"]] == [
        "sign2text train",
        "sign2text train --resume r",
    ]
    assert provenance.with_earlier(first, {}) == first


def _report(name: str, data: str) -> RunReport:
    return RunReport(name, {}, {}, 1, 1.0, [], data)


def test_compare_warns_when_runs_used_different_data() -> None:
    assert data_warnings([_report("a", "1" * 64), _report("b", "1" * 64)]) == []
    different = data_warnings([_report("a", "1" * 64), _report("b", "2" * 64)])
    assert len(different) == 1 and "different prepared data" in different[0]
    assert "b 222222222222" in different[0]
    older = data_warnings([_report("a", "1" * 64), _report("old", "")])
    assert older and "old" in older[0]
    lower = RunReport("low", {"text.lowercase": True}, {}, 1, 1.0, [], "1" * 64)
    casing = data_warnings([_report("a", "1" * 64), lower])
    assert len(casing) == 1 and casing[0].startswith("low learnt and were scored in lower case")
    assert data_warnings([lower, lower]) == []


def test_trackers_are_checked(random_prepared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="train.loggers"):
        _config(random_prepared, "train.loggers=[tensorboard, comet]")
    with pytest.raises(ConfigError, match="at most once"):
        _config(random_prepared, "train.loggers=[mlflow, mlflow]")
    monkeypatch.setattr(trackers.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"wandb, which is not installed: pip install wandb"):
        trackers.check_installed(_config(random_prepared, "train.loggers=[wandb]"))


@pytest.mark.slow
def test_mlflow_store_holds_params_and_metrics(random_prepared: Path, tmp_path: Path) -> None:
    """A real MLflow store (SQLite in the run folder), read back with MLflow's own client."""
    mlflow = pytest.importorskip("mlflow")
    run_dir = tmp_path / "run"
    train(_config(random_prepared, "train.loggers=[tensorboard, mlflow]"), run_dir, progress=False)
    place = json.loads((run_dir / "provenance.json").read_text())["trackers"]["mlflow"]
    assert place["tracking_uri"] == f"sqlite:///{run_dir / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=place["tracking_uri"])
    tracked = client.get_run(place["run_id"])
    assert tracked.info.status == "FINISHED"
    assert tracked.data.params["train.lr"] == "0.0001"
    assert tracked.data.params["provenance.data_sha256"] == fingerprint(random_prepared).sha256
    history = json.loads((run_dir / "history.json").read_text())
    losses = client.get_metric_history(tracked.info.run_id, "val_loss")
    assert [m.value for m in losses] == pytest.approx(history["val_loss"])
    assert len(client.get_metric_history(tracked.info.run_id, "lr-AdamW")) == 2
    # Resumed for a third epoch, the run goes on logging into the same MLflow run.
    config = _config(random_prepared, "train.loggers=[tensorboard, mlflow]", "train.epochs=3")
    train(config, run_dir, resume=True, progress=False)
    record = json.loads((run_dir / "provenance.json").read_text())
    assert record["trackers"]["mlflow"]["run_id"] == place["run_id"]
    assert len(client.get_metric_history(place["run_id"], "val_loss")) == 3
