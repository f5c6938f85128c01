"""Small keypoint files in the formats sign2text reads, written the way their tools write them."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pose_format import Pose
from pose_format.numpy import NumPyPoseBody
from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

# A miniature MediaPipe Holistic header: a few body points and two three-point hands.
HOLISTIC_MINI = (
    ("POSE_LANDMARKS", ("NOSE", "LEFT_SHOULDER", "RIGHT_SHOULDER")),
    ("LEFT_HAND_LANDMARKS", ("WRIST", "THUMB_TIP", "INDEX_FINGER_TIP")),
    ("RIGHT_HAND_LANDMARKS", ("WRIST", "THUMB_TIP", "INDEX_FINGER_TIP")),
)


def pose_bytes(
    data: np.ndarray,
    confidence: np.ndarray,
    components: tuple[tuple[str, tuple[str, ...]], ...] = HOLISTIC_MINI,
    fps: float = 25.0,
) -> bytes:
    """A version 0.2 `.pose` file: data (T, P, K, D) and confidence (T, P, K)."""
    point_format = "XYZC" if data.shape[-1] == 3 else "XYC"
    header = PoseHeader(
        0.2,
        PoseHeaderDimensions(640, 480, 100),
        [
            PoseHeaderComponent(name, list(points), [], [], point_format)
            for name, points in components
        ],
    )
    buffer = io.BytesIO()
    Pose(header, NumPyPoseBody(fps, data.astype(np.float32), confidence.astype(np.float32))).write(
        buffer
    )
    return buffer.getvalue()


def random_pose(frames: int, seed: int = 0, people: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Random (T, P, K, 3) coordinates and (T, P, K) confidences for HOLISTIC_MINI."""
    rng = np.random.default_rng(seed)
    points = sum(len(p) for _, p in HOLISTIC_MINI)
    data = rng.uniform(0, 1, (frames, people, points, 3)).astype(np.float32)
    confidence = rng.uniform(0.2, 1, (frames, people, points)).astype(np.float32)
    return data, confidence


def write_pose(path: Path, frames: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random HOLISTIC_MINI `.pose` file at `path`; returns its data and confidence."""
    data, confidence = random_pose(frames, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pose_bytes(data, confidence))
    return data, confidence


def skels_line(joints: np.ndarray) -> str:
    """One `.skels` line: (T, 50, 3) joints, each frame followed by its progress counter."""
    frames = len(joints)
    counter = np.arange(frames) / max(frames, 1)
    values = np.concatenate([joints.reshape(frames, -1), counter[:, None]], axis=1)
    return " ".join(f"{v:.5f}" for v in values.reshape(-1))


def write_phoenix_split(
    folder: Path, stem: str, sequences: list[tuple[str, str, np.ndarray]]
) -> None:
    """`<stem>.skels`, `.text`, `.files` and `.gloss` for (name, sentence, joints) sequences."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.skels").write_text("".join(skels_line(j) + " \n" for _, _, j in sequences))
    (folder / f"{stem}.text").write_text("".join(f"{s}\n" for _, s, _ in sequences))
    (folder / f"{stem}.files").write_text("".join(f"{stem}/{n}\n" for n, _, _ in sequences))
    (folder / f"{stem}.gloss").write_text("".join("GLOSS\n" for _ in sequences))


def random_joints(frames: int, seed: int = 0) -> np.ndarray:
    """(T, 50, 3) joints rounded as the `.skels` text keeps them."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.5, 0.5, (frames, 50, 3)).round(5)
