"""`sign2text show`: clips of every kind rendered as animated skeletons."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import shared_data, write_openpose_clip
from sign2text.cli import main
from sign2text.data.layouts import OPENPOSE_137
from sign2text.data.readers.base import Clip
from sign2text.errors import InputError
from sign2text.reports.show import (
    ShownClip,
    frame_artists,
    limits,
    load_clip,
    panel,
    render,
    skeleton,
)

FRAMES = 5


def standing_clip(frames: int = FRAMES) -> Clip:
    """An OpenPose-layout signer around (400, 300) px, every point found but frame 0's left
    hand and right elbow, which are missing and left at (0, 0) the way OpenPose writes them."""
    rng = np.random.default_rng(0)
    coords = rng.uniform(250, 550, (frames, len(OPENPOSE_137.points), 2)).astype(np.float32)
    confidence = np.ones(coords.shape[:2], np.float32)  # (T, K)
    missing = [*OPENPOSE_137.part_indices("hand_left"), OPENPOSE_137.index("pose.RElbow")]
    coords[0, missing] = 0
    confidence[0, missing] = 0
    return Clip(coords, confidence, 24.0, OPENPOSE_137)


def gif_frames(path: Path) -> int:
    with Image.open(path) as image:
        return image.n_frames


def test_gif_has_one_frame_per_clip_frame(tmp_path: Path) -> None:
    out = render(ShownClip("signer", "a sentence", standing_clip()), tmp_path / "signer.gif")
    assert gif_frames(out) == FRAMES
    with Image.open(out) as image:
        assert image.info["duration"] == 40  # 1000 / 24 ms in a GIF's hundredths of a second
    assert [p.name for p in tmp_path.iterdir()] == ["signer.gif"]  # no temporary left


def test_missing_points_and_their_bones_are_not_drawn() -> None:
    clip = standing_clip()
    shown = panel(clip, "raw")
    first, second = frame_artists(shown, 0), frame_artists(shown, 1)
    hand = len(OPENPOSE_137.part_indices("hand_left"))
    assert len(second.points) - len(first.points) == hand + 1  # the hand and the elbow
    assert (np.abs(first.points) > 100).all()  # nothing at the origin
    assert (np.abs(first.segments) > 100).all()
    assert len(first.segments) < len(second.segments)
    x0, x1, y0, y1 = limits(shown)  # from found points only, fixed for the clip
    assert 200 < x0 < 250 and 550 < x1 < 600 and 200 < y0 < 250 and 550 < y1 < 600


def test_bones_follow_the_layout() -> None:
    drawn = skeleton(OPENPOSE_137)
    names = {(OPENPOSE_137.points[a], OPENPOSE_137.points[b]) for a, b in drawn.bones}
    assert ("pose.RShoulder", "pose.RElbow") in names
    assert ("hand_right.Index3", "hand_right.Index4") in names
    assert ("hand_left.Wrist", "hand_left.Pinky1") in names
    assert not any(a.startswith("face") for a, _ in names)  # the face is points only
    assert ("pose.RKnee", "pose.RAnkle") not in names  # legs are left out


def test_normalised_view_draws_hands_from_the_origin() -> None:
    clip = standing_clip()
    normalised = panel(clip, "normalized")
    frame = frame_artists(normalised, 1)
    assert np.isclose(frame.segments, 0).all(axis=-1).any()  # finger chains start at (0, 0)
    assert np.abs(frame.points).max() < 20  # shoulder-width units, not pixels


def test_compare_renders_both_views_side_by_side(tmp_path: Path) -> None:
    shown = ShownClip("signer", "", standing_clip())
    one = render(shown, tmp_path / "one.gif")
    two = render(shown, tmp_path / "two.gif", view="compare", fps=10)
    with Image.open(one) as single, Image.open(two) as double:
        assert double.size[0] == 2 * single.size[0]
        assert double.info["duration"] == 100


def test_openpose_folder_through_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = standing_clip()
    write_openpose_clip(tmp_path / "clip7", clip.stacked())
    monkeypatch.chdir(tmp_path)
    assert main(["show", str(tmp_path / "clip7"), "--normalized"]) == 0
    assert gif_frames(tmp_path / "clip7.gif") == FRAMES


def test_prepared_dataset_clip_by_name_or_position(random_prepared: Path, tmp_path: Path) -> None:
    by_position = load_clip(random_prepared, split="val", clip="1")
    by_name = load_clip(random_prepared, split="val", clip=by_position.name)
    assert by_name.name == by_position.name and by_name.sentence == by_position.sentence
    assert by_position.sentence.startswith("Sentence 1 of val")
    out = tmp_path / "picked.gif"
    assert main(["show", str(random_prepared), "--clip", "1", "--compare", "-o", str(out)]) == 0
    assert gif_frames(out) == by_position.clip.frames
    with pytest.raises(InputError, match="no clip 'nope'"):
        load_clip(random_prepared, clip="nope")


def test_unusable_outputs_fail_before_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = ShownClip("signer", "", standing_clip())
    with pytest.raises(InputError, match="use .gif or .mp4"):
        render(shown, tmp_path / "signer.png")
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(InputError, match="needs ffmpeg"):
        render(shown, tmp_path / "signer.mp4")
    assert list(tmp_path.iterdir()) == []


def test_mp4_when_ffmpeg_is_installed(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg is not installed")
    out = render(ShownClip("signer", "", standing_clip()), tmp_path / "signer.mp4")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames,codec_name", "-of", "csv=p=0", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == f"h264,{FRAMES}"


def test_real_samples_render(tmp_path: Path) -> None:
    folders = shared_data("how2sign", "openpose_val").iterdir()
    shortest = min(folders, key=lambda folder: len(list(folder.iterdir())))
    holistic = shared_data("dgs", "test", "test_10_original.pose")
    for source in (shortest, holistic):
        shown = load_clip(source)
        out = render(shown, tmp_path / f"{shown.name}.gif", view="compare")
        assert gif_frames(out) == shown.clip.frames
