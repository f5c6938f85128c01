"""Training plumbing on random data: micro-batches, out-of-memory, resume, DDP, runs."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text import training
from sign2text.data.dataset import collate
from sign2text.runs import run_status
from sign2text.training import module as module_code
from sign2text.training.data import Data, load_data, train_loader
from sign2text.training.module import TranslationModule
from sign2text.training.recording import data_wait_advice

REPO = Path(__file__).resolve().parents[1]
WHOLE_BATCHES = "train.micro_frames=1000000"


def _config(prepared: Path, *extra: str) -> configuration.Config:
    return configuration.load(
        None,
        [
            f"data.prepared={prepared}",
            *TINY_MODEL,
            "train.batch_size=8",
            "train.lr=1e-3",
            "train.early_stopping_patience=100",
            *extra,
        ],
    )


def _module_inputs(prepared: Path, *extra: str) -> tuple[configuration.Config, Data]:
    config = _config(prepared, *extra)
    return config, load_data(config)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sign2text", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def _run(*args: str, cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess:
    """`sign2text ARGS` in a new process, its output captured."""
    return subprocess.run(
        _cli(*args), cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )


def _train_args(run_dir: Path, overrides: list[str], *flags: str) -> list[str]:
    return ["train", "--run-dir", str(run_dir), *flags] + [
        a for o in overrides for a in ("--set", o)
    ]


def _gradients(module: TranslationModule, batch) -> list[torch.Tensor]:
    module.zero_grad()
    module.manual_backward = lambda loss: loss.backward()
    lengths = batch.frame_mask.sum(dim=1).tolist()
    module._backward_in_parts(batch, lengths, (batch.tokens_out != 0).sum(dim=1).tolist())
    return [p.grad.clone() for p in module.model.parameters()]


def test_micro_batches_add_up_to_the_whole_batch_gradient(random_prepared: Path) -> None:
    module = TranslationModule(*_module_inputs(random_prepared, WHOLE_BATCHES))
    batch = collate([module.data.train[i] for i in range(8)])
    torch.manual_seed(0)
    module.eval()  # no dropout: the same function in every part
    whole = _gradients(module, batch)
    module.micro_batches = 4
    for a, b in zip(whole, _gradients(module, batch), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-4)


def test_length_sorted_parts_stay_in_budget_and_give_the_whole_batch_gradient(
    random_prepared: Path,
) -> None:
    module = TranslationModule(*_module_inputs(random_prepared, WHOLE_BATCHES))
    batch = collate([module.data.train[i] for i in range(8)])
    module.eval()
    whole = _gradients(module, batch)
    parted = TranslationModule(*_module_inputs(random_prepared, "train.micro_frames=24"))
    parted.model.load_state_dict(module.model.state_dict())
    parted.eval()
    lengths = batch.frame_mask.sum(dim=1).tolist()
    parts = parted._parts(lengths)
    order = [i for part in parts for i in part]
    assert sorted(order) == list(range(8)) and len(parts) > 1
    assert [lengths[i] for i in order] == sorted(lengths)  # parts of similar length
    for part in parts:
        assert len(part) == 1 or len(part) * max(lengths[i] for i in part) <= 24
    for a, b in zip(whole, _gradients(parted, batch), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-4)


def test_out_of_memory_halves_micro_batches_and_keeps_the_batch(
    random_prepared: Path, tmp_path: Path, monkeypatch
) -> None:
    trimmed = module_code._trimmed  # makes each part of a training batch

    def fits_four_clips(batch, rows, frames, words):  # as a GPU that holds four clips would
        if len(rows) > 4:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return trimmed(batch, rows, frames, words)

    monkeypatch.setattr(module_code, "_trimmed", fits_four_clips)
    result = training.train(
        _config(random_prepared, "train.epochs=2"), tmp_path / "run", progress=False
    )
    assert result["status"] == "finished" and result["epochs"] == 2
    assert result["history"]["micro_batches"] == [2, 2]  # 8 clips -> 2 x 4
    state = torch.load(tmp_path / "run" / "resume.ckpt", weights_only=True)
    assert state["global_step"] == 2 * 3  # 24 clips / batch 8: three optimizer steps an epoch
    assert "out of memory" in (tmp_path / "run" / "train.log").read_text()


def _all_checkpoints_load(run_dir: Path) -> None:
    for path in [*run_dir.glob("*.pt"), *run_dir.glob("*.ckpt")]:
        torch.load(path, weights_only=True)


def test_background_run_status_stop_and_resume(random_prepared: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    overrides = [
        f"data.prepared={random_prepared}",
        *TINY_MODEL,
        "train.batch_size=2",
        "train.epochs=200",
        "train.early_stopping_patience=1000",
    ]
    launched = _run(*_train_args(run_dir, overrides, "--background"), cwd=tmp_path)
    assert launched.returncode == 0 and "background" in launched.stdout
    assert run_status(run_dir).state == "running"  # it returned at once, not after 200 epochs
    hang = time.monotonic() + 1800  # only against a hang: a loaded machine may be very slow
    while run_status(run_dir).epoch < 2 and time.monotonic() < hang:
        assert run_status(run_dir).state == "running", (run_dir / "train.out").read_text()
        time.sleep(0.5)
    status = run_status(run_dir)
    assert status.state == "running" and status.epochs == 200 and status.eta_seconds
    stopped = _run("stop", str(run_dir), cwd=tmp_path)
    assert "stopped" in stopped.stdout
    status = run_status(run_dir)
    assert status.state == "stopped" and status.epoch >= 2
    _all_checkpoints_load(run_dir)


DDP_SCRIPT = """
import sys
from pathlib import Path

import lightning as L

from conftest import weights_digest
from sign2text import config as configuration
from sign2text.training import Devices, train


class Digest(L.Callback):  # each process writes the digest of its final weights
    def on_train_end(self, trainer, module):
        Path(sys.argv[2], f"digest-{trainer.global_rank}").write_text(weights_digest(module))


config = configuration.load(None, sys.argv[3:])
train(config, sys.argv[1], devices=Devices("cpu", 2), progress=False, callbacks=[Digest()])
"""


@pytest.mark.slow  # two processes start torch and Lightning: a minute on 2 cores
def test_two_process_ddp_ends_with_identical_weights(random_prepared: Path, tmp_path: Path) -> None:
    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    overrides = [
        f"data.prepared={random_prepared}",
        *TINY_MODEL,
        "train.batch_size=4",
        "train.epochs=2",
    ]
    environment = {
        **_env(),
        "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO / "src")]),
    }
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "ddp"), str(tmp_path), *overrides],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    digests = {path.name: path.read_text() for path in tmp_path.glob("digest-*")}
    assert set(digests) == {"digest-0", "digest-1"}
    assert digests["digest-0"] == digests["digest-1"]


def test_training_loaders_hand_over_unpadded_clips_padded_after_transfer(
    random_prepared: Path,
) -> None:
    from sign2text.data.dataset import PackedBatch

    config, data = _module_inputs(random_prepared, WHOLE_BATCHES)
    module = TranslationModule(config, data)
    packed = next(iter(train_loader(config, data)))
    assert isinstance(packed, PackedBatch)
    batch = module.on_after_batch_transfer(packed, 0)
    expected = collate([data.train[int(i)] for i in packed.items])
    for name in ("keypoints", "frame_mask", "tokens_in", "tokens_out", "items"):
        assert torch.equal(getattr(batch, name), getattr(expected, name)), name


def test_waiting_for_data_is_reported_with_the_setting_to_change() -> None:
    assert data_wait_advice(0.05, 2) is None
    advice = data_wait_advice(0.45, 2)
    assert advice is not None and "45%" in advice and "train.num_workers (now 2)" in advice
