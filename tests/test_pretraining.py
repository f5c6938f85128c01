"""Self-supervised pretraining: masking and its loss on scripted input, pretrain -> train --init
end to end, the checks that refuse a mismatched encoder, and freezing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from conftest import TINY_MODEL, weights_digest
from keypoint_files import write_pose
from sign2text import config as configuration
from sign2text.cli import main as cli
from sign2text.config import DataConfig, PretrainConfig
from sign2text.data.layouts import Layout
from sign2text.errors import InputError
from sign2text.model.pretrained import init_encoder, read_encoder
from sign2text.pretraining import masking, pretrain
from sign2text.pretraining.data import load_unlabelled
from sign2text.pretraining.health import assess_pretraining
from sign2text.runs import run_status
from sign2text.training import train
from sign2text.training.data import load_data
from sign2text.training.module import TranslationModule

# Three body points and a two-point hand: 5 points x (x, y, confidence), then the thumb's
# wrist-relative x, y (data.hands: both) = 17 features.
MINI = Layout(
    "mini",
    ("pose.Neck", "pose.RShoulder", "pose.LShoulder", "hand_left.Wrist", "hand_left.Thumb1"),
    centre=("pose.Neck",),
    shoulders=("pose.RShoulder", "pose.LShoulder"),
    hands=("hand_left",),
)
PRETRAIN_QUICK = ["pretrain.epochs=1", "train.batch_size=8"]


def _config(prepared: Path, *extra: str) -> configuration.Config:
    return configuration.load(
        None, [f"data.prepared={prepared}", *TINY_MODEL, "train.batch_size=8", *extra]
    )


def test_spans_and_parts_become_hidden_frames_exactly() -> None:
    whole = torch.tensor([[False, True, False]])  # (B=1, S=3): span 1 hidden whole
    parts = torch.tensor([[[True, False], [False, False], [False, True]]])  # (1, 3, P=2)
    frame_mask = torch.tensor([[True] * 5 + [False]])  # 5 real frames, 1 of padding
    hidden = masking.spans_to_frames(whole, parts, 2, frame_mask)
    expected = torch.tensor(
        [[[1, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 0]]], dtype=torch.bool
    )  # span 0: part 0; span 1: both; span 2: part 1, padding never
    assert torch.equal(hidden, expected)


def test_hidden_shares_follow_the_ratios_and_spare_padding() -> None:
    settings = PretrainConfig(span=4, frame_ratio=0.3, part_ratio=0.2)
    frame_mask = torch.ones(400, 200, dtype=torch.bool)
    frame_mask[:, 180:] = False
    hidden = masking.draw_hidden(frame_mask, 4, settings, torch.Generator().manual_seed(0))
    real = hidden[:, :180]
    assert not hidden[:, 180:].any()
    assert real.float().mean().item() == pytest.approx(0.3 + 0.7 * 0.2, abs=0.01)
    assert real.all(dim=-1).float().mean().item() == pytest.approx(0.3 + 0.7 * 0.2**4, abs=0.01)
    assert torch.equal(real[:, 0::4], real[:, 3::4])  # whole spans of 4 frames


def test_the_loss_counts_hidden_detected_coordinates_by_confidence() -> None:
    fmap = masking.FeatureMap.of(MINI, 3, DataConfig(hands="both"))
    assert fmap.parts == ("pose", "hand_left")
    assert fmap.point.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4]
    assert fmap.wrist.tolist() == [-1] * 15 + [3, 3]
    keypoints = torch.ones(1, 2, 5, 3)  # (B, T, K, C), every point seen with confidence 1
    keypoints[0, 0, 3, 2], keypoints[0, 0, 4, 2] = 0.5, 0.8  # frame 0: wrist 0.5, thumb 0.8
    keypoints[0, 1, 4, 2] = 0.0  # frame 1: the thumb not detected
    frame_mask = torch.ones(1, 2, dtype=torch.bool)
    hidden = torch.tensor([[[False, True], [False, True]]])  # the hand, in both frames
    weight = masking.feature_weights(keypoints, frame_mask, fmap) * hidden[..., fmap.part]
    target = torch.zeros(1, 2, 17)
    error, total = masking.masked_error(target + 1.0, target, weight)
    # frame 0: wrist x, y at 0.5, thumb x, y and its wrist-relative x, y at 0.8; frame 1:
    # wrist x, y at 1, the undetected thumb nothing; no confidence value counts
    assert total.item() == pytest.approx(0.5 * 2 + 0.8 * 4 + 1.0 * 2)
    assert error.item() == pytest.approx(total.item())
    visible_only = target.clone()
    visible_only[..., :9] = 7.0  # a wrong prediction of the visible body changes nothing
    assert masking.masked_error(visible_only, target, weight)[0].item() == 0.0
    features = torch.arange(34.0).reshape(1, 2, 17) + 1
    shown = masking.hide(features, hidden, fmap)
    assert torch.equal(shown[..., :9], features[..., :9]) and not shown[..., 9:].any()


def test_health_wants_the_reconstruction_below_the_clip_mean() -> None:
    rules = configuration.Config().health
    good = {"train_loss": [0.5, 0.3, 0.2], "val_loss": [0.5, 0.3, 0.2]}
    assert assess_pretraining({**good, "val_loss_baseline": [0.4] * 3}, rules).status == "healthy"
    poor = {
        "train_loss": [0.5 - i / 100 for i in range(6)],  # falling, but ...
        "val_loss": [0.4] * 6,  # ... never below the clip mean from epoch 5 on: failing
        "val_loss_baseline": [0.1] * 6,
    }
    verdict = assess_pretraining(poor, rules)
    assert verdict.status == "failing" and "each clip's own visible frames" in verdict.line()


@pytest.fixture(scope="module")
def pretrained(random_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch pretrain run of the tiny model, through the command line."""
    run = tmp_path_factory.mktemp("pretrain") / "run"
    sets = [f"data.prepared={random_prepared}", *TINY_MODEL, *PRETRAIN_QUICK]
    code = cli(["pretrain", "--run-dir", str(run), *(a for s in sets for a in ("--set", s))])
    assert code == 0
    return run


def test_pretrain_writes_a_run_that_train_init_starts_from_exactly(
    pretrained: Path, random_prepared: Path, tmp_path: Path
) -> None:
    status = run_status(pretrained)
    assert (status.state, status.epoch, status.epochs) == ("finished", 1, 1)
    history = (pretrained / "history.json").read_text()
    assert all(key in history for key in ("train_loss", "val_loss", "val_loss_baseline"))
    for name in ("best_checkpoint.pt", "last_checkpoint.pt", "resume.ckpt"):
        torch.load(pretrained / name, weights_only=True)
    run = tmp_path / "tuned"
    sets = [f"data.prepared={random_prepared}", *TINY_MODEL, "train.batch_size=8"]
    sets += ["train.epochs=1", "train.freeze_encoder_epochs=1"]  # the encoder stays as loaded
    argv = ["train", "--init", str(pretrained), "--run-dir", str(run)]
    assert cli([*argv, *(a for s in sets for a in ("--set", s))]) == 0
    tuned = torch.load(run / "last_checkpoint.pt", weights_only=True)
    encoder = read_encoder(pretrained).state
    assert encoder and set(encoder) <= set(tuned["model"])
    for name, tensor in encoder.items():
        assert torch.equal(tuned["model"][name], tensor), name
    assert tuned["info"]["init"]["path"] == str((pretrained / "best_checkpoint.pt").resolve())
    assert tuned["config"]["model"]["init"] == str(pretrained.resolve())


def test_init_copies_the_encoder_and_nothing_else(pretrained: Path, random_prepared: Path) -> None:
    config = _config(random_prepared)
    data = load_data(config)
    module = TranslationModule(config, data)
    decoder = weights_digest(module.model.decoder)
    init_encoder(module.model, pretrained, config, data.layout, data.features)
    for name, tensor in read_encoder(pretrained).state.items():
        assert torch.equal(module.model.state_dict()[name], tensor), name
    assert weights_digest(module.model.decoder) == decoder


def test_a_mismatched_encoder_is_refused_with_the_fix(
    pretrained: Path, random_prepared: Path
) -> None:
    config = _config(random_prepared, "model.d_model=64", "data.hands=wrist")
    data = load_data(config)
    module = TranslationModule(config, data)
    with pytest.raises(InputError) as refused:
        init_encoder(module.model, pretrained, config, data.layout, data.features)
    message = str(refused.value)
    assert message.startswith(str(pretrained / "best_checkpoint.pt"))
    assert "model.d_model 32 (here 64)" in message and "data.hands 'both'" in message
    assert "--set model.d_model=32" in message


def test_frozen_epochs_leave_the_encoder_unchanged(
    pretrained: Path, random_prepared: Path, tmp_path: Path
) -> None:
    import lightning as L

    digests: list[tuple[str, str]] = []  # (encoder, decoder) at the start, after each epoch

    class Digests(L.Callback):
        def record(self, module: TranslationModule) -> None:
            digests.append(
                (weights_digest(module.model.encoder), weights_digest(module.model.decoder))
            )

        def on_train_start(self, trainer: L.Trainer, module: TranslationModule) -> None:
            self.record(module)

        def on_train_epoch_end(self, trainer: L.Trainer, module: TranslationModule) -> None:
            self.record(module)

    extra = [f"model.init={pretrained}", "train.epochs=2", "train.freeze_encoder_epochs=1"]
    config = _config(random_prepared, *extra, "train.early_stopping_patience=100")
    train(config, tmp_path / "run", progress=False, callbacks=[Digests()])
    (start, decoder_start), (after_one, decoder_one), (after_two, _) = digests
    assert after_one == start  # frozen in epoch 1
    assert decoder_one != decoder_start  # while the rest learnt
    assert after_two != after_one  # free from epoch 2 on


def test_pretrain_on_a_folder_of_pose_files(tmp_path: Path) -> None:
    folder = tmp_path / "unlabelled"
    for i in range(10):
        write_pose(folder / f"clip{i}.pose", frames=8, seed=i)
    config = configuration.load(
        None, [*TINY_MODEL, *PRETRAIN_QUICK, "pretrain.prepared=false", f"pretrain.folder={folder}"]
    )
    data = load_unlabelled(config)
    assert (len(data.train), len(data.val)) == (9, 1)  # pretrain.val_share 0.1
    result = pretrain(config, tmp_path / "run", progress=False)
    assert result["status"] == "finished" and result["epochs"] == 1
    (folder / "signing.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="sign2text extract"):
        load_unlabelled(config)


def test_a_pretrain_run_resumes_where_it_stopped(random_prepared: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    sets = [f"data.prepared={random_prepared}", *TINY_MODEL, *PRETRAIN_QUICK]
    assert cli(["pretrain", "--run-dir", str(run), *(a for s in sets for a in ("--set", s))]) == 0
    first = read_encoder(run).state
    assert cli(["pretrain", "--resume", str(run), "--set", "pretrain.epochs=2"]) == 0
    status = run_status(run)
    assert (status.state, status.epoch, status.epochs) == ("finished", 2, 2)
    assert read_encoder(run / "last_checkpoint.pt").info["epoch"] == 2
    assert any(not torch.equal(first[k], v) for k, v in read_encoder(run).state.items())


@pytest.mark.slow  # a second process starts torch and Lightning
def test_pretrain_in_the_background_is_followed_by_status(
    random_prepared: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys
    import time

    run = tmp_path / "run"
    sets = [f"data.prepared={random_prepared}", *TINY_MODEL, "pretrain.epochs=2"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    argv = [sys.executable, "-m", "sign2text", "pretrain", "--background", "--run-dir", str(run)]
    launched = subprocess.run(
        [*argv, *(a for s in sets for a in ("--set", s))],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert launched.returncode == 0 and "background" in launched.stdout
    hang = time.monotonic() + 600
    while run_status(run).state == "running" and time.monotonic() < hang:
        time.sleep(0.5)
    status = run_status(run)
    assert (status.state, status.epoch, status.epochs) == ("finished", 2, 2), (
        run / "train.out"
    ).read_text()
    assert status.health.split(":")[0] in ("healthy", "doubtful", "failing")  # a verdict


@pytest.mark.parametrize("objective", ["reconstruct", "clusters"])
def test_resuming_from_a_point_inside_an_epoch_gives_the_uninterrupted_run(
    random_prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, objective: str
) -> None:
    import hashlib
    import json
    import shutil

    from sign2text.model import checkpoint

    timing = {"epoch_seconds", "clips_per_second", "val_seconds"}

    def outcome(run: Path) -> tuple[str, dict]:
        digest = hashlib.sha256()
        for name, tensor in sorted(read_encoder(run / "last_checkpoint.pt").state.items()):
            digest.update(name.encode() + tensor.numpy().tobytes())
        history = json.loads((run / "history.json").read_text())
        return digest.hexdigest(), {k: v for k, v in history.items() if k not in timing}

    config = configuration.load(
        None,
        [
            f"data.prepared={random_prepared}",
            *TINY_MODEL,
            "model.dropout=0.1",  # dropout on: the random-number states matter
            "train.batch_size=4",
            "pretrain.epochs=2",
            f"pretrain.objective={objective}",
            "train.checkpoint_minutes=1e-9",  # a resume point after every batch
        ],
    )
    points: list[Path] = []
    write_state = checkpoint.write_state

    def keep_resume_points(path: Path, state: dict) -> None:
        write_state(path, state)
        if Path(path).name == "resume.ckpt":
            points.append(tmp_path / f"point-{len(points):02d}.ckpt")
            shutil.copy(path, points[-1])

    monkeypatch.setattr(checkpoint, "write_state", keep_resume_points)
    pretrain(config, tmp_path / "whole", progress=False)
    monkeypatch.undo()
    run = tmp_path / "resumed"
    run.mkdir()
    shutil.copy(tmp_path / "whole" / "config.yaml", run / "config.yaml")
    shutil.copy(points[3], run / "resume.ckpt")  # after the 4th of 6 batches of epoch 1
    pretrain(config, run, resume=True, progress=False)
    assert outcome(run) == outcome(tmp_path / "whole")
