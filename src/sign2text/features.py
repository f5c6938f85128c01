"""Model input: normalise batches of keypoints on whatever device they are on."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sign2text.layouts import Layout

HAND_SCALE = 4.0  # hand-relative offsets are ~1/4 of shoulder width; bring them to unit size


@dataclass(frozen=True)
class Anchors:
    """Positions (in the clip's point order) normalisation uses."""

    centre: tuple[int, ...]
    shoulders: tuple[int, int]
    hand_points: tuple[tuple[int, ...], ...]  # per hand: the wrist first, then its other points

    @classmethod
    def of(cls, layout: Layout) -> Anchors:
        hands = []
        for part in layout.hands:
            members = layout.part_indices(part)
            if members:
                hands.append(tuple(members))
        return cls(
            tuple(layout.index(p) for p in layout.centre),
            (layout.index(layout.shoulders[0]), layout.index(layout.shoulders[1])),
            tuple(hands),
        )


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean over frames where `mask` holds: values (B, T, D), mask (B, T) -> (B, D), any (B,)."""
    weight = mask.to(values.dtype)
    count = weight.sum(dim=1)  # (B,)
    mean = (values * weight[..., None]).sum(dim=1) / count.clamp(min=1)[:, None]
    return mean, count > 0


def normalise(keypoints: torch.Tensor, frame_mask: torch.Tensor, anchors: Anchors) -> torch.Tensor:
    """Centre each clip on its body, scale by shoulder width, make hands wrist-relative.

    keypoints: (B, T, K, D + 1), coordinates then confidence; frame_mask: (B, T), True for real
    frames. Missing points (confidence 0) stay exactly 0 in every coordinate, with their
    confidence 0 beside them, so the model can tell them from a real point at the centre.
    Returns (B, T, K * (D + 1)).
    """
    coords, confidence = keypoints[..., :-1], keypoints[..., -1]  # (B, T, K, D), (B, T, K)
    seen = (confidence > 0) & frame_mask[..., None]  # (B, T, K)

    centres = list(anchors.centre)
    centre_seen = seen[:, :, centres].all(dim=-1)  # (B, T)
    centre, has_centre = _masked_mean(coords[:, :, centres].mean(dim=2), centre_seen)
    right, left = anchors.shoulders
    both = seen[:, :, right] & seen[:, :, left]
    width = (coords[:, :, right] - coords[:, :, left]).norm(dim=-1, keepdim=True)  # (B, T, 1)
    scale, has_scale = _masked_mean(width, both)  # (B, 1)

    # Clips without a visible neck or shoulders fall back to the spread of all their points.
    fallback_centre, _ = _masked_mean(coords.flatten(1, 2), seen.flatten(1, 2))
    centre = torch.where(has_centre[:, None], centre, fallback_centre)  # (B, D)
    spread = (coords - centre[:, None, None]).norm(dim=-1)  # (B, T, K)
    fallback_scale, _ = _masked_mean(spread.flatten(1, 2)[..., None], seen.flatten(1, 2))
    scale = torch.where(has_scale[:, None], scale, fallback_scale).clamp(min=1e-6)  # (B, 1)

    normalised = (coords - centre[:, None, None]) / scale[:, None, None]  # (B, T, K, D)
    for hand in anchors.hand_points:
        wrist, fingers = hand[0], list(hand[1:])
        offset = normalised[:, :, fingers] - normalised[:, :, wrist : wrist + 1]
        normalised[:, :, fingers] = offset * HAND_SCALE
        seen[:, :, fingers] &= seen[:, :, wrist : wrist + 1]
    normalised = normalised * seen[..., None]
    features = torch.cat([normalised, (confidence * seen)[..., None]], dim=-1)
    return features.flatten(2)  # (B, T, K * (D + 1))


def raw_features(keypoints: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """Keypoints as they are, padding zeroed: (B, T, K, C) -> (B, T, K * C)."""
    return (keypoints * frame_mask[..., None, None]).flatten(2)


def model_input(
    keypoints: torch.Tensor, frame_mask: torch.Tensor, anchors: Anchors, normalize: bool
) -> torch.Tensor:
    """The model's input features for a padded batch: (B, T, K, C) -> (B, T, F)."""
    if normalize:
        return normalise(keypoints, frame_mask, anchors)
    return raw_features(keypoints, frame_mask)
