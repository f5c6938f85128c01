"""Training-time augmentation of keypoint batches, on whatever device the batch is on.

Every transform works on a whole padded batch at once (no per-clip Python loop), so
augmentation costs little next to the model's forward pass.
"""

from __future__ import annotations

import math

import torch

from sign2text.config import AugmentConfig


def _uniform(size: tuple[int, ...], spread: float, device: torch.device) -> torch.Tensor:
    """Values uniform in [-spread, spread]."""
    return (torch.rand(size, device=device) * 2.0 - 1.0) * spread


def affine(
    keypoints: torch.Tensor, frame_mask: torch.Tensor, config: AugmentConfig
) -> torch.Tensor:
    """Rotate, scale (x and y apart) and shear each clip about its mean point.

    keypoints: (B, T, K, D + 1); only x and y change, missing points stay exactly 0.
    """
    batch, device = keypoints.shape[0], keypoints.device
    angle = _uniform((batch,), math.radians(config.rotation_degrees), device)
    scale = 1.0 + _uniform((batch, 2), config.scale, device)  # (B, 2)
    shear = _uniform((batch,), config.shear, device)
    cos, sin = angle.cos(), angle.sin()
    rotation = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
    shearing = torch.eye(2, device=device).repeat(batch, 1, 1)
    shearing[:, 0, 1] = shear
    matrix = rotation @ shearing * scale[:, :, None]  # (B, 2, 2)

    xy, confidence = keypoints[..., :2], keypoints[..., -1:]
    seen = (confidence > 0) & frame_mask[..., None, None]  # (B, T, K, 1)
    weight = seen.to(xy.dtype)
    centre = (xy * weight).sum((1, 2)) / weight.sum((1, 2)).clamp(min=1)  # (B, 2)
    moved = (
        torch.einsum("bij,btkj->btki", matrix, xy - centre[:, None, None]) + centre[:, None, None]
    )
    out = keypoints.clone()
    out[..., :2] = torch.where(seen, moved, xy)
    return out


def drop_keypoints(keypoints: torch.Tensor, probability: float) -> torch.Tensor:
    """Mark random points missing (all values 0), as a detector losing them would."""
    keep = torch.rand(keypoints.shape[:3], device=keypoints.device) >= probability  # (B, T, K)
    return keypoints * keep[..., None]


def retime(
    keypoints: torch.Tensor, frame_mask: torch.Tensor, config: AugmentConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """Change each clip's speed and drop random frames, by re-indexing its frames.

    Returns new keypoints (B, T', K, C) and mask (B, T'): each clip keeps its own length.
    """
    batch = frame_mask.shape[0]
    device = keypoints.device
    lengths = frame_mask.sum(1)  # (B,)
    speed = 1.0 + _uniform((batch,), config.speed, device)  # >1 is faster: fewer frames
    new_lengths = (lengths / speed).round().clamp(min=1).long()
    steps = torch.arange(int(new_lengths.max()), device=device)  # (T',)
    source = (steps[None] * speed[:, None]).floor().long()  # (B, T')
    source = torch.minimum(source, (lengths - 1).clamp(min=0)[:, None])
    mask = steps[None] < new_lengths[:, None]
    if config.frame_drop > 0:  # drop frames, keep the order, close the gaps
        keep = (torch.rand(mask.shape, device=device) >= config.frame_drop) & mask
        keep[:, 0] |= mask[:, 0]  # never drop a whole clip
        order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)
        source = torch.gather(source, 1, order)
        mask = torch.arange(mask.shape[1], device=device)[None] < keep.sum(1, keepdim=True)
    gathered = torch.gather(
        keypoints, 1, source[:, :, None, None].expand(-1, -1, *keypoints.shape[2:])
    )
    return gathered * mask[..., None, None], mask


def augment(
    keypoints: torch.Tensor, frame_mask: torch.Tensor, config: AugmentConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """All enabled augmentations: (B, T, K, C), (B, T) -> (B, T', K, C), (B, T')."""
    if config.speed > 0 or config.frame_drop > 0:
        keypoints, frame_mask = retime(keypoints, frame_mask, config)
    if config.rotation_degrees > 0 or config.scale > 0 or config.shear > 0:
        keypoints = affine(keypoints, frame_mask, config)
    if config.keypoint_drop > 0:
        keypoints = drop_keypoints(keypoints, config.keypoint_drop)
    return keypoints, frame_mask
