"""What to draw of a keypoint layout: its points, bones and colours (body by point name, hands
by the 21-point topology OpenPose and MediaPipe share)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import to_rgba_array

from sign2text.data.layouts import Layout
from sign2text.data.readers.pose_file import WRIST_NAMES

# Upper-body bones by point name, as OpenPose BODY_25 and MediaPipe Pose spell them. A bone is
# drawn when both its points are in the same part of a layout; legs are left out (signing).
BODY_BONES = (
    ("Nose", "Neck"), ("Neck", "RShoulder"), ("RShoulder", "RElbow"), ("RElbow", "RWrist"),
    ("Neck", "LShoulder"), ("LShoulder", "LElbow"), ("LElbow", "LWrist"), ("Nose", "REye"),
    ("REye", "REar"), ("Nose", "LEye"), ("LEye", "LEar"), ("Neck", "MidHip"),
    ("MidHip", "RHip"), ("MidHip", "LHip"),
    ("LEFT_SHOULDER", "RIGHT_SHOULDER"), ("LEFT_SHOULDER", "LEFT_ELBOW"),
    ("LEFT_ELBOW", "LEFT_WRIST"), ("RIGHT_SHOULDER", "RIGHT_ELBOW"),
    ("RIGHT_ELBOW", "RIGHT_WRIST"), ("LEFT_SHOULDER", "LEFT_HIP"),
    ("RIGHT_SHOULDER", "RIGHT_HIP"), ("LEFT_HIP", "RIGHT_HIP"), ("LEFT_WRIST", "LEFT_THUMB"),
    ("LEFT_WRIST", "LEFT_INDEX"), ("LEFT_WRIST", "LEFT_PINKY"), ("LEFT_INDEX", "LEFT_PINKY"),
    ("RIGHT_WRIST", "RIGHT_THUMB"), ("RIGHT_WRIST", "RIGHT_INDEX"),
    ("RIGHT_WRIST", "RIGHT_PINKY"), ("RIGHT_INDEX", "RIGHT_PINKY"), ("NOSE", "LEFT_EYE"),
    ("LEFT_EYE", "LEFT_EAR"), ("NOSE", "RIGHT_EYE"), ("RIGHT_EYE", "RIGHT_EAR"),
    ("MOUTH_LEFT", "MOUTH_RIGHT"),
)  # fmt: skip
# A 21-point hand (OpenPose and MediaPipe agree): the wrist, then four points per finger from
# the thumb to the little finger, each finger a chain starting at the wrist.
HAND_POINTS = 21
FINGER_CHAINS = tuple((0, *range(first, first + 4)) for first in range(1, HAND_POINTS, 4))
FINGER_BONES = tuple(bone for chain in FINGER_CHAINS for bone in itertools.pairwise(chain))
# Colours by a part-name keyword (first match); other parts are body-coloured.
PART_COLOURS = (("face", "0.55"), ("left", "tab:orange"), ("right", "tab:green"))
BODY_COLOUR = "tab:blue"
POINT_SIZE, FACE_POINT_SIZE = 12.0, 3.0


@dataclass(frozen=True)
class Skeleton:
    """What to draw of a layout. Index K (one past the last point) stands for the origin."""

    points: np.ndarray  # (N,) int: the points drawn
    colours: np.ndarray  # (N, 4) RGBA
    sizes: np.ndarray  # (N,) marker areas
    bones: np.ndarray  # (M, 2) int: the two ends of each bone
    bone_colours: np.ndarray  # (M, 4) RGBA
    relative: np.ndarray  # (N,) bool: the point is an offset from the origin, not a position


def _part_colour(part: str) -> str:
    lowered = part.lower()
    return next((colour for key, colour in PART_COLOURS if key in lowered), BODY_COLOUR)


def _drawn_parts(layout: Layout) -> dict[str, list[int]]:
    """Point positions per part, in layout order; world-coordinate parts are left out.

    MediaPipe's POSE_WORLD_LANDMARKS repeat the body in metres around the hips, which would
    share axes with pixel positions. Points without a part (generic layouts) form part "".
    """
    parts: dict[str, list[int]] = {}
    for i, point in enumerate(layout.points):
        part = point.split(".", 1)[0] if "." in point else ""
        if "WORLD" not in part.upper():
            parts.setdefault(part, []).append(i)
    return parts


def _is_hand(layout: Layout, members: list[int]) -> bool:
    first = layout.points[members[0]].rsplit(".", 1)[-1]
    return len(members) == HAND_POINTS and first in WRIST_NAMES


def _part_bones(
    layout: Layout, part: str, members: list[int], origin: int | None
) -> list[tuple[int, int]]:
    """Bones of one part as (start, end) positions; hands rooted at `origin` when given."""
    if _is_hand(layout, members):
        root = members[0] if origin is None else origin
        ends = [root, *members[1:]]
        return [(ends[a], ends[b]) for a, b in FINGER_BONES]
    position = {layout.points[i]: i for i in members}
    return [
        (position[f"{part}.{a}"], position[f"{part}.{b}"])
        for a, b in BODY_BONES
        if f"{part}.{a}" in position and f"{part}.{b}" in position
    ]


def skeleton(layout: Layout, hands_at_origin: bool = False) -> Skeleton:
    """Points and bones to draw for `layout`.

    Hand parts of `layout.hands` are drawn from the origin when `hands_at_origin`: after
    normalisation their points are offsets from the wrist, not body positions.
    """
    origin = len(layout.points)
    points, colours, sizes, bones, bone_colours, relative = [], [], [], [], [], []
    for part, members in _drawn_parts(layout).items():
        colour = _part_colour(part)
        size = FACE_POINT_SIZE if "face" in part.lower() else POINT_SIZE
        at_origin = hands_at_origin and part in layout.hands and _is_hand(layout, members)
        part_bones = _part_bones(layout, part, members, origin if at_origin else None)
        drawn = members[1:] if at_origin else members  # the origin stands for the wrist
        points += drawn
        colours += [colour] * len(drawn)
        sizes += [size] * len(drawn)
        relative += [at_origin] * len(drawn)
        bones += part_bones
        bone_colours += [colour] * len(part_bones)
    return Skeleton(
        np.asarray(points, np.int64),
        to_rgba_array(colours) if colours else np.zeros((0, 4)),
        np.asarray(sizes, np.float64),
        np.asarray(bones, np.int64).reshape(-1, 2),
        to_rgba_array(bone_colours) if bone_colours else np.zeros((0, 4)),
        np.asarray(relative, bool),
    )
