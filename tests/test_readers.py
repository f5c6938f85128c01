import json
from pathlib import Path

import numpy as np
import pytest
import torch
from pose_format import Pose

from conftest import shared_data, write_openpose_clip
from keypoint_files import (
    HOLISTIC_MINI,
    pose_bytes,
    random_joints,
    random_pose,
    write_phoenix_split,
    write_pose,
)
from sign2text.data.dataset import PreparedSplit
from sign2text.data.features import Anchors, normalise
from sign2text.data.layouts import LAYOUTS, OPENPOSE_137, PHOENIX_50, Layout
from sign2text.data.prepare import prepare_phoenix, prepare_pose_folder
from sign2text.data.readers.arrays import read_arrays
from sign2text.data.readers.base import Clip
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.data.readers.phoenix import read_phoenix_sequence, read_split
from sign2text.data.readers.pose_file import read_pose_file, read_pose_info
from sign2text.errors import InputError
from sign2text.text.textfix import repair


def _as_pose_format_reads(path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """First person's coordinates and confidence as pose-format reads them, missing -> 0."""
    pose = Pose.read(path.read_bytes())
    data = pose.body.data[:, 0]  # (T, K, D) masked
    values = np.ma.getdata(data)
    missing = np.ma.getmaskarray(data).any(axis=-1) | np.isnan(values).any(axis=-1)
    confidence = np.asarray(pose.body.confidence[:, 0])
    return (
        np.where(missing[..., None], 0, values),
        np.where(missing, 0, confidence),
        float(pose.body.fps),
    )


def _normalised(clip: Clip) -> torch.Tensor:
    """`features.normalise` on one clip: (T, K, D + 1) -> (T, K, D + 1)."""
    keypoints = torch.from_numpy(clip.stacked())[None]  # (1, T, K, C)
    mask = torch.ones(keypoints.shape[:2], dtype=torch.bool)
    features = normalise(keypoints, mask, Anchors.of(clip.layout))
    return features.reshape(keypoints.shape)[0]


def _check_normalises(clip: Clip) -> None:
    """Normalisation gives finite values and a mean shoulder width of 1."""
    normalised = _normalised(clip)
    assert torch.isfinite(normalised).all()
    right, left = (clip.layout.index(p) for p in clip.layout.shoulders)
    both = (clip.confidence[:, right] > 0) & (clip.confidence[:, left] > 0)
    if both.any():
        width = (normalised[:, right, :-1] - normalised[:, left, :-1]).norm(dim=-1)
        assert width[torch.from_numpy(both)].mean().item() == pytest.approx(1.0, rel=1e-3)


# --- .pose files -----------------------------------------------------------------------------


def test_every_real_pose_file_reads_as_pose_format_does() -> None:
    files = sorted(shared_data().rglob("*.pose"))
    assert len(files) >= 60
    normalised: set[str] = set()
    for path in files:
        clip, info = read_pose_file(path), read_pose_info(path)
        coords, confidence, fps = _as_pose_format_reads(path)
        assert clip.coords.shape == coords.shape, path
        np.testing.assert_array_equal(clip.coords, coords, err_msg=str(path))
        np.testing.assert_array_equal(clip.confidence, confidence, err_msg=str(path))
        assert clip.fps == info.fps == pytest.approx(fps)
        assert (clip.layout, clip.coords.shape[-1]) == (info.layout, info.dims)
        assert len(clip.layout.points) == clip.coords.shape[1]
        if clip.layout.name not in normalised:  # one clip per layout: normalise is slow on CPU
            _check_normalises(clip)
            normalised.add(clip.layout.name)


@pytest.mark.parametrize(
    "relative, points",
    [
        ("dgs/train/train_1_original.pose", 178),
        ("pose_samples/mediapipe.pose", 178),
        ("isolated/pose_eval_asl/standard_landmarks/colin-SAD.pose", 576),
        ("isolated/fingerspelling_ase/fs-stse28e9ac023b0e29ca0a3acc12dc46540.pose", 586),
        ("isolated/pose_eval_asl/mixed/SbTU6uS4cc1tZpqCnE3g.pose", 553),
    ],
)
def test_holistic_files_centre_on_the_shoulders_and_anchor_hands_on_wrists(
    relative: str, points: int
) -> None:
    layout = read_pose_info(shared_data(relative)).layout
    assert (layout.name, len(layout.points)) == (f"holistic{points}", points)
    shoulders = ("POSE_LANDMARKS.RIGHT_SHOULDER", "POSE_LANDMARKS.LEFT_SHOULDER")
    assert layout.shoulders == shoulders and layout.centre == shoulders
    assert layout.hands == ("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")
    for hand in layout.hands:
        assert layout.points[layout.part_indices(hand)[0]] == f"{hand}.WRIST"


def test_openpose_pose_file_is_the_openpose_json_layout() -> None:
    clip = read_pose_file(shared_data("pose_samples", "openpose.pose"))
    assert clip.layout == OPENPOSE_137
    assert clip.coords.shape == (93, 137, 2) and clip.fps == 24.0


def test_nan_hands_in_a_real_file_read_as_missing() -> None:
    path = shared_data("isolated", "pose_eval_asl", "mixed", "SbTU6uS4cc1tZpqCnE3g.pose")
    raw = np.ma.getdata(Pose.read(path.read_bytes()).body.data)[:, 0]
    nan = np.isnan(raw).any(axis=-1)  # (T, K)
    assert nan.any()
    clip = read_pose_file(path)
    assert (clip.confidence[nan] == 0).all() and (clip.coords[nan] == 0).all()
    assert (clip.confidence[~nan] > 0).all()


def test_masked_points_are_missing_and_the_first_person_is_read(tmp_path: Path) -> None:
    data, confidence = random_pose(frames=4, people=2)
    confidence[1, 0, 4] = 0  # the left wrist not found in frame 1
    path = tmp_path / "two.pose"
    path.write_bytes(pose_bytes(data, confidence))
    clip = read_pose_file(path)
    assert clip.coords.shape == (4, 9, 3)
    np.testing.assert_array_equal(clip.coords[0], data[0, 0])
    assert clip.confidence[1, 4] == 0 and (clip.coords[1, 4] == 0).all()
    assert clip.layout.hands == ("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")


def test_header_without_shoulders_or_wrists_gets_fallback_anchors(tmp_path: Path) -> None:
    data, confidence = random_pose(frames=3)
    no_shoulders = (
        ("BODY", ("A", "B", "C")),
        ("LEFT_HAND_LANDMARKS", ("THUMB_TIP", "WRIST", "INDEX_FINGER_TIP")),
        ("RIGHT_HAND_LANDMARKS", ("WRIST", "THUMB_TIP", "INDEX_FINGER_TIP")),
    )
    path = tmp_path / "odd.pose"
    path.write_bytes(pose_bytes(data, confidence, no_shoulders))
    layout = read_pose_file(path).layout
    assert layout.centre == layout.points  # the mean of every point
    assert layout.shoulders == ("BODY.A", "BODY.B")
    assert layout.hands == ()  # generic layouts make nothing wrist-relative

    with_shoulders = (("POSE_LANDMARKS", ("NOSE", "LEFT_SHOULDER", "RIGHT_SHOULDER")),)
    path.write_bytes(pose_bytes(data, confidence, with_shoulders + no_shoulders[1:]))
    assert read_pose_file(path).layout.hands == ("RIGHT_HAND_LANDMARKS",)  # left starts off-wrist


# --- PHOENIX skeleton text -------------------------------------------------------------------


def test_real_phoenix_sequences_match_their_text() -> None:
    folder = shared_data("phoenix14t", "skels_15")
    for stem in ("train", "dev", "test"):
        sequences = read_split(folder / f"{stem}.skels")
        lines = (folder / f"{stem}.skels").read_text().splitlines()
        texts = (folder / f"{stem}.text").read_text(encoding="utf-8").splitlines()
        names = (folder / f"{stem}.files").read_text().splitlines()
        assert [s.sentence for s in sequences] == texts
        assert [s.name for s in sequences] == names
        for sequence, line in zip(sequences, lines, strict=True):
            numbers = np.asarray(line.split(), np.float32).reshape(-1, 151)
            clip = read_phoenix_sequence(sequence.path)
            assert clip.layout == PHOENIX_50 and clip.fps == 25.0
            np.testing.assert_array_equal(clip.coords, numbers[:, :150].reshape(-1, 50, 3))
            assert (clip.confidence == 1).all()
    _check_normalises(clip)


def test_phoenix_layout_puts_each_hand_on_its_wrist() -> None:
    """The layout's claim, checked on the data: hand roots sit on the same-side wrist."""
    folder = shared_data("phoenix14t", "skels_15")
    for sequence in read_split(folder / "dev.skels"):
        clip = read_phoenix_sequence(sequence.path)

        def distance(a: str, b: str, clip: Clip = clip) -> float:
            gap = clip.coords[:, clip.layout.index(a)] - clip.coords[:, clip.layout.index(b)]
            return float(np.linalg.norm(gap, axis=-1).mean())

        assert distance("hand_left.Wrist", "pose.LWrist") < 0.1
        assert distance("hand_right.Wrist", "pose.RWrist") < 0.1
        assert distance("hand_left.Wrist", "pose.RWrist") > 0.2
        assert (clip.coords[:, PHOENIX_50.index("pose.Neck")] == 0).all()


def test_phoenix_lines_are_found_without_rereading_and_bad_lines_named(tmp_path: Path) -> None:
    joints = [random_joints(frames, seed=frames) for frames in (3, 5, 2)]
    write_phoenix_split(tmp_path, "dev", [(f"s{i}", f"satz {i}", j) for i, j in enumerate(joints)])
    sequences = read_split(tmp_path / "dev.skels")
    assert [s.path for s in sequences] == [f"{tmp_path / 'dev.skels'}#{n}" for n in (1, 2, 3)]
    for sequence, expected in zip(reversed(sequences), reversed(joints), strict=True):
        np.testing.assert_allclose(read_phoenix_sequence(sequence.path).coords, expected, atol=1e-6)
    with pytest.raises(InputError, match=r"dev\.skels#4: dev\.skels has only 3 lines"):
        read_phoenix_sequence(f"{tmp_path / 'dev.skels'}#4")
    (tmp_path / "dev.text").write_text("one\ntwo\n")
    with pytest.raises(InputError, match=r"dev\.text: 2 lines, but dev\.skels has 3 sequences"):
        read_split(tmp_path / "dev.skels")


# --- arrays ----------------------------------------------------------------------------------


def test_npy_holds_coordinates_then_confidence(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    array = rng.uniform(0, 1, (5, 137, 3)).astype(np.float32)  # x, y, c
    np.save(tmp_path / "a.npy", array)
    clip = read_arrays(tmp_path / "a.npy")
    np.testing.assert_array_equal(clip.stacked(), array)
    assert clip.layout.name == "generic137" and clip.layout.points[:2] == ("p0", "p1")
    _check_normalises(clip)  # generic anchors: centre on every point, scale by p0-p1
    assert read_arrays(tmp_path / "a.npy", LAYOUTS["openpose137"]).layout == OPENPOSE_137
    np.save(tmp_path / "xy.npy", array[..., :2])
    assert (read_arrays(tmp_path / "xy.npy").confidence == 1).all()
    xyz = rng.uniform(-1, 1, (5, 10, 3))
    np.save(tmp_path / "xyz.npy", xyz)
    with pytest.raises(InputError, match=r"xyz\.npy: confidence ranges over .* save the coord"):
        read_arrays(tmp_path / "xyz.npy")


def test_npy_confidences_a_little_above_1_are_kept_as_openpose_json_keeps_them(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(2)
    keypoints = rng.uniform(100, 700, (4, 137, 3))
    keypoints[..., 2] = rng.uniform(0.2, 1.0, (4, 137))
    keypoints[1, 7, 2] = 1.07  # as high as How2Sign's OpenPose release goes
    write_openpose_clip(tmp_path / "clip", keypoints)
    np.save(tmp_path / "clip.npy", keypoints.astype(np.float32))
    from_json, _ = read_openpose_folder(tmp_path / "clip")
    from_npy = read_arrays(tmp_path / "clip.npy", OPENPOSE_137)
    np.testing.assert_array_equal(from_npy.stacked(), from_json.stacked())
    assert from_npy.confidence.max() == np.float32(1.07)


def test_npz_holds_coordinates_and_optional_confidence(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    coords = rng.uniform(-1, 1, (4, 50, 3)).astype(np.float32)
    confidence = rng.uniform(0, 1, (4, 50)).astype(np.float32)
    coords[2, 7] = np.nan  # a point the extractor did not find
    np.savez(tmp_path / "a.npz", keypoints=coords, confidence=confidence)
    clip = read_arrays(tmp_path / "a.npz", PHOENIX_50)
    assert clip.confidence[2, 7] == 0 and (clip.coords[2, 7] == 0).all()
    np.testing.assert_array_equal(clip.coords[3], coords[3])
    np.testing.assert_array_equal(clip.confidence[3], confidence[3])
    np.savez(tmp_path / "b.npz", pose=coords[..., :2])
    assert read_arrays(tmp_path / "b.npz").coords.shape == (4, 50, 2)
    with pytest.raises(InputError, match="has 50 points, but|50 points per frame, but layout"):
        read_arrays(tmp_path / "b.npz", OPENPOSE_137)


# --- prepared real data ----------------------------------------------------------------------


def test_dgs_pose_folder_prepares_and_round_trips(tmp_path: Path) -> None:
    root = shared_data("dgs")
    report = prepare_pose_folder(root, tmp_path / "en", workers=2, progress=False)
    assert report["no_sentence"] == [{"split": "train", "name": "train_7"}]  # empty English
    assert report["splits"]["test"]["clips"] == 16
    assert report["splits"]["train"]["clips"] + report["splits"]["val"]["clips"] == 15
    assert len(report["val_from_train"]) == report["splits"]["val"]["clips"] == 2
    meta = json.loads((tmp_path / "en" / "meta.json").read_text())
    assert Layout.from_dict(meta["layout"]).name == "holistic178" and meta["fps"] == 25.0
    for split in ("train", "val", "test"):
        data = PreparedSplit(tmp_path / "en", split)
        for i, entry in enumerate(data.clips):
            folder = "test" if split == "test" else "train"
            path = root / folder / f"{entry.name}_original.pose"
            document = json.loads((root / folder / f"{entry.name}_metadata.json").read_text())
            assert entry.sentence == repair(document["sentence"]["english"])  # mojibake only
            np.testing.assert_array_equal(data.keypoints(i), read_pose_file(path).stacked())

    german = prepare_pose_folder(root, tmp_path / "de", language="german", progress=False)
    assert german["no_sentence"] == []  # train_7 has German text
    again = prepare_pose_folder(root, tmp_path / "de2", language="german", progress=False)
    assert again["val_from_train"] == german["val_from_train"]
    with pytest.raises(InputError, match="no 'french' text"):
        prepare_pose_folder(root, tmp_path / "fr", language="french", progress=False)
    assert not (tmp_path / "fr").exists()


def test_phoenix_prepares_with_dev_as_val_and_round_trips(tmp_path: Path) -> None:
    root = shared_data("phoenix14t", "skels_15")
    report = prepare_phoenix(root, tmp_path / "out", workers=2, progress=False)
    assert {s: c["clips"] for s, c in report["splits"].items()} == {
        "train": 5,
        "val": 5,
        "test": 5,
    }
    assert "val_from_train" not in report
    val = PreparedSplit(tmp_path / "out", "val")
    names = (root / "dev.files").read_text().splitlines()
    assert [c.name for c in val.clips] == names
    for i, sequence in enumerate(read_split(root / "dev.skels")):
        np.testing.assert_array_equal(
            val.keypoints(i), read_phoenix_sequence(sequence.path).stacked()
        )
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert (meta["layout"]["name"], meta["points"], meta["values"]) == ("phoenix50", 50, 4)


def test_synthetic_pose_folder_without_splits_is_train_with_held_out_val(tmp_path: Path) -> None:
    for k in range(12):
        write_pose(tmp_path / "poses" / f"clip{k:02d}.pose", frames=3 + k, seed=k)
        (tmp_path / "poses" / f"clip{k:02d}.json").write_text(json.dumps({"english": f"hi {k}"}))
    write_pose(tmp_path / "poses" / "unlabelled.pose")
    report = prepare_pose_folder(tmp_path / "poses", tmp_path / "out", progress=False)
    assert report["splits"]["train"]["clips"] == 11 and report["splits"]["val"]["clips"] == 1
    assert report["no_sentence"] == [{"split": "train", "name": "unlabelled"}]
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert Layout.from_dict(meta["layout"]).hands == tuple(name for name, _ in HOLISTIC_MINI[1:])
