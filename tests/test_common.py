"""The common skeleton: every source maps onto it, sides and face points land where they should
on real clips, and what a source lacks stays missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from conftest import TINY_MODEL, shared_data
from keypoint_files import pose_bytes
from sign2text import config as configuration
from sign2text import translate as translation
from sign2text.cli import main
from sign2text.data.common import (
    COMMON,
    common_indices,
    missing_points,
    to_common,
)
from sign2text.data.dataset import PreparedSplit
from sign2text.data.frames import resample
from sign2text.data.layouts import (
    COCO_WHOLEBODY_133,
    LAYOUTS,
    OPENPOSE_137,
    PHOENIX_50,
)
from sign2text.data.prepare import prepare_manifest
from sign2text.data.readers.base import Clip
from sign2text.data.readers.phoenix import read_phoenix_sequence, read_split
from sign2text.data.readers.registry import read_clip
from sign2text.data.synth.holistic import write_holistic
from sign2text.data.video import extract_videos
from sign2text.errors import InputError
from sign2text.evaluation.evaluate import evaluate
from sign2text.training import train
from sign2text.translate import translate

BRIGHT = [f"face.F{i}" for i in (17, 18, 19, 20, 21)]
BLEFT = [f"face.F{i}" for i in (22, 23, 24, 25, 26)]


def _mean_x(clip: Clip, points: list[str]) -> float:
    """Mean x over the frames where all `points` were found."""
    index = [COMMON.index(p) for p in points]
    seen = (clip.confidence[:, index] > 0).all(axis=1)
    assert seen.any(), f"none of {points} found together"
    return float(clip.coords[seen][:, index, 0].mean())


def _mean_y(clip: Clip, point: str) -> float:
    i = COMMON.index(point)
    seen = clip.confidence[:, i] > 0
    return float(clip.coords[seen, i, 1].mean())


def _faces_the_camera(clip: Clip) -> None:
    """A signer facing the camera: their right shoulder on the image's left."""
    assert _mean_x(clip, ["body.RShoulder"]) < _mean_x(clip, ["body.LShoulder"])


def _face_in_place(clip: Clip) -> None:
    """Right brow left of the left brow in the image; brows above the mouth, mouth above chin."""
    assert _mean_x(clip, BRIGHT) < _mean_x(clip, BLEFT)
    assert _mean_x(clip, ["face.F36"]) < _mean_x(clip, ["face.F39"]) < _mean_x(clip, ["face.F42"])
    assert _mean_x(clip, ["face.F48"]) < _mean_x(clip, ["face.F54"])  # mouth corners
    assert _mean_y(clip, "face.F19") < _mean_y(clip, "face.F51") < _mean_y(clip, "face.F8")


def test_the_common_skeleton_and_what_each_layout_lacks() -> None:
    assert len(COMMON.points) == 13 + 2 * 21 + 21 == len(set(COMMON.points))
    assert (common_indices(OPENPOSE_137) >= 0).all()  # OpenPose gives every common point
    lacking = missing_points(PHOENIX_50)
    assert "body.Nose" not in lacking and "hand_left.Pinky4" not in lacking
    assert {"body.RHip", "body.LHip", "body.REye", "body.LEar"} <= set(lacking)
    assert all(p.startswith(("body.", "face.")) for p in lacking)
    assert missing_points(COCO_WHOLEBODY_133) == []


def test_coco_wholebody_points_land_on_their_common_names() -> None:
    index = dict(zip(COMMON.points, common_indices(COCO_WHOLEBODY_133).tolist(), strict=True))
    assert index["body.Nose"] == 0 and index["body.RShoulder"] == 6 and index["body.LWrist"] == 9
    assert index["face.F8"] == 23 + 8  # body 17, feet 6, then the 68 face points
    assert index["hand_left.Wrist"] == 91 and index["hand_right.Pinky4"] == 132


def test_a_coco_wholebody_array_file_named_by_its_layout_maps(tmp_path: Path) -> None:
    values = np.random.default_rng(1).uniform(0.1, 1, (5, 133, 3)).astype(np.float32)
    np.save(tmp_path / "clip.npy", values)
    common = to_common(read_clip(tmp_path / "clip.npy", LAYOUTS["coco_wholebody133"]))
    np.testing.assert_array_equal(
        common.coords[:, COMMON.index("body.RShoulder")], values[:, 6, :2]
    )
    np.testing.assert_array_equal(common.confidence[:, COMMON.index("face.F8")], values[:, 31, 2])


def test_a_point_a_source_lacks_stays_missing() -> None:
    frames = 3
    coords = np.random.default_rng(0).uniform(1, 2, (frames, len(PHOENIX_50.points), 3))
    clip = Clip(coords.astype(np.float32), np.ones((frames, 50), np.float32), 25.0, PHOENIX_50)
    common = to_common(clip)
    assert common.coords.shape == (frames, len(COMMON.points), 2)
    for point in ("body.RHip", "face.F8"):
        i = COMMON.index(point)
        assert (common.confidence[:, i] == 0).all() and (common.coords[:, i] == 0).all()
    i, j = COMMON.index("hand_right.Index4"), PHOENIX_50.index("hand_right.Index4")
    np.testing.assert_array_equal(common.coords[:, i], clip.coords[:, j, :2])


def test_how2sign_openpose_clips_map_with_sides_and_face_in_place() -> None:
    for folder in sorted(shared_data("how2sign", "openpose_val").iterdir())[:3]:
        common = to_common(read_clip(folder))
        _faces_the_camera(common)
        _face_in_place(common)


@pytest.mark.parametrize(
    "relative",
    [
        ("pose_samples", "mediapipe.pose"),  # reduced Holistic, 178 points
        ("dgs", "test", "test_10_original.pose"),  # reduced Holistic, 178 points
    ],
)
def test_mediapipe_pose_files_map_with_sides_and_face_in_place(relative: tuple[str, ...]) -> None:
    common = to_common(read_clip(shared_data(*relative)))
    assert missing_points(read_clip(shared_data(*relative)).layout)[0] == "body.Nose"
    _faces_the_camera(common)
    _face_in_place(common)


def test_full_holistic_files_map_every_point() -> None:
    path = sorted(shared_data("isolated").rglob("*.pose"))[0]
    clip = read_clip(path)
    if not any(p.startswith("POSE_LANDMARKS.NOSE") for p in clip.layout.points):
        pytest.skip(f"{path} is not a full Holistic file")
    assert missing_points(clip.layout) == []
    _face_in_place(to_common(clip))


def test_phoenix_skeletons_map_their_body_and_hands() -> None:
    skels = shared_data("phoenix14t", "skels_15") / "dev.skels"
    common = to_common(read_phoenix_sequence(read_split(skels)[0].path))
    found = {p for p, c in zip(COMMON.points, common.confidence.max(axis=0), strict=True) if c > 0}
    assert {"body.Nose", "body.RShoulder", "hand_left.Wrist", "hand_right.Pinky4"} <= found
    assert not any(p.startswith("face.") for p in found)


def _as_holistic(clip: Clip, path: Path) -> None:
    """`clip` (OpenPose 137) as synth writes it for MediaPipe Holistic."""
    write_holistic(clip.stacked(), clip.fps, path)


def test_a_model_of_the_common_skeleton_reads_openpose_and_mediapipe_alike(
    tiny_synth: Path, tiny_prepared: Path, tmp_path: Path
) -> None:
    settings = [f"data.prepared={tiny_prepared}", *TINY_MODEL, "data.points=common"]
    settings += ["text.tokenizer=word", "text.vocab_size=500", "train.epochs=1"]
    run = tmp_path / "run"
    train(configuration.load(None, settings), run, progress=False)
    folder = sorted((tiny_synth / "openpose").iterdir())[0]
    openpose = read_clip(folder)
    _as_holistic(openpose, tmp_path / "clip.pose")
    holistic = read_clip(tmp_path / "clip.pose")
    assert holistic.layout.name.startswith("holistic")
    np.testing.assert_allclose(to_common(holistic).coords, to_common(openpose).coords, atol=1e-3)
    np.testing.assert_array_equal(to_common(holistic).confidence, to_common(openpose).confidence)
    sentences = translate([folder, tmp_path / "clip.pose"], run / "best_checkpoint.pt")
    assert sentences[0][1] == sentences[1][1]
    assert evaluate(run, "test", progress=False)["clips"] > 0  # evaluation maps its split too


@pytest.fixture(scope="module")
def openpose_run(tiny_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained one epoch on the synthetic OpenPose clips, all 137 points."""
    settings = [f"data.prepared={tiny_prepared}", *TINY_MODEL, "train.epochs=1"]
    settings += ["text.tokenizer=word", "text.vocab_size=500"]
    run = tmp_path_factory.mktemp("openpose") / "run"
    train(configuration.load(None, settings), run, progress=False)
    return run


def test_a_model_of_openpose_points_reads_a_mediapipe_file_and_says_what_it_misses(
    tiny_synth: Path, openpose_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = sorted((tiny_synth / "openpose").iterdir())[0]
    _as_holistic(read_clip(folder), tmp_path / "clip.pose")
    with caplog.at_level("WARNING"):
        [(_, sentence, _)] = translate(
            [tmp_path / "clip.pose"], openpose_run / "best_checkpoint.pt"
        )
    note = " ".join(r.getMessage() for r in caplog.records)
    # BODY_25 less the 13 common body points; the face less its 21 common landmarks
    assert "61 of 137 points the model reads are not in this clip" in note
    assert "pose 12 of 25" in note and "face 49 of 70" in note and "hand_left" not in note
    assert isinstance(sentence, str)
    unknown = tmp_path / "unknown.pose"  # a skeleton with no map: refused, naming the file
    data = np.ones((4, 1, 3, 3), np.float32)
    unknown.write_bytes(pose_bytes(data, np.ones((4, 1, 3)), (("BODY", ("A", "B", "C")),)))
    with pytest.raises(InputError, match="unknown.pose: its keypoints .* have no common map"):
        translate([unknown], openpose_run / "best_checkpoint.pt")


def test_extract_then_translate_a_real_video_with_an_openpose_model(
    openpose_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("mediapipe", reason="the video extra is absent: make install-video")
    video = shared_data("pose_samples", "test_video.mp4")
    extract_videos([video], tmp_path)
    checkpoint = openpose_run / "best_checkpoint.pt"
    with caplog.at_level("WARNING"):
        results = translate([video, tmp_path / "test_video.pose"], checkpoint)
    assert results[0][0] == str(video) and results[0][1] == results[1][1]
    assert f"{video}: 61 of 137 points the model reads" in caplog.text


def test_an_openpose_and_a_mediapipe_dataset_train_together_on_the_common_skeleton(
    tiny_synth: Path, tiny_prepared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a second dataset: some of the same clips as MediaPipe Holistic .pose files, 25 fps
    table = (tiny_synth / "how2sign_realigned_train.csv").read_text().splitlines()[1:9]
    lines = ["path,sentence,split"]
    for k, row in enumerate(table):
        name, sentence = row.split("\t")[3], row.split("\t")[6]
        _as_holistic(read_clip(tiny_synth / "openpose" / name), tmp_path / f"{name}.pose")
        split = "train" if k < 6 else "val"
        lines.append(f'{name}.pose,"{sentence}",{split}')
    (tmp_path / "clips.csv").write_text("\n".join(lines) + "\n")
    holistic = tmp_path / "holistic"
    prepare_manifest(tmp_path / "clips.csv", holistic, fps=25.0, progress=False)
    out = tmp_path / "both"
    argv = ["prepare", "combine", str(tiny_prepared), str(holistic), "--out", str(out)]
    assert main(argv) == 0
    assert f"from {holistic.name}: train 6, val 2" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["sources"][tiny_prepared.name]["train"] == report["splits"]["train"]["clips"] - 6
    meta = json.loads((out / "meta.json").read_text())
    assert (meta["layout"]["name"], meta["values"], meta["fps"]) == ("common", 3, 24.0)
    first = PreparedSplit(out, "train")
    mapped = next(i for i, c in enumerate(first.clips) if c.source == holistic.name)
    name = first.clips[mapped].name.removesuffix(".pose")
    original = to_common(read_clip(tiny_synth / "openpose" / name))
    # resampled from 25 back to 24 fps: the first frame is the original's
    np.testing.assert_allclose(first.keypoints(mapped)[0, :, :2], original.coords[0], atol=1e-3)
    settings = [f"data.prepared={out}", *TINY_MODEL, "train.epochs=1", "text.tokenizer=word"]
    result = train(configuration.load(None, settings), tmp_path / "run", progress=False)
    assert result["status"] == "finished"


def test_synth_writes_a_clip_as_mediapipe_holistic_would(tiny_synth: Path, tmp_path: Path) -> None:
    clip = read_clip(sorted((tiny_synth / "openpose").iterdir())[0])
    write_holistic(clip.stacked(), clip.fps, tmp_path / "clip.pose")
    back = read_clip(tmp_path / "clip.pose")
    assert (back.layout.name, back.frames, back.fps) == ("holistic543", clip.frames, clip.fps)
    nose, knee = (back.layout.index(f"POSE_LANDMARKS.{p}") for p in ("NOSE", "LEFT_KNEE"))
    source = clip.coords[:, OPENPOSE_137.index("pose.Nose")]
    np.testing.assert_allclose(back.coords[:, nose, :2], source, atol=1e-3)
    assert (back.confidence[:, knee] == 0).all()  # not on the common skeleton: not invented
    mesh = back.layout.index("FACE_LANDMARKS.152")  # the chin, iBUG point 8
    np.testing.assert_allclose(
        back.coords[:, mesh, :2], clip.coords[:, OPENPOSE_137.index("face.F8")], atol=1e-3
    )


def test_a_clip_at_another_frame_rate_reaches_the_model_at_its_training_rate(
    tiny_synth: Path, openpose_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = sorted((tiny_synth / "openpose").iterdir())[0]
    clip = read_clip(folder)
    write_holistic(clip.stacked(), clip.fps, tmp_path / "same.pose")
    fast = resample(clip.stacked(), clip.fps, 2 * clip.fps)
    write_holistic(fast, 2 * clip.fps, tmp_path / "fast.pose")
    seen: list[int] = []
    real_infer = translation.infer

    def counting_infer(reader: Any, keypoints: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        seen.append(keypoints.shape[1])
        return real_infer(reader, keypoints, *args, **kwargs)

    monkeypatch.setattr(translation, "infer", counting_infer)
    checkpoint = openpose_run / "best_checkpoint.pt"
    results = translate([tmp_path / "same.pose", tmp_path / "fast.pose"], checkpoint)
    assert seen == [clip.frames, clip.frames]  # the 2x-rate clip was brought back to the rate
    assert results[0][1] == results[1][1]
