"""Masked keypoint modelling: which frames and body parts are hidden, and the loss on them.

The objective follows SignBERT / SignBERT+ (Hu et al., ICCV 2021; TPAMI 2023), which hide
hand joints, whole frames and runs of frames of a pose sequence and regress them, and
MaskFeat (Wei et al., CVPR 2022), which regresses the hidden features themselves rather than
discrete tokens (BEST, Zhao et al., AAAI 2023, tokenises them instead). Here a clip's
frames are cut into spans of `pretrain.span` frames; a span is hidden whole with chance
`frame_ratio`, and each body part (a hand, the face, the body) of it with chance
`part_ratio`. Hidden features are set to 0 with a confidence of 0, the way an undetected
point reaches the model, and the encoder's output regresses the normalised features of the
hidden points. The loss is a squared error on coordinates only, on hidden points only, each
weighted by its detection confidence: a point the detector missed teaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sign2text.config import DataConfig, PretrainConfig
from sign2text.data.features import Anchors
from sign2text.data.layouts import Layout


@dataclass(frozen=True)
class FeatureMap:
    """What each model input feature describes (`features.model_input`'s order)."""

    point: torch.Tensor  # (F,) the point whose value it is
    wrist: torch.Tensor  # (F,) for a hand point made relative to its wrist, that wrist; else -1
    coordinate: torch.Tensor  # (F,) bool: a coordinate (False: a confidence)
    part: torch.Tensor  # (F,) its body part, a position in `parts`
    parts: tuple[str, ...]  # body parts, in the layout's order ("pose", "face", ...)

    @classmethod
    def of(cls, layout: Layout, values: int, data: DataConfig) -> FeatureMap:
        """The map of clips of `layout` with `values` values per point (coordinates, then
        confidence), normalised as `data` says."""
        anchors = Anchors.of(layout)
        names = [p.split(".", 1)[0] for p in layout.points]
        parts = tuple(dict.fromkeys(names))
        point_part = [parts.index(n) for n in names]
        k = len(layout.points)
        point = [p for p in range(k) for _ in range(values)]  # (K * C,) point-major
        coordinate = [v < values - 1 for _ in range(k) for v in range(values)]
        wrist = [-1] * (k * values)
        hands = data.hands if data.normalize else "body"
        for first, count in anchors.hands if hands != "body" else ():
            fingers = range(first + 1, first + count)
            if hands == "wrist":  # the finger points themselves are wrist-relative
                for f in fingers:
                    wrist[f * values : (f + 1) * values] = [first] * values
            else:  # "both": the wrist-relative coordinates follow the points
                for f in fingers:
                    point += [f] * (values - 1)
                    coordinate += [True] * (values - 1)
                    wrist += [first] * (values - 1)
        return cls(
            torch.tensor(point),
            torch.tensor(wrist),
            torch.tensor(coordinate),
            torch.tensor([point_part[p] for p in point]),
            parts,
        )

    def to(self, device: torch.device) -> FeatureMap:
        move = [t.to(device) for t in (self.point, self.wrist, self.coordinate, self.part)]
        return FeatureMap(*move, self.parts)


def spans_to_frames(
    whole: torch.Tensor, parts: torch.Tensor, span: int, frame_mask: torch.Tensor
) -> torch.Tensor:
    """Hidden body parts per frame from per-span draws.

    whole: (B, S) True where a span is hidden whole; parts: (B, S, P) True where a part of a
    span is hidden; frame_mask: (B, T), True for real frames. Frame t lies in span t // span.
    Returns (B, T, P), True where part p of frame t is hidden (never in padding).
    """
    t = frame_mask.shape[1]
    hidden = whole[..., None] | parts  # (B, S, P)
    hidden = hidden.repeat_interleave(span, dim=1)[:, :t]  # (B, T, P)
    return hidden & frame_mask[..., None]


def draw_hidden(
    frame_mask: torch.Tensor,
    parts: int,
    settings: PretrainConfig,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Random spans and parts to hide (`spans_to_frames`): (B, T) -> (B, T, P). Draws on the
    CPU from `generator` (default: torch's global one) so the draws are the same anywhere."""
    b, t = frame_mask.shape
    spans = -(-t // settings.span)
    whole = torch.rand(b, spans, generator=generator) < settings.frame_ratio  # (B, S)
    hidden = torch.rand(b, spans, parts, generator=generator) < settings.part_ratio  # (B, S, P)
    device = frame_mask.device
    return spans_to_frames(whole.to(device), hidden.to(device), settings.span, frame_mask)


def hide(features: torch.Tensor, hidden: torch.Tensor, fmap: FeatureMap) -> torch.Tensor:
    """features (B, T, F) with every feature of a hidden part (hidden: (B, T, P)) set to 0,
    its confidence included: what the model sees of an undetected point."""
    return features * ~hidden[..., fmap.part]  # (B, T, F)


def feature_weights(
    keypoints: torch.Tensor, frame_mask: torch.Tensor, fmap: FeatureMap
) -> torch.Tensor:
    """How much each feature counts in the loss: its point's detection confidence (0 when it
    was not detected, in padding, or a confidence itself; a wrist-relative one also needs its
    wrist). keypoints: (B, T, K, C), frame_mask: (B, T) -> (B, T, F)."""
    confidence = keypoints[..., -1].clamp(0, 1) * frame_mask[..., None]  # (B, T, K)
    weight = confidence[..., fmap.point] * fmap.coordinate  # (B, T, F)
    has_wrist = fmap.wrist >= 0
    wrist_seen = confidence[..., fmap.wrist.clamp(min=0)] > 0  # (B, T, F)
    return weight * (wrist_seen | ~has_wrist)


def masked_error(
    predicted: torch.Tensor, target: torch.Tensor, weight: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted squared error summed over (B, T, F) and the summed weight; their quotient is
    the loss. `weight` is 0 wherever a feature does not count (not hidden, not detected)."""
    error = (predicted.float() - target.float()) ** 2
    return (error * weight).sum(), weight.sum()


def clip_mean_prediction(features: torch.Tensor, visible_weight: torch.Tensor) -> torch.Tensor:
    """The baseline a pretrained encoder must beat: every frame of a clip predicted as the
    clip's weighted mean of what was visible (0 where nothing of a feature was).
    features, visible_weight: (B, T, F) -> (B, T, F)."""
    total = visible_weight.sum(dim=1, keepdim=True)  # (B, 1, F)
    mean = (features * visible_weight).sum(dim=1, keepdim=True) / total.clamp(min=1e-9)
    return mean.expand_as(features)
