"""The common skeleton: the points every supported keypoint source can give, and each source's
map onto it, so that clips from OpenPose, MediaPipe Holistic, PHOENIX and COCO-WholeBody
extractors meet one model. A point a source lacks stays missing (confidence 0): nothing is
invented.

Point tables and where they come from:
- body: OpenPose BODY_25 names (CMU OpenPose `output_keypoints.md`), MediaPipe Pose's 33
  landmark names (`PoseLandmark`), COCO's 17 body keypoints (the first 17 of COCO-WholeBody,
  Jin et al. 2020). "Left"/"right" are the signer's own in all three.
- hands: the 21-point hand of OpenPose, MediaPipe Hands and COCO-WholeBody share one
  topology and order (wrist, then four points per finger from thumb to little finger), so a
  hand maps point for point.
- face: 21 anatomical landmarks that the 68-point iBUG/300-W annotation (OpenPose's face points
  0-67, COCO-WholeBody's face) and the MediaPipe face mesh both name, and that the 128-point
  contour subset of pose-format's reduced Holistic (`.pose` files of 178 points) keeps: both
  brows, the four eye corners, six mouth points and the chin. The mesh indices are those of the
  canonical face model's landmark map (mediapipe/modules/face_geometry/data).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sign2text.data.layouts import BODY_25, COCO_WHOLEBODY_133, HAND_21, Layout
from sign2text.data.readers.base import Clip

# The common body, in BODY_25's names. Not the neck: MediaPipe and COCO do not give one, so
# with it the same clip would differ by extractor (present from OpenPose, missing from
# MediaPipe); OpenPose's neck lies close to the shoulders' midpoint, the common centre.
BODY = ("Nose", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "RHip",
        "LHip", "REye", "LEye", "REar", "LEar")  # fmt: skip
# (iBUG-68 index, MediaPipe face-mesh index) of each common face point.
FACE = (
    (17, 70), (18, 63), (19, 105), (20, 66), (21, 107),  # signer's right brow, outer to inner
    (22, 336), (23, 296), (24, 334), (25, 293), (26, 300),  # left brow, inner to outer
    (36, 33), (39, 133), (42, 362), (45, 263),  # eye corners: right outer, right inner, left ...
    (48, 61), (54, 291), (51, 0), (57, 17), (62, 13), (66, 14),  # mouth corners, lips' centres
    (8, 152),  # chin
)  # fmt: skip

POINTS = "common"  # the `data.points` setting that trains on the common skeleton
COMMON = Layout(
    name="common",
    points=(
        *(f"body.{p}" for p in BODY),
        *(f"hand_left.{p}" for p in HAND_21),
        *(f"hand_right.{p}" for p in HAND_21),
        *(f"face.F{ibug}" for ibug, _ in FACE),
    ),
    centre=("body.RShoulder", "body.LShoulder"),  # every source has shoulders
    shoulders=("body.RShoulder", "body.LShoulder"),
    hands=("hand_left", "hand_right"),
)

# MediaPipe Pose and COCO names of the common body points.
MEDIAPIPE_BODY = {
    "Nose": "NOSE", "RShoulder": "RIGHT_SHOULDER", "RElbow": "RIGHT_ELBOW",
    "RWrist": "RIGHT_WRIST", "LShoulder": "LEFT_SHOULDER", "LElbow": "LEFT_ELBOW",
    "LWrist": "LEFT_WRIST", "RHip": "RIGHT_HIP", "LHip": "LEFT_HIP", "REye": "RIGHT_EYE",
    "LEye": "LEFT_EYE", "REar": "RIGHT_EAR", "LEar": "LEFT_EAR",
}  # fmt: skip
_COCO_BODY = {common: mediapipe.lower() for common, mediapipe in MEDIAPIPE_BODY.items()}


def _openpose_names() -> dict[str, str]:
    """Common point -> OpenPose name (also PHOENIX's 50 points, a subset of OpenPose's)."""
    names = {f"body.{p}": f"pose.{p}" for p in BODY if p in BODY_25}
    names |= {f"{side}.{p}": f"{side}.{p}" for side in ("hand_left", "hand_right") for p in HAND_21}
    names |= {f"face.F{ibug}": f"face.F{ibug}" for ibug, _ in FACE}
    return names


def _holistic_names(layout: Layout) -> dict[str, str]:
    """Common point -> MediaPipe Holistic name (`COMPONENT.POINT`, as `.pose` headers give)."""
    names = {f"body.{p}": f"POSE_LANDMARKS.{m}" for p, m in MEDIAPIPE_BODY.items()}
    names |= {f"face.F{ibug}": f"FACE_LANDMARKS.{mesh}" for ibug, mesh in FACE}
    sides = (("hand_left", "LEFT_HAND_LANDMARKS"), ("hand_right", "RIGHT_HAND_LANDMARKS"))
    for side, component in sides:
        members = [p for p in layout.points if p.startswith(f"{component}.")]
        if len(members) == len(HAND_21):  # the shared topology: point for point
            names |= {f"{side}.{p}": m for p, m in zip(HAND_21, members, strict=True)}
    return names


def _coco_names() -> dict[str, str]:
    names = {f"body.{p}": f"body.{c}" for p, c in _COCO_BODY.items()}
    names |= {f"{side}.{p}": f"{side}.{p}" for side in ("hand_left", "hand_right") for p in HAND_21}
    names |= {f"face.F{ibug}": f"face.F{ibug}" for ibug, _ in FACE}
    return names


def _source_names(layout: Layout) -> Mapping[str, str]:
    """Common point -> the name `layout` gives it (points it lacks are absent or unmatched)."""
    if layout.name == COCO_WHOLEBODY_133.name:
        return _coco_names()
    if any(p.startswith("POSE_LANDMARKS.") for p in layout.points):
        return _holistic_names(layout)
    if any(p.startswith("pose.") for p in layout.points):  # OpenPose 137 and its subsets
        return _openpose_names()
    if layout.name == COMMON.name:
        return {p: p for p in COMMON.points}
    raise ValueError(
        f"layout {layout.name!r} has no map onto the common skeleton (known: OpenPose 137 and "
        "its subsets, PHOENIX 50, MediaPipe Holistic .pose, COCO-WholeBody 133)"
    )


def common_indices(layout: Layout) -> np.ndarray:
    """For each common point, its position in `layout`, or -1 where `layout` lacks it. (P,)"""
    names = _source_names(layout)
    position = {point: i for i, point in enumerate(layout.points)}
    return np.array([position.get(names.get(p, ""), -1) for p in COMMON.points], np.int64)


def maps(layout: Layout) -> bool:
    """Whether `layout` has a map onto the common skeleton."""
    try:
        _source_names(layout)
    except ValueError:
        return False
    return True


def translation_indices(target: Layout, source: Layout) -> np.ndarray:
    """For each point of `target`, its position in `source` through the common skeleton, or -1
    where it has no common name or `source` lacks it: how a model trained on one full layout
    reads clips of another. (K,)"""
    common_of = {name: point for point, name in _source_names(target).items()}
    in_source = dict(zip(COMMON.points, common_indices(source).tolist(), strict=True))
    return np.array([in_source.get(common_of.get(p, ""), -1) for p in target.points], np.int64)


def missing_points(layout: Layout) -> list[str]:
    """The common points `layout` cannot give."""
    return [p for p, i in zip(COMMON.points, common_indices(layout), strict=True) if i < 0]


def common_array(stacked: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Keypoints with confidence last, (T, K, D + 1), gathered at `index` (from
    `common_indices` or `translation_indices`): x, y and confidence of the points found, zeros
    for the rest. -> (T, P, 3)"""
    found = index >= 0
    out = np.zeros((stacked.shape[0], len(index), 3), np.float32)  # (T, P, 3)
    out[:, found, :2] = stacked[:, index[found], :2]
    out[:, found, 2] = stacked[:, index[found], -1]
    return out


def to_common(clip: Clip) -> Clip:
    """`clip` on the common skeleton: x, y of the points its layout gives, the rest missing
    (0 with confidence 0). (T, K, D) -> (T, P, 2)"""
    common = common_array(clip.stacked(), common_indices(clip.layout))  # (T, P, 3)
    return Clip(common[..., :2].copy(), common[..., 2].copy(), clip.fps, COMMON)
