"""The second pretraining objective, masked cluster prediction: its units, loss and baseline on
scripted input with exact values, and pretrain -> train --init end to end."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.config import ConfigError, DataConfig
from sign2text.model.checkpoint import read_state
from sign2text.model.pretrained import read_encoder
from sign2text.pretraining import clusters, masking, pretrain
from sign2text.training import train
from test_pretraining import MINI


def _fmap() -> masking.FeatureMap:
    return masking.FeatureMap.of(MINI, 3, DataConfig(hands="both"))


def test_each_part_has_its_coordinates_and_is_seen_when_any_point_was() -> None:
    fmap = _fmap()  # body: 3 points x (x, y, c); hand: wrist, thumb, thumb wrist-relative
    columns = clusters.part_columns(fmap)
    assert [c.tolist() for c in columns] == [[0, 1, 3, 4, 6, 7], [9, 10, 12, 13, 15, 16]]
    keypoints = torch.ones(1, 3, 5, 3)
    keypoints[0, 1, 3:, 2] = 0.0  # frame 1: no hand point detected
    keypoints[0, 2, 3, 2] = 0.0  # frame 2: the wrist lost, the thumb seen
    weight = masking.feature_weights(keypoints, torch.ones(1, 3, dtype=torch.bool), fmap)
    seen = clusters.part_seen(weight, fmap)
    assert seen.tolist() == [[[True, True], [True, False], [True, True]]]


def test_units_go_to_their_nearest_centroid_per_part() -> None:
    fmap = _fmap()
    columns = clusters.part_columns(fmap)
    centroids = torch.zeros(2, 3, 6)  # (P, K, W)
    centroids[0, 1] = 1.0  # body: cluster 0 at 0, cluster 1 at 1, cluster 2 at -1
    centroids[0, 2] = -1.0
    centroids[1, 0] = 5.0  # hand: cluster 0 at 5, clusters 1 and 2 at 0 (1 wins the tie)
    units = torch.zeros(1, 2, 17)
    units[0, 0, columns[0]] = 0.9  # frame 0: body near 1, hand at 0
    units[0, 1, columns[0]] = -0.6  # frame 1: body near -1, hand near 5
    units[0, 1, columns[1]] = 4.0
    units[0, :, 2] = 100.0  # a confidence value: not a coordinate, never compared
    ids = clusters.assign(units, centroids, columns)
    assert ids.tolist() == [[[1, 1], [2, 0]]]


def test_the_loss_counts_only_hidden_seen_parts_exactly() -> None:
    scores = torch.zeros(1, 2, 2, 4)  # (B, T, P, K): uniform over 4 clusters
    targets = torch.tensor([[[0, 3], [2, 1]]])
    counted = torch.tensor([[[True, False], [True, True]]])
    loss, count = clusters.cluster_loss(scores, targets, counted)
    assert count.item() == 3 and loss.item() == pytest.approx(3 * math.log(4))
    scores[0, 0, 1, 0] = 50.0  # a confident wrong score where nothing counts changes nothing
    assert clusters.cluster_loss(scores, targets, counted)[0].item() == pytest.approx(loss.item())
    scores[0, 1, 1, 1] = 50.0  # a confident right score where it counts removes its share
    assert clusters.cluster_loss(scores, targets, counted)[0].item() == pytest.approx(
        2 * math.log(4), abs=1e-6
    )


def test_the_baseline_predicts_from_the_clips_visible_cluster_frequencies() -> None:
    targets = torch.tensor([[[0], [0], [1], [0], [2]]])  # (B=1, T=5, P=1), K = 3
    visible = torch.tensor([[[True], [True], [True], [False], [False]]])
    counted = torch.tensor([[[False], [False], [False], [True], [True]]])
    # visible counts (2, 1, 0), add-one: p(0) = 3/6, p(2) = 1/6
    expected = -math.log(3 / 6) - math.log(1 / 6)
    assert clusters.frequency_baseline(targets, visible, counted, 3).item() == pytest.approx(
        expected
    )


def test_centroids_find_separate_groups_and_mind_rare_or_missing_parts() -> None:
    fmap = _fmap()
    columns = clusters.part_columns(fmap)
    generator = torch.Generator().manual_seed(0)
    units = torch.randn(200, 17, generator=generator) * 0.01
    units[100:, columns[0]] += 3.0  # body: two groups, at 0 and at 3
    seen = torch.zeros(200, 2, dtype=torch.bool)
    seen[:, 0] = True  # the hand is never seen
    centroids = clusters.fit_centroids(units, seen, fmap, 2, seed=0)
    assert centroids.shape == (2, 2, 6)
    found = sorted(round(float(c.mean()), 1) for c in centroids[0])
    assert found == [0.0, 3.0]
    assert not centroids[1].any()  # never seen: zeros
    seen[:, 1] = False
    seen[:3, 1] = True  # the hand seen in 3 frames only, with 4 clusters asked for
    rare = clusters.fit_centroids(units, seen, fmap, 4, seed=0)
    assert torch.equal(rare[1, 3], rare[1, 0])  # the missing centroid copies the first


def test_an_unknown_objective_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="reconstruct"):
        configuration.load(None, ["pretrain.objective=contrast"])
    with pytest.raises(ConfigError, match="pretrain.clusters"):
        configuration.load(None, ["pretrain.clusters=1"])


def test_pretrain_on_clusters_then_train_init_starts_from_its_encoder(
    random_prepared: Path, tmp_path: Path
) -> None:
    sets = [f"data.prepared={random_prepared}", *TINY_MODEL, "train.batch_size=8"]
    config = configuration.load(
        None, [*sets, "pretrain.epochs=2", "pretrain.objective=clusters", "pretrain.clusters=8"]
    )
    result = pretrain(config, tmp_path / "pre", progress=False)
    assert result["status"] == "finished" and result["epochs"] == 2
    history = result["history"]
    assert history["val_loss"][0] > 0 and history["val_loss_baseline"][0] > 0
    assert history["train_loss"][-1] < history["train_loss"][0]
    saved = read_state(tmp_path / "pre" / "best_checkpoint.pt", "")
    assert saved["head"]["centroids"].shape[:2] == (4, 8)  # pose, face and two hands
    init = [f"model.init={tmp_path / 'pre'}", "train.epochs=1", "train.freeze_encoder_epochs=1"]
    run = tmp_path / "tuned"
    train(configuration.load(None, [*sets, *init]), run, progress=False)
    weights = torch.load(run / "last_checkpoint.pt", weights_only=True)["model"]
    for name, tensor in read_encoder(tmp_path / "pre").state.items():
        assert torch.equal(weights[name], tensor), name
