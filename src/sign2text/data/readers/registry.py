"""The reader registry: every kind of clip, how its path names it, and how it is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sign2text.data.layouts import LAYOUTS, OPENPOSE_137, Layout
from sign2text.data.readers.arrays import array_info, array_layout, read_arrays
from sign2text.data.readers.base import Clip
from sign2text.data.readers.openpose import FPS as OPENPOSE_FPS
from sign2text.data.readers.openpose import FrameStats, read_openpose_folder
from sign2text.data.readers.phoenix import read_phoenix_sequence
from sign2text.data.readers.pose_file import read_pose_file, read_pose_info
from sign2text.errors import InputError

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm")


@dataclass(frozen=True)
class Header:
    """What a clip says about itself before its frames are read."""

    layout: Layout
    points: int  # K, as stored
    dims: int  # coordinates per point (D)
    fps: float | None  # None: the file does not say


@dataclass(frozen=True)
class Reader:
    """One kind of clip: how to read it with its frame statistics, and how to read its header.

    `layout` names the points of files that carry no point names (arrays); other kinds ignore it.
    """

    read: Callable[[Path, Layout | None], tuple[Clip, FrameStats]]
    header: Callable[[Path, Layout | None], Header] | None  # None: a kind no listing names
    suffixes: tuple[str, ...]  # the file extensions of this kind; () for folders and addresses


def clip_stats(clip: Clip) -> FrameStats:
    """Detection counts from the clip itself, for formats that keep no per-frame record."""
    seen = clip.confidence > 0  # (T, K)
    hands = [i for part in clip.layout.hands for i in clip.layout.part_indices(part)]
    return FrameStats(
        frames=clip.frames,
        no_person=int((~seen.any(axis=1)).sum()),
        several_people=0,  # these formats hold one signer (a .pose file's first person)
        no_hands=int((~seen[:, hands].any(axis=1)).sum()) if hands else 0,
    )


def _counted(clip: Clip) -> tuple[Clip, FrameStats]:
    return clip, clip_stats(clip)


def _read_openpose(path: Path, layout: Layout | None) -> tuple[Clip, FrameStats]:
    return read_openpose_folder(path)  # OpenPose records who it saw in each frame


def _read_pose(path: Path, layout: Layout | None) -> tuple[Clip, FrameStats]:
    return _counted(read_pose_file(path))


def _read_arrays(path: Path, layout: Layout | None) -> tuple[Clip, FrameStats]:
    return _counted(read_arrays(path, layout))


def _read_phoenix(path: Path, layout: Layout | None) -> tuple[Clip, FrameStats]:
    return _counted(read_phoenix_sequence(path))


def _openpose_header(path: Path, layout: Layout | None) -> Header:
    return Header(OPENPOSE_137, len(OPENPOSE_137.points), 2, OPENPOSE_FPS)


def _pose_header(path: Path, layout: Layout | None) -> Header:
    info = read_pose_info(path)
    return Header(info.layout, len(info.layout.points), info.dims, info.fps)


def _arrays_header(path: Path, layout: Layout | None) -> Header:
    shape = array_info(path)
    return Header(layout or array_layout(shape.points), shape.points, shape.dims, None)


READERS: dict[str, Reader] = {
    "openpose": Reader(_read_openpose, _openpose_header, ()),  # a clip folder
    "pose": Reader(_read_pose, _pose_header, (".pose",)),
    "arrays": Reader(_read_arrays, _arrays_header, (".npy", ".npz")),
    "phoenix": Reader(_read_phoenix, None, ()),  # "<split>.skels#<line>" addresses
}


def clip_kind(path: Path) -> str:
    """ "openpose" (a clip folder), "pose", "arrays" or "video", from the path alone."""
    suffix = path.suffix.lower()
    if path.is_dir():
        return "openpose"
    if not path.exists():
        raise InputError(path, "does not exist", "check the path")
    for kind, reader in READERS.items():
        if suffix in reader.suffixes:
            return kind
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
    if kind == "video":
        raise InputError(
            path,
            "a video, not keypoints",
            "extract its keypoints first: sign2text extract VIDEO --out DIR",
        )
    return READERS[kind].read(path, layout)[0]
