"""The synthetic sign language as MediaPipe Holistic would give it: a clip's OpenPose-layout
keypoints written as a Holistic `.pose` file (543 points: pose 33, face mesh 468, two hands),
point for point through the common skeleton. The points MediaPipe has but the common skeleton
lacks are written undetected (confidence 0), and z is 0: the synthetic language is 2-D."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pose_format import Pose
from pose_format.numpy import NumPyPoseBody
from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

from sign2text import atomic
from sign2text.data import common
from sign2text.data.layouts import OPENPOSE_137, Layout

# MediaPipe Pose's 33 landmarks (`PoseLandmark`) and a MediaPipe hand's 21, in model order.
POSE_33 = (
    "NOSE", "LEFT_EYE_INNER", "LEFT_EYE", "LEFT_EYE_OUTER", "RIGHT_EYE_INNER", "RIGHT_EYE",
    "RIGHT_EYE_OUTER", "LEFT_EAR", "RIGHT_EAR", "MOUTH_LEFT", "MOUTH_RIGHT", "LEFT_SHOULDER",
    "RIGHT_SHOULDER", "LEFT_ELBOW", "RIGHT_ELBOW", "LEFT_WRIST", "RIGHT_WRIST", "LEFT_PINKY",
    "RIGHT_PINKY", "LEFT_INDEX", "RIGHT_INDEX", "LEFT_THUMB", "RIGHT_THUMB", "LEFT_HIP",
    "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE", "LEFT_HEEL",
    "RIGHT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_FOOT_INDEX",
)  # fmt: skip
HAND_21 = ("WRIST", "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP",
           *(f"{finger}_{joint}" for finger in ("INDEX_FINGER", "MIDDLE_FINGER", "RING_FINGER",
                                                "PINKY")
             for joint in ("MCP", "PIP", "DIP", "TIP")))  # fmt: skip
COMPONENTS = (
    ("POSE_LANDMARKS", POSE_33),
    ("FACE_LANDMARKS", tuple(str(i) for i in range(468))),
    ("LEFT_HAND_LANDMARKS", HAND_21),
    ("RIGHT_HAND_LANDMARKS", HAND_21),
)
HOLISTIC_543 = Layout(
    "holistic543",
    tuple(f"{name}.{point}" for name, points in COMPONENTS for point in points),
    centre=("POSE_LANDMARKS.RIGHT_SHOULDER", "POSE_LANDMARKS.LEFT_SHOULDER"),
    shoulders=("POSE_LANDMARKS.RIGHT_SHOULDER", "POSE_LANDMARKS.LEFT_SHOULDER"),
    hands=("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS"),
)
FRAME_SIZE = (1280, 720)  # How2Sign's, as synth draws


def holistic_pose(keypoints: np.ndarray, fps: float) -> bytes:
    """OpenPose-layout keypoints (T, 137, 3) as the bytes of a Holistic `.pose` file."""
    index = common.translation_indices(HOLISTIC_543, OPENPOSE_137)  # (543,)
    values = common.common_array(keypoints, index)  # (T, 543, 3): x, y, confidence
    data = np.concatenate([values[..., :2], np.zeros_like(values[..., :1])], axis=-1)
    header = PoseHeader(
        0.1,
        PoseHeaderDimensions(*FRAME_SIZE, 1),
        [PoseHeaderComponent(name, list(points), [], [], "XYZC") for name, points in COMPONENTS],
    )
    body = NumPyPoseBody(fps, data[:, None].astype(np.float32), values[:, None, :, 2])
    buffer = io.BytesIO()
    Pose(header, body).write(buffer)
    return buffer.getvalue()


def write_holistic(keypoints: np.ndarray, fps: float, path: str | Path) -> None:
    """Write `holistic_pose(keypoints, fps)` at `path`, atomically."""
    atomic.write_bytes(Path(path), holistic_pose(keypoints, fps))
