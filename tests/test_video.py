"""`sign2text extract`: videos to `.pose` keypoints with MediaPipe Holistic (an optional extra)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import shared_data
from sign2text.cli import main
from sign2text.data.readers.pose_file import read_pose_file
from sign2text.data.video import INSTALL_HINT, VideoExtraError, extract_videos, load_holistic
from sign2text.errors import InputError

HOLISTIC_POINTS = 33 + 468 + 21 + 21 + 33  # body, face mesh, hands, body in world units


@pytest.fixture
def no_mediapipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # `import mediapipe` raises ImportError


@pytest.mark.usefixtures("no_mediapipe")
def test_missing_mediapipe_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(VideoExtraError, match="mediapipe==0.10.21"):
        load_holistic()
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not decoded before MediaPipe is found")
    assert main(["extract", str(video), "--out", str(tmp_path / "poses")]) == 2
    error = capsys.readouterr().err
    assert INSTALL_HINT in error and len(error.splitlines()) == 1 and "Traceback" not in error
    assert not (tmp_path / "poses").exists()


@pytest.mark.usefixtures("no_mediapipe")
def test_existing_outputs_are_skipped_without_loading_mediapipe(tmp_path: Path) -> None:
    video = tmp_path / "videos" / "clip.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    done = tmp_path / "poses" / "clip.pose"
    done.parent.mkdir()
    done.write_bytes(b"from an earlier run")
    result = extract_videos([video], tmp_path / "poses")
    assert result.skipped == [done] and result.written == []
    with pytest.raises(VideoExtraError):
        extract_videos([video], tmp_path / "poses", overwrite=True)


@pytest.mark.parametrize(
    ("mediapipe", "protobuf", "problem"),
    [
        (SimpleNamespace(__version__="1.2.3"), "6.33.6", "no Holistic solution"),
        (
            SimpleNamespace(__version__="0.10.21", solutions=None),
            "7.36.2",
            "fails with protobuf 7.36.2",
        ),
    ],
)
def test_unusable_mediapipe_installs_are_named(
    monkeypatch: pytest.MonkeyPatch, mediapipe: SimpleNamespace, protobuf: str, problem: str
) -> None:
    monkeypatch.setitem(sys.modules, "mediapipe", mediapipe)
    monkeypatch.setattr("google.protobuf.__version__", protobuf)
    with pytest.raises(VideoExtraError, match=problem):
        load_holistic()


def test_videos_must_exist_and_have_distinct_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        extract_videos([tmp_path / "absent.mp4"], tmp_path)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "clip.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="both would write clip.pose"):
        extract_videos([tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"], tmp_path)


def test_real_video_gives_a_readable_pose_file(tmp_path: Path) -> None:
    pytest.importorskip("mediapipe")
    video = shared_data("pose_samples", "test_video.mp4")
    result = extract_videos([video], tmp_path)
    assert result.written == [tmp_path / "test_video.pose"]
    clip = read_pose_file(result.written[0])
    assert clip.coords.shape == (58, HOLISTIC_POINTS, 3)
    assert 29 < clip.fps < 31
    body = clip.layout.part_indices("POSE_LANDMARKS")
    assert (clip.confidence[:, body] > 0).any(axis=1).all()  # the signer is found in every frame
    hands = clip.layout.part_indices("RIGHT_HAND_LANDMARKS")
    assert (clip.confidence[:, hands] > 0).any()
    nose = clip.coords[:, clip.layout.index("POSE_LANDMARKS.NOSE"), :2]  # (T, 2) pixels
    assert ((nose > 0) & (nose < [540, 720])).all()  # the 540x720 frame
    assert np.isfinite(clip.coords).all()
