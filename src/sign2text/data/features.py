"""Model input: normalise batches of keypoints on whatever device they are on."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sign2text.config import DataConfig
from sign2text.data.layouts import Layout

HAND_SCALE = 4.0  # hand-relative offsets are ~1/4 of shoulder width; bring them to unit size


@dataclass(frozen=True)
class Anchors:
    """Positions (in the clip's point order) normalisation uses."""

    centre: tuple[int, ...]
    shoulders: tuple[int, int]
    hands: tuple[tuple[int, int], ...]  # per hand: its wrist, then its other points from there on

    @classmethod
    def of(cls, layout: Layout) -> Anchors:
        hands = []
        for part in layout.hands:
            members = layout.part_indices(part)
            if not members:
                continue
            if members != list(range(members[0], members[0] + len(members))):
                raise ValueError(f"layout {layout.name!r}: the points of {part} are not together")
            hands.append((members[0], len(members)))
        return cls(
            tuple(layout.index(p) for p in layout.centre),
            (layout.index(layout.shoulders[0]), layout.index(layout.shoulders[1])),
            tuple(hands),
        )

    def finger_points(self) -> int:
        """Points of all hands but their wrists."""
        return sum(count - 1 for _, count in self.hands)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean over frames where `mask` holds: values (B, T, D), mask (B, T) -> (B, D), any (B,)."""
    weight = mask.to(values.dtype)
    count = weight.sum(dim=1)  # (B,)
    mean = (values * weight[..., None]).sum(dim=1) / count.clamp(min=1)[:, None]
    return mean, count > 0


def _centre_and_scale(
    coords: torch.Tensor, seen: torch.Tensor, anchors: Anchors, per_frame: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each clip's centre, per clip (B, 1, D) or per frame (B, T, D), and its scale (B, 1)."""
    centres = list(anchors.centre)
    centre_seen = seen[:, :, centres].all(dim=-1)  # (B, T)
    frame_centre = coords[:, :, centres].mean(dim=2)  # (B, T, D)
    centre, has_centre = _masked_mean(frame_centre, centre_seen)
    right, left = anchors.shoulders
    both = seen[:, :, right] & seen[:, :, left]
    width = (coords[:, :, right] - coords[:, :, left]).norm(dim=-1, keepdim=True)  # (B, T, 1)
    scale, has_scale = _masked_mean(width, both)  # (B, 1)

    # Clips without a visible neck or shoulders fall back to the spread of all their points
    # (worked out only for batches that hold such a clip).
    if not bool(has_centre.all() & has_scale.all()):
        fallback_centre, _ = _masked_mean(coords.flatten(1, 2), seen.flatten(1, 2))
        centre = torch.where(has_centre[:, None], centre, fallback_centre)
        spread = (coords - centre[:, None, None]).norm(dim=-1)  # (B, T, K)
        fallback_scale, _ = _masked_mean(spread.flatten(1, 2)[..., None], seen.flatten(1, 2))
        scale = torch.where(has_scale[:, None], scale, fallback_scale)
    centre = centre[:, None]  # (B, 1, D)
    if per_frame:  # each frame on its own centre where it was seen, else on the clip's
        centre = torch.where(centre_seen[..., None], frame_centre, centre)  # (B, T, D)
    return centre, scale.clamp(min=1e-6)


def normalise(
    keypoints: torch.Tensor,
    frame_mask: torch.Tensor,
    anchors: Anchors,
    centre: str = "clip",
    hands: str = "wrist",
) -> torch.Tensor:
    """Centre each clip on its body, scale it by shoulder width, and describe the hands.

    keypoints: (B, T, K, D + 1), coordinates then confidence; frame_mask: (B, T), True for real
    frames. `centre`: "clip" puts the clip's mean centre point at the origin, "frame" each
    frame's own (body sway removed). `hands`: "wrist" makes each hand's other points relative
    to its wrist (scaled by HAND_SCALE), "body" leaves them in body space like every other
    point, "both" gives the body-space points and appends the wrist-relative ones. Missing
    points (confidence 0) stay exactly 0 in every coordinate, with their confidence 0 beside
    them, so the model can tell them from a real point at the centre.
    Returns (B, T, F), F = `feature_count(K, D + 1, anchors, hands)`.
    """
    b, t, k, values = keypoints.shape
    coords, confidence = keypoints[..., :-1], keypoints[..., -1]  # (B, T, K, D), (B, T, K)
    seen = (confidence > 0) & frame_mask[..., None]  # (B, T, K)
    origin, scale = _centre_and_scale(coords, seen, anchors, per_frame=centre == "frame")
    size = feature_count(k, values, anchors, hands)
    result = keypoints.new_empty(b, t, size)  # written part by part: no concatenation
    points = result[..., : k * values].unflatten(-1, (k, values))  # (B, T, K, D + 1)
    body = points[..., :-1]
    torch.sub(coords, origin[:, :, None], out=body)
    body.mul_((1.0 / scale)[:, None, None])  # (B, T, K, D)
    relative = result[..., k * values :].unflatten(-1, (-1, values - 1))  # (B, T, H * 20, D)
    done = 0
    for wrist, count in anchors.hands if hands != "body" else ():
        fingers = slice(wrist + 1, wrist + count)
        fingers_seen = seen[:, :, fingers] & seen[:, :, wrist : wrist + 1]  # (B, T, 20)
        target = (
            body[:, :, fingers] if hands == "wrist" else relative[:, :, done : done + count - 1]
        )
        torch.sub(body[:, :, fingers], body[:, :, wrist : wrist + 1], out=target)
        target.mul_(HAND_SCALE)
        if hands == "wrist":
            seen[:, :, fingers] = fingers_seen
        else:
            target.mul_(fingers_seen[..., None])
        done += count - 1
    body.mul_(seen[..., None])
    torch.mul(confidence, seen, out=points[..., -1])
    return result


def feature_count(points: int, values: int, anchors: Anchors, hands: str) -> int:
    """Features per frame of `normalise` for `points` points of `values` values each."""
    return points * values + (anchors.finger_points() * (values - 1) if hands == "both" else 0)


def raw_features(keypoints: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """Keypoints as they are, padding zeroed: (B, T, K, C) -> (B, T, K * C)."""
    return (keypoints * frame_mask[..., None, None]).flatten(2)


def model_input(
    keypoints: torch.Tensor, frame_mask: torch.Tensor, anchors: Anchors, data: DataConfig
) -> torch.Tensor:
    """The model's input features for a padded batch, as `data` asks: (B, T, K, C) -> (B, T, F)."""
    if data.normalize:
        return normalise(keypoints, frame_mask, anchors, data.centre, data.hands)
    return raw_features(keypoints, frame_mask)


def input_size(points: int, values: int, anchors: Anchors, data: DataConfig) -> int:
    """Features per frame that `model_input` gives for clips of `points` x `values`."""
    if data.normalize:
        return feature_count(points, values, anchors, data.hands)
    return points * values
