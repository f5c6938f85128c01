import json
from pathlib import Path

import numpy as np
import pytest

from conftest import shared_data
from sign2text.data.layouts import OPENPOSE_137
from sign2text.data.readers.base import Clip, check_finite
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.errors import InputError


def _person(offset_x: float, conf: float = 0.9) -> dict:
    pose = []
    for i in range(25):
        pose += [offset_x + i, 100.0 + i, conf]
    return {
        "person_id": [-1],
        "pose_keypoints_2d": pose,
        "face_keypoints_2d": [1.0, 2.0, 0.5] * 70,
        "hand_left_keypoints_2d": [3.0, 4.0, 0.7] * 21,
        "hand_right_keypoints_2d": [],
        "pose_keypoints_3d": [],
    }


def _write_clip(folder: Path, frames: list[list[dict]]) -> None:
    folder.mkdir(parents=True)
    for i, people in enumerate(frames):
        path = folder / f"{folder.name}_{i:012d}_keypoints.json"
        path.write_text(json.dumps({"version": 1.3, "people": people}))


def test_reads_values_in_layout_order_and_counts_frames(tmp_path: Path) -> None:
    clip_dir = tmp_path / "clip_a"
    _write_clip(clip_dir, [[_person(600)], [], [_person(600)]])
    clip, stats = read_openpose_folder(clip_dir)
    assert clip.coords.shape == (3, 137, 2) and clip.confidence.shape == (3, 137)
    assert clip.coords[0, 1].tolist() == [601.0, 101.0]
    assert clip.confidence[0, 25] == pytest.approx(0.5)  # first face point
    assert (clip.confidence[0, 116:] == 0).all()  # empty right hand -> missing
    assert (clip.confidence[1] == 0).all() and (clip.coords[1] == 0).all()
    assert (stats.frames, stats.no_person, stats.several_people) == (3, 1, 0)


def test_keeps_the_central_signer_when_several_people_appear(tmp_path: Path) -> None:
    clip_dir = tmp_path / "clip_b"
    _write_clip(clip_dir, [[_person(600)], [_person(50), _person(605)], [_person(600)]])
    clip, stats = read_openpose_folder(clip_dir)
    assert stats.several_people == 1
    assert clip.coords[1, 0, 0] == pytest.approx(605.0)


def test_frames_with_no_person_or_several_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sign2text.data.readers import openpose

    reads: list[str] = []
    read_bytes = openpose._read_bytes
    monkeypatch.setattr(
        openpose, "_read_bytes", lambda path: reads.append(path) or read_bytes(path)
    )
    clip_dir = tmp_path / "clip_c"
    _write_clip(clip_dir, [[_person(600)], [], [_person(50), _person(605)], [_person(600)]])
    clip, stats = read_openpose_folder(clip_dir)
    assert (stats.no_person, stats.several_people) == (1, 1)
    assert clip.coords[2, 0, 0] == pytest.approx(605.0)
    assert sorted(reads) == sorted(openpose.frame_files(clip_dir))  # each file read once


@pytest.mark.parametrize(
    "content, problem",
    [
        ('{"version": 1.3, "people": [{"pose_keypoints_2d": [1, 2', "not valid JSON"),
        ('{"version": 1.3}', "no 'people'"),
        ('{"people": [{"pose_keypoints_2d": [1, 2, 3]}]}', "expected 75"),
    ],
)
def test_bad_frames_name_the_file(tmp_path: Path, content: str, problem: str) -> None:
    clip_dir = tmp_path / "clip_c"
    _write_clip(clip_dir, [[_person(600)]])
    bad = clip_dir / "clip_c_000000000001_keypoints.json"
    bad.write_text(content)
    with pytest.raises(InputError, match=problem) as error:
        read_openpose_folder(clip_dir)
    assert bad.name in str(error.value)


def test_nan_and_empty_folders_are_rejected(tmp_path: Path) -> None:
    clip_dir = tmp_path / "clip_d"
    person = _person(600)
    person["pose_keypoints_2d"][0] = float("nan")
    _write_clip(clip_dir, [[person]])  # json writes a bare NaN, which is not JSON
    with pytest.raises(InputError, match="not valid JSON"):
        read_openpose_folder(clip_dir)
    coords = np.zeros((2, 137, 2), np.float32)
    coords[1, 3, 0] = np.inf
    with pytest.raises(InputError, match="NaN or infinite .first in frame 1"):
        check_finite("x.npy", Clip(coords, np.ones((2, 137), np.float32), 24.0, OPENPOSE_137))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no \\*_keypoints.json"):
        read_openpose_folder(tmp_path / "empty")


def test_real_how2sign_clip_matches_its_json() -> None:
    folder = shared_data("how2sign", "openpose_val", "_2FBDaOPYig_4-3-rgb_front")
    clip, stats = read_openpose_folder(folder)
    files = sorted(folder.glob("*_keypoints.json"))
    assert clip.frames == stats.frames == len(files)
    person = json.loads(files[7].read_text())["people"][0]
    expected = np.asarray(person["hand_right_keypoints_2d"], np.float32).reshape(21, 3)
    np.testing.assert_array_equal(clip.coords[7, 116:], expected[:, :2])
    np.testing.assert_array_equal(clip.confidence[7, 116:], expected[:, 2])


def test_frame_files_larger_than_one_read_are_read_whole(tmp_path: Path) -> None:
    from sign2text.data.readers.openpose import _read_bytes

    for size in (0, 100, 16384, 16385, 50_000):
        path = tmp_path / f"f{size}"
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        path.write_bytes(data)
        assert _read_bytes(str(path)) == data
