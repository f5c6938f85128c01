import torch

from sign2text.data.features import HAND_SCALE, Anchors, feature_count, normalise
from sign2text.data.layouts import OPENPOSE_137

ANCHORS = Anchors.of(OPENPOSE_137)
NECK, RSH, LSH = (OPENPOSE_137.index(p) for p in ("pose.Neck", "pose.RShoulder", "pose.LShoulder"))
LWRIST = OPENPOSE_137.index("hand_left.Wrist")


def _body(offset: float, scale: float) -> torch.Tensor:
    """One clip of 4 frames: (1, 4, 137, 3) with neck, shoulders and a left hand."""
    torch.manual_seed(0)
    x = torch.zeros(1, 4, 137, 3)
    x[..., :2] = torch.rand(1, 4, 137, 2)
    x[..., 2] = 0.9
    x[:, :, NECK, :2] = torch.tensor([0.0, 0.0])
    x[:, :, RSH, :2] = torch.tensor([-1.0, 0.0])
    x[:, :, LSH, :2] = torch.tensor([1.0, 0.0])
    x[..., :2] = x[..., :2] * scale + offset
    return x


def test_normalisation_removes_position_and_scale() -> None:
    mask = torch.ones(1, 4, dtype=torch.bool)
    a = normalise(_body(0.0, 1.0), mask, ANCHORS)
    b = normalise(_body(500.0, 80.0), mask, ANCHORS)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    features = a.view(1, 4, 137, 3)
    torch.testing.assert_close(features[0, 0, NECK, :2], torch.zeros(2))
    torch.testing.assert_close(features[0, 0, LSH, :2], torch.tensor([0.5, 0.0]))


def test_missing_points_and_padding_stay_zero_and_are_marked() -> None:
    x = _body(300.0, 50.0)
    x[0, 1, 30] = 0.0  # a face point OpenPose did not find
    x[0, 2, LWRIST, 2] = 0.0  # wrist lost: its hand's relative offsets are unknown too
    mask = torch.tensor([[True, True, True, False]])
    features = normalise(x, mask, ANCHORS).view(1, 4, 137, 3)
    assert (features[0, 1, 30] == 0).all()
    assert (features[0, 2, LWRIST + 1 : LWRIST + 21] == 0).all()
    assert (features[0, 3] == 0).all()  # padding frame
    assert (features[0, 0, :, 2] > 0).all()


def test_clip_without_neck_or_shoulders_still_normalises() -> None:
    x = _body(300.0, 50.0)
    x[:, :, [NECK, RSH, LSH], 2] = 0.0
    features = normalise(x, torch.ones(1, 4, dtype=torch.bool), ANCHORS)
    assert torch.isfinite(features).all()
    assert features.abs().max() < 50


def test_frame_centre_puts_every_frame_on_its_own_neck() -> None:
    x = _body(300.0, 50.0)
    x[0, :, :, 0] += torch.arange(4.0)[:, None] * 20  # the signer sways sideways
    mask = torch.ones(1, 4, dtype=torch.bool)
    per_frame = normalise(x, mask, ANCHORS, centre="frame").view(1, 4, 137, 3)
    torch.testing.assert_close(per_frame[0, :, NECK, :2], torch.zeros(4, 2))
    per_clip = normalise(x, mask, ANCHORS, centre="clip").view(1, 4, 137, 3)
    assert per_clip[0, 3, NECK, 0] - per_clip[0, 0, NECK, 0] > 0.5  # the sway is kept


def test_hands_in_body_space_or_both() -> None:
    x = _body(300.0, 50.0)
    mask = torch.ones(1, 4, dtype=torch.bool)
    body = normalise(x, mask, ANCHORS, hands="body")
    wrist = normalise(x, mask, ANCHORS, hands="wrist")
    both = normalise(x, mask, ANCHORS, hands="both")
    assert both.shape[-1] == feature_count(137, 3, ANCHORS, "both") == 137 * 3 + 2 * 20 * 2
    torch.testing.assert_close(both[..., : 137 * 3], body)
    finger = LWRIST + 5
    points = body.view(1, 4, 137, 3)
    expected = (points[0, :, finger, :2] - points[0, :, LWRIST, :2]) * HAND_SCALE
    torch.testing.assert_close(wrist.view(1, 4, 137, 3)[0, :, finger, :2], expected)
    left_hand = both[..., 137 * 3 : 137 * 3 + 40].view(1, 4, 20, 2)  # the left hand comes first
    torch.testing.assert_close(left_hand[0, :, 4], expected)
