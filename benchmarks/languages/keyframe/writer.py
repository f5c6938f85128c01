"""Files in How2Sign's layout: OpenPose 1.3 frame JSON, the re-aligned tables, glosses."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import orjson

from .detector import Detection

TABLE_COLUMNS = (
    "VIDEO_ID",
    "VIDEO_NAME",
    "SENTENCE_ID",
    "SENTENCE_NAME",
    "START_REALIGNED",
    "END_REALIGNED",
    "SENTENCE",
)
_EMPTY_3D = {
    "pose_keypoints_3d": [],
    "face_keypoints_3d": [],
    "hand_left_keypoints_3d": [],
    "hand_right_keypoints_3d": [],
}


def keypoint_folder(root: Path, split: str) -> Path:
    """Where How2Sign keeps a split's per-clip OpenPose folders."""
    return root / f"{split}_2D_keypoints" / "openpose_output" / "json"


def _person(row: list[float]) -> dict:
    return {
        "person_id": [-1],
        "pose_keypoints_2d": row[0:75],
        "face_keypoints_2d": row[75:285],
        "hand_left_keypoints_2d": row[285:348],
        "hand_right_keypoints_2d": row[348:411],
        **_EMPTY_3D,
    }


def _rounded(values: np.ndarray) -> np.ndarray:
    out = np.round(values, 3)
    out[..., 2] = np.round(values[..., 2], 6)
    return out.reshape(len(values), -1)


def write_clip(folder: Path, name: str, detection: Detection) -> int:
    """One JSON file per frame; returns the frame count."""
    folder.mkdir(parents=True)
    rows = _rounded(detection.values).tolist()
    empty = detection.no_person.tolist()
    ghosts = {k: _rounded(v[None])[0].tolist() for k, v in detection.ghosts.items()}
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    prefix = f"{folder}/{name}_"
    for i, row in enumerate(rows):
        if empty[i]:
            people = []
        elif i in ghosts:
            people = [_person(row), _person(ghosts[i])]
        else:
            people = [_person(row)]
        data = orjson.dumps({"version": 1.3, "people": people})
        fd = os.open(f"{prefix}{i:012d}_keypoints.json", flags, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    return len(rows)


def write_table(path: Path, rows: list[tuple]) -> None:
    """A tab-separated re-aligned sentence table."""
    lines = ["\t".join(TABLE_COLUMNS)]
    lines += ["\t".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_glosses(path: Path, rows: list[tuple[str, str]]) -> None:
    lines = ["SENTENCE_NAME\tGLOSSES", *(f"{name}\t{glosses}" for name, glosses in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_json(path: Path, data: dict) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
