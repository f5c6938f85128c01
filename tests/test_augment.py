import torch

from sign2text.config import AugmentConfig
from sign2text.data.augment import affine, augment, drop_keypoints, retime


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    x = torch.rand(3, 10, 5, 3) * 100
    x[..., 2] = 0.9
    x[0, 2, 1] = 0.0  # a missing point
    mask = torch.ones(3, 10, dtype=torch.bool)
    mask[1, 6:] = False
    x[1, 6:] = 0.0
    return x, mask


def test_affine_moves_points_but_keeps_missing_ones_and_distances_under_rotation() -> None:
    x, mask = _batch()
    out = affine(x, mask, AugmentConfig(rotation_degrees=30))
    assert (out[0, 2, 1] == 0).all() and (out[1, 6:] == 0).all()
    assert not torch.allclose(out[..., :2], x[..., :2])
    d_before = (x[2, 0, 0, :2] - x[2, 0, 3, :2]).norm()
    d_after = (out[2, 0, 0, :2] - out[2, 0, 3, :2]).norm()
    torch.testing.assert_close(d_before, d_after)  # rotation alone is rigid


def test_retime_changes_lengths_within_bounds_and_keeps_frames_real() -> None:
    x, mask = _batch()
    out, new_mask = retime(x, mask, AugmentConfig(speed=0.5, frame_drop=0.2))
    lengths = new_mask.sum(1)
    assert (lengths >= 1).all() and (lengths <= 20).all()
    for b in range(3):
        for t in range(int(lengths[b])):  # every kept frame is one of the clip's real frames
            assert any(torch.equal(out[b, t], x[b, s]) for s in range(int(mask[b].sum())))
    assert (out[~new_mask] == 0).all()


def test_keypoint_drop_zeroes_whole_points() -> None:
    x, _ = _batch()
    out = drop_keypoints(x, 0.5)
    dropped = (out == 0).all(-1) & ~(x == 0).all(-1)
    assert 0.3 < dropped.float().mean() < 0.7
    kept = ~(out == 0).all(-1)
    assert torch.equal(out[kept], x[kept])


def test_disabled_augmentation_changes_nothing() -> None:
    x, mask = _batch()
    out, new_mask = augment(x, mask, AugmentConfig())
    assert torch.equal(out, x) and torch.equal(new_mask, mask)
