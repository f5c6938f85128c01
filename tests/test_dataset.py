import numpy as np

from sign2text.data.dataset import BucketBatchSampler, Sample, collate
from sign2text.text.glosses import BLANK
from sign2text.text.tokenizer import BOS, EOS, PAD


def test_bucketed_batches_cover_every_clip_once_and_reduce_padding() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 400, 1000).tolist()
    sampler = BucketBatchSampler(lengths, 16, seed=3)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert len(batches) == len(sampler)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    random_order = rng.permutation(1000)
    naive = sum(16 * max(lengths[i] for i in random_order[s : s + 16]) for s in range(0, 1000, 16))
    assert padded < 0.7 * naive


def test_batches_are_deterministic_per_epoch_and_change_between_epochs() -> None:
    lengths = list(range(200))
    a, b = BucketBatchSampler(lengths, 8, seed=1), BucketBatchSampler(lengths, 8, seed=1)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first


def test_collate_pads_frames_and_shifts_targets() -> None:
    import torch

    samples = [
        Sample(torch.ones(3, 5, 3), torch.tensor([7, 8]), torch.tensor([4, 2, 5]), 0),
        Sample(torch.ones(5, 5, 3), torch.tensor([9]), torch.tensor([3]), 1),
    ]
    batch = collate(samples)
    assert batch.keypoints.shape == (2, 5, 5, 3)
    assert batch.frame_mask.tolist() == [[True] * 3 + [False] * 2, [True] * 5]
    assert batch.tokens_in.tolist() == [[BOS, 7, 8], [BOS, 9, PAD]]
    assert batch.tokens_out.tolist() == [[7, 8, EOS], [9, EOS, PAD]]
    assert batch.glosses.tolist() == [[4, 2, 5], [3, BLANK, BLANK]]


def test_a_frame_budget_caps_padded_frames_and_keeps_every_clip() -> None:
    lengths = np.random.default_rng(1).integers(5, 900, 2000).tolist()
    sampler = BucketBatchSampler(lengths, 32, seed=0, max_frames=4096)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(2000))
    assert len(batches) == len(sampler)
    for batch in batches:
        assert len(batch) <= 32
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 4096
    unlimited = list(BucketBatchSampler(lengths, 32, seed=0))
    assert len(batches) > len(unlimited)  # long clips came in smaller batches
    assert max(len(b) for b in batches) == 32  # short clips still fill whole batches


def test_without_bucketing_batches_follow_the_shuffled_order() -> None:
    lengths = list(range(640))
    bucketed = BucketBatchSampler(lengths, 32, seed=2)
    plain = BucketBatchSampler(lengths, 32, seed=2, bucket=False)

    def spread(sampler: BucketBatchSampler) -> float:
        return float(np.mean([max(b) - min(b) for b in sampler]))

    assert sorted(i for b in plain for i in b) == list(range(640))
    assert all(len(b) == 32 for b in plain)
    assert spread(plain) > 10 * spread(bucketed)


def test_packed_batches_pad_to_the_same_batch_as_padding_each_clip() -> None:
    import torch

    from sign2text.data.dataset import collate_packed

    generator = torch.Generator().manual_seed(0)
    lengths, words = [7, 1, 12, 4], [3, 5, 1, 2]
    samples = [
        Sample(torch.randn(n, 6, 3, generator=generator), torch.arange(2, 2 + w), torch.ones(0), i)
        for i, (n, w) in enumerate(zip(lengths, words, strict=True))
    ]
    packed = collate_packed(samples)
    assert packed.frames.shape == (sum(lengths), 6, 3)  # no padding is handed over
    batch = packed.padded()
    assert batch.keypoints.shape == (4, 12, 6, 3)
    for row, (clip, ids, _, item) in enumerate(samples):
        n = len(clip)
        assert torch.equal(batch.keypoints[row, :n], clip)
        assert not batch.keypoints[row, n:].any()
        assert batch.frame_mask[row].tolist() == [True] * n + [False] * (12 - n)
        assert batch.tokens_out[row, : len(ids) + 1].tolist() == [*ids.tolist(), EOS]
        assert int(batch.items[row]) == item
    moved = packed.to("cpu")
    assert isinstance(moved, type(packed)) and torch.equal(
        moved.padded().keypoints, batch.keypoints
    )
