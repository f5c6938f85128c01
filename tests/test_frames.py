from pathlib import Path

import numpy as np
import pytest

from sign2text import config as configuration
from sign2text.data.dataset import PreparedSplit, TranslationDataset, load_tokenizer
from sign2text.data.frames import cap_frames, model_frames, resample, resampled_length


def _clip(frames: int, points: int = 3) -> np.ndarray:
    """Coordinates that grow by 1 per frame, confidence 1: (T, K, 3)."""
    clip = np.ones((frames, points, 3), np.float32)
    clip[..., 0] = np.arange(frames, dtype=np.float32)[:, None]
    clip[..., 1] = 2 * np.arange(frames, dtype=np.float32)[:, None]
    return clip


def test_halving_the_frame_rate_keeps_every_second_frame() -> None:
    clip = _clip(10)
    half = resample(clip, 24.0, 12.0)
    assert half.shape == (5, 3, 3)
    np.testing.assert_array_equal(half, clip[::2])


def test_raising_the_frame_rate_interpolates_positions() -> None:
    clip = _clip(4)
    double = resample(clip, 25.0, 50.0)
    assert len(double) == 8
    np.testing.assert_allclose(double[:7, 0, 0], np.arange(7) / 2)  # 0, 0.5, 1, ... 3
    np.testing.assert_allclose(double[:7, 0, 1], np.arange(7))
    assert double[-1, 0, 0] == 3  # past the last frame: the last frame


def test_a_missing_point_is_never_blended_with_a_real_position() -> None:
    clip = _clip(4)
    clip[1, 0] = 0  # point 0 missing in frame 1: coordinates and confidence 0
    out = resample(clip, 10.0, 30.0)  # new frames at 0, 1/3, 2/3, 1, 4/3, ...
    for t in (1, 2, 4, 5):  # between frame 0 and 1, or 1 and 2
        nearer = round(t / 3)
        np.testing.assert_array_equal(out[t, 0], clip[nearer, 0])
    np.testing.assert_allclose(out[1, 1], [1 / 3, 2 / 3, 1])  # other points interpolate


@pytest.mark.parametrize("target", [0.0, 24.0])
def test_zero_or_the_same_rate_changes_nothing(target: float) -> None:
    clip = _clip(7)
    assert resample(clip, 24.0, target) is clip
    assert resampled_length(7, 24.0, target) == 7


def test_resample_then_cap() -> None:
    clip = _clip(100)
    out = model_frames(clip, 24.0, 12.0, 30)
    assert len(out) == 30
    np.testing.assert_array_equal(out, cap_frames(clip[::2], 30))


def test_training_data_is_resampled_to_the_configured_rate(tiny_prepared: Path) -> None:
    config = configuration.load(None, [f"data.prepared={tiny_prepared}", "data.fps=12"])
    split = PreparedSplit(tiny_prepared, "train")
    tokenizer = load_tokenizer(tiny_prepared, "word", 500)
    points = list(range(split.frames.shape[1]))
    dataset = TranslationDataset(split, tokenizer, points, 512, 64, fps=config.data.fps)
    assert split.meta["fps"] == 24.0
    for item in range(3):
        keypoints = dataset[item].keypoints
        frames = split.clips[item].frames
        assert len(keypoints) == dataset.lengths[item] == round(frames / 2)


def test_a_negative_frame_rate_is_refused() -> None:
    with pytest.raises(configuration.ConfigError, match="data.fps"):
        configuration.load(None, ["data.fps=-5"])


def test_max_fps_caps_only_faster_data() -> None:
    from sign2text.data.frames import target_fps

    assert target_fps(0, 25, 50) == 25  # 50 fps data resampled down to the cap
    assert target_fps(0, 25, 24) == 0  # slower data keeps its own rate: never upsampled
    assert target_fps(0, 0, 50) == 0  # no cap
    assert target_fps(12, 25, 50) == 12  # data.fps, when set, decides
