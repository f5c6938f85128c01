"""pose-format `.pose` files: one clip per file, its layout built from the file's header."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pose_format import Pose
from pose_format.pose_body import EmptyPoseBody
from pose_format.pose_header import PoseHeader, PoseHeaderComponent

from sign2text.data.layouts import BODY_25, OPENPOSE_137, Layout, generic_layout
from sign2text.data.readers.base import Clip, check_finite, nan_as_missing
from sign2text.errors import InputError

# Point names that anchor normalisation, as MediaPipe Holistic and OpenPose spell them.
SHOULDER_NAMES = (("RIGHT_SHOULDER", "LEFT_SHOULDER"), ("RShoulder", "LShoulder"))
NECK_NAMES = ("NECK", "Neck")
WRIST_NAMES = ("WRIST", "Wrist", "BASE")  # the first point of a hand component
# pose-format's OpenPose components, in the point order of OpenPose's JSON (and OPENPOSE_137).
OPENPOSE_COMPONENTS = (
    ("pose_keypoints_2d", 25),
    ("face_keypoints_2d", 70),
    ("hand_left_keypoints_2d", 21),
    ("hand_right_keypoints_2d", 21),
)
HOLISTIC_COMPONENTS = ("POSE_LANDMARKS", "LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")


@dataclass(frozen=True)
class PoseInfo:
    """What a `.pose` header says, without its frames."""

    layout: Layout
    fps: float
    dims: int  # coordinates per point: 2 (x, y) or 3 (x, y, z)


def _is_openpose(components: list[PoseHeaderComponent]) -> bool:
    shape = tuple((c.name, len(c.points)) for c in components)
    return shape == OPENPOSE_COMPONENTS and tuple(components[0].points) == BODY_25


def _shoulders(components: list[PoseHeaderComponent]) -> tuple[str, str, str] | None:
    """(component, right shoulder, left shoulder) of the first component naming both."""
    for component in components:
        for right, left in SHOULDER_NAMES:
            if right in component.points and left in component.points:
                return component.name, right, left
    return None


def _hands(components: list[PoseHeaderComponent]) -> tuple[str, ...]:
    """Hand components whose first point is the wrist.

    Normalisation makes a hand relative to its part's first point, so a hand component that
    starts elsewhere is left out (kept in body coordinates) rather than anchored on a finger.
    """
    return tuple(
        c.name
        for c in components
        if "hand" in c.name.lower() and c.points and c.points[0] in WRIST_NAMES
    )


def header_layout(header: PoseHeader) -> Layout:
    """The layout of a `.pose` header, its points named `COMPONENT.POINT`.

    pose-format's OpenPose files are OPENPOSE_137 (same points, same order), so they mix with
    OpenPose JSON folders and keep its named subsets. Other files are centred on the neck when
    they have one, else on the mean of the two shoulders (MediaPipe Holistic has no neck), and
    scaled by shoulder width; their hand components are made wrist-relative. A header without
    shoulders gets `generic_layout`'s anchors.
    """
    components = header.components
    if _is_openpose(components):
        return OPENPOSE_137
    points = tuple(f"{c.name}.{p}" for c in components for p in c.points)
    names = {c.name for c in components}
    family = "holistic" if set(HOLISTIC_COMPONENTS) <= names else "pose"
    name = f"{family}{len(points)}"
    shoulders = _shoulders(components)
    if shoulders is None:
        return generic_layout(f"generic_{name}", points)
    component, right, left = shoulders
    right, left = f"{component}.{right}", f"{component}.{left}"
    necks = [f"{component}.{n}" for n in NECK_NAMES if f"{component}.{n}" in points]
    return Layout(
        name,
        points,
        centre=(necks[0],) if necks else (right, left),
        shoulders=(right, left),
        hands=_hands(components),
    )


def _parse(path: Path, header_only: bool) -> Pose:
    """Parse with pose-format; any failure is the file's fault and becomes an InputError."""
    try:
        with open(path, "rb") as handle:
            if header_only:
                try:
                    return Pose.read(handle, pose_body=EmptyPoseBody)
                except NotImplementedError:  # version 0.0 bodies can only be read whole
                    handle.seek(0)
            return Pose.read(handle.read())
    except FileNotFoundError as error:
        raise InputError(path, "the .pose file does not exist", "check the path") from error
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from error
    # pose-format reports a malformed file as struct.error, ValueError, TypeError,
    # ZeroDivisionError, NotImplementedError, UnicodeDecodeError, EOFError... depending on
    # where the bytes go wrong; every one of them means the same thing here.
    except Exception as error:
        raise InputError(
            path,
            f"not a readable .pose file ({type(error).__name__}: {error})",
            "the file is corrupt or truncated; re-export it with pose-format",
        ) from error


def _checked_layout(path: Path, pose: Pose) -> Layout:
    if pose.body.data.ndim != 4 or pose.body.data.shape[2] == 0:
        raise InputError(path, "the header lists no points", "re-export it with pose-format")
    try:
        return header_layout(pose.header)
    except ValueError as error:
        raise InputError(path, str(error), "re-export it with pose-format") from error


def _fps(path: Path, pose: Pose) -> float:
    fps = float(pose.body.fps)
    if not math.isfinite(fps) or fps <= 0:
        raise InputError(path, f"the frame rate is {fps}", "re-export it with pose-format")
    return fps


def read_pose_info(path: str | Path) -> PoseInfo:
    """The layout, frame rate and dimensions of a `.pose` file, reading as little as it can."""
    path = Path(path)
    pose = _parse(path, header_only=True)
    layout = _checked_layout(path, pose)
    return PoseInfo(layout, _fps(path, pose), int(pose.body.data.shape[-1]))


def read_pose_file(path: str | Path) -> Clip:
    """Read the first person of a `.pose` file; masked and NaN points become missing."""
    path = Path(path)
    pose = _parse(path, header_only=False)
    layout, fps = _checked_layout(path, pose), _fps(path, pose)
    data, confidence = pose.body.data, pose.body.confidence  # (T, P, K, D), (T, P, K)
    if data.shape[1] == 0:
        raise InputError(path, "the file holds no person", "re-extract its keypoints")
    masked = np.ma.getmaskarray(data)[:, 0].any(axis=-1)  # (T, K)
    coords = np.asarray(np.ma.getdata(data)[:, 0], dtype=np.float32)  # (T, K, D)
    scores = np.asarray(np.ma.getdata(confidence)[:, 0], dtype=np.float32)  # (T, K)
    coords = np.where(masked[..., None], 0, coords)
    scores = np.where(masked, 0, scores)
    coords, scores = nan_as_missing(coords, scores)
    return check_finite(path, Clip(coords, scores, fps, layout))
