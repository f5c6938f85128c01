"""Reading one clip of any supported kind, chosen by what the path is."""

from __future__ import annotations

from pathlib import Path

from sign2text.errors import InputError
from sign2text.layouts import LAYOUTS, Layout
from sign2text.readers.arrays import read_arrays
from sign2text.readers.base import Clip
from sign2text.readers.openpose import read_openpose_folder
from sign2text.readers.pose_file import read_pose_file

ARRAY_SUFFIXES = (".npy", ".npz")
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm")
KINDS = ("openpose", "pose", "arrays", "video")


def clip_kind(path: Path) -> str:
    """ "openpose" (a clip folder), "pose", "arrays" or "video", from the path alone."""
    suffix = path.suffix.lower()
    if path.is_dir():
        return "openpose"
    if not path.exists():
        raise InputError(path, "does not exist", "check the path")
    if suffix == ".pose":
        return "pose"
    if suffix in ARRAY_SUFFIXES:
        return "arrays"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    raise InputError(
        path,
        "unknown clip type",
        "give an OpenPose clip folder or a .pose, .npy, .npz or video file",
    )


def named_layout(name: str | None) -> Layout | None:
    """A layout named on the command line (for arrays, which carry no point names)."""
    if name is None:
        return None
    if name not in LAYOUTS:
        raise InputError(name, "unknown layout", f"choose from {sorted(LAYOUTS)}")
    return LAYOUTS[name]


def read_clip(path: str | Path, layout: Layout | None = None) -> Clip:
    """Read an OpenPose clip folder, a `.pose` file or a `.npy`/`.npz` array.

    `layout` names the points of an array file; videos must be extracted first
    (`sign2text extract`).
    """
    path = Path(path)
    kind = clip_kind(path)
    if kind == "openpose":
        return read_openpose_folder(path)[0]
    if kind == "pose":
        return read_pose_file(path)
    if kind == "arrays":
        return read_arrays(path, layout)
    raise InputError(
        path,
        "a video, not keypoints",
        "extract its keypoints first: sign2text extract VIDEO --out DIR",
    )
