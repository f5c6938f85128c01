"""Keypoint layouts: the order of points in a clip and the named subsets of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# OpenPose BODY_25 point names, in file order.
BODY_25 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar",
    "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)  # fmt: skip
FACE_70 = tuple(f"F{i}" for i in range(70))
HAND_21 = (
    "Wrist", "Thumb1", "Thumb2", "Thumb3", "Thumb4", "Index1", "Index2", "Index3", "Index4",
    "Middle1", "Middle2", "Middle3", "Middle4", "Ring1", "Ring2", "Ring3", "Ring4",
    "Pinky1", "Pinky2", "Pinky3", "Pinky4",
)  # fmt: skip

# The four OpenPose 1.3 JSON fields of one person, in the order sign2text stacks them.
OPENPOSE_PARTS = (
    ("pose_keypoints_2d", "pose", BODY_25),
    ("face_keypoints_2d", "face", FACE_70),
    ("hand_left_keypoints_2d", "hand_left", HAND_21),
    ("hand_right_keypoints_2d", "hand_right", HAND_21),
)


@dataclass(frozen=True)
class Layout:
    """Names of a clip's points, in order, and the points normalisation is anchored on."""

    name: str
    points: tuple[str, ...]  # "part.Point", e.g. "pose.Neck", "hand_left.Wrist"
    centre: tuple[str, ...]  # the body is centred on the mean of these points
    shoulders: tuple[str, str]  # (right, left): their distance is the body's scale
    hands: tuple[str, ...] = ()  # parts made relative to their first point (the wrist)

    def index(self, point: str) -> int:
        """Position of `point` in the layout."""
        return self.points.index(point)

    def part_indices(self, part: str) -> list[int]:
        """Positions of every point of `part` (e.g. "hand_left")."""
        prefix = f"{part}."
        return [i for i, p in enumerate(self.points) if p.startswith(prefix)]

    def subset(self, name: str, points: tuple[str, ...]) -> Layout:
        """The same layout restricted to `points`, in the given order."""
        missing = [p for p in points if p not in self.points]
        if missing:
            raise ValueError(f"layout {self.name!r} has no points {missing[:5]}")
        return Layout(name, points, self.centre, self.shoulders, self.hands)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for meta.json and checkpoints."""
        return {
            "name": self.name,
            "points": list(self.points),
            "centre": list(self.centre),
            "shoulders": list(self.shoulders),
            "hands": list(self.hands),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Layout:
        return cls(
            values["name"],
            tuple(values["points"]),
            tuple(values["centre"]),
            (values["shoulders"][0], values["shoulders"][1]),
            tuple(values["hands"]),
        )


OPENPOSE_137 = Layout(
    name="openpose137",
    points=tuple(f"{part}.{p}" for _, part, names in OPENPOSE_PARTS for p in names),
    centre=("pose.Neck",),
    shoulders=("pose.RShoulder", "pose.LShoulder"),
    hands=("hand_left", "hand_right"),
)

# Upper body, both hands and a face subset (jaw, brows, eye corners, nose, mouth): 85 points,
# the kind of reduced set pose-based translation systems feed their models.
_UPPER_BODY = ("Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
               "REye", "LEye", "REar", "LEar")  # fmt: skip
_FACE_SUBSET = (0, 2, 4, 6, 8, 10, 12, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                36, 39, 42, 45, 30, 33, 48, 51, 54, 57, 62, 66)  # fmt: skip
OPENPOSE_UPPER_85 = OPENPOSE_137.subset(
    "openpose_upper85",
    tuple(f"pose.{p}" for p in _UPPER_BODY)
    + tuple(f"hand_left.{p}" for p in HAND_21)
    + tuple(f"hand_right.{p}" for p in HAND_21)
    + tuple(f"face.F{i}" for i in _FACE_SUBSET),
)

# Named point subsets of each full layout, chosen in the config as `data.points`.
SUBSETS: dict[str, dict[str, Layout]] = {"openpose137": {"upper85": OPENPOSE_UPPER_85}}

# PHOENIX-2014T 3-D skeletons as Progressive Transformers ships them (`.skels`): the first eight
# BODY_25 points, then the left hand, then the right hand, the order in which the 2-D-to-3-D
# lifting of Zelinka & Kanis packed OpenPose output. The data agree: the left hand's first
# point (the wrist) sits on LWrist and the right hand's on RWrist, and the neck is the origin.
PHOENIX_50 = OPENPOSE_137.subset(
    "phoenix50",
    tuple(f"pose.{p}" for p in BODY_25[:8])
    + tuple(f"hand_left.{p}" for p in HAND_21)
    + tuple(f"hand_right.{p}" for p in HAND_21),
)

COCO_BODY_17 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
                "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
                "right_ankle")  # fmt: skip
COCO_FEET_6 = ("left_big_toe", "left_small_toe", "left_heel", "right_big_toe",
               "right_small_toe", "right_heel")  # fmt: skip

# COCO-WholeBody's 133 points as RTMPose/MMPose write them: body 17, feet 6, face 68 (iBUG
# order), left hand 21, right hand 21.
COCO_WHOLEBODY_133 = Layout(
    name="coco_wholebody133",
    points=(
        *(f"body.{p}" for p in COCO_BODY_17),
        *(f"foot.{p}" for p in COCO_FEET_6),
        *(f"face.F{i}" for i in range(68)),
        *(f"hand_left.{p}" for p in HAND_21),
        *(f"hand_right.{p}" for p in HAND_21),
    ),
    centre=("body.right_shoulder", "body.left_shoulder"),
    shoulders=("body.right_shoulder", "body.left_shoulder"),
    hands=("hand_left", "hand_right"),
)


# Layouts a manifest or the command line can name for files that carry no point names.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (OPENPOSE_137, OPENPOSE_UPPER_85, PHOENIX_50, COCO_WHOLEBODY_133)
}


def generic_layout(name: str, points: tuple[str, ...]) -> Layout:
    """Anchors for a skeleton whose body parts are unknown.

    The centre is the mean of every point, the one choice that favours no point. The scale is
    the distance between the first two points: keypoint orders list neighbouring points of
    one part together, so that distance is a fixed body length and keeps clips comparable.
    No part is made wrist-relative. Name a known layout instead whenever one fits.
    """
    if len(points) < 2:
        raise ValueError(f"layout {name!r} needs at least two points, got {len(points)}")
    return Layout(name, points, centre=points, shoulders=(points[0], points[1]))
