"""NumPy keypoint arrays: one clip per `.npy` or `.npz` file.

`.npy`: one (T, K, C) array. C = 2 is x, y; C = 3 or 4 is the coordinates followed by the
confidence (x, y, c or x, y, z, c), the order OpenPose writes and `Clip.stacked()` (so every
prepared `<split>.npy`) uses. Confidences are kept as stored, as OpenPose JSON folders' are:
OpenPose's go a little above 1 (up to 1.07 in How2Sign's release). A negative one, or one above
MAX_CONFIDENCE, is an error, which catches the common mistake of an x, y, z array read as x, y
and confidence.

`.npz`: coordinates only under `keypoints` (or `pose`), (T, K, D) with D = 2 or 3, and an
optional `confidence` (T, K); without it every point counts as found.

In both, a point with a NaN coordinate is missing. Arrays carry no point names: their layout is
`generic_layout` over points `p0 .. pK-1` unless the caller names a known layout.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sign2text.data.layouts import Layout, generic_layout
from sign2text.data.readers.base import Clip, check_finite, nan_as_missing
from sign2text.errors import InputError

FPS = 25.0  # arrays carry no frame rate; PHOENIX and the DGS Corpus samples are 25 fps
NPZ_COORDINATES = ("keypoints", "pose")  # the first of these keys present holds the coordinates
MAX_CONFIDENCE = 1.5  # OpenPose's heat-map peaks exceed 1 (How2Sign's up to 1.07), while z
# read as confidence leaves 0..1.5 (by going negative, as a rule)


@dataclass(frozen=True)
class ArrayInfo:
    """An array file's shape, read from its header."""

    points: int  # K
    dims: int  # coordinates per point (D)


def array_layout(points: int) -> Layout:
    """The layout of arrays with `points` unnamed points."""
    return generic_layout(f"generic{points}", tuple(f"p{i}" for i in range(points)))


def _load_error(path: Path, error: Exception) -> InputError:
    return InputError(
        path,
        f"not a readable NumPy file ({type(error).__name__}: {error})",
        "the file is corrupt or truncated; save it again with numpy.save / numpy.savez",
    )


def _npz_key(path: Path, keys: list[str]) -> str:
    for key in NPZ_COORDINATES:
        if key in keys:
            return key
    raise InputError(
        path,
        f"no {' or '.join(repr(k) for k in NPZ_COORDINATES)} array (it has {sorted(keys)})",
        "save the (T, K, D) coordinates as numpy.savez(path, keypoints=..., confidence=...)",
    )


def _check_shape(
    path: str | Path, shape: tuple[int, ...], channels: tuple[int, ...], what: str
) -> None:
    if len(shape) != 3 or shape[1] < 2 or shape[2] not in channels:
        raise InputError(
            path,
            f"{what} has shape {shape}, expected (frames, points >= 2, C) with C in {channels}",
            "save one clip per file as a (T, K, C) array",
        )


def array_info(path: str | Path) -> ArrayInfo:
    """Points and dimensions of an array file, from its header only."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".npz":
            with zipfile.ZipFile(path) as archive:
                key = _npz_key(path, [n.removesuffix(".npy") for n in archive.namelist()])
                with archive.open(f"{key}.npy") as member:
                    version = np.lib.format.read_magic(member)
                    read_header = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape = read_header(member)[0]
            _check_shape(path, shape, (2, 3), f"'{key}'")
            return ArrayInfo(points=shape[1], dims=shape[2])
        shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
    except InputError:
        raise
    # Like every parser, NumPy's reports a malformed file in several exception types
    # (ValueError, OSError, EOFError, zipfile.BadZipFile, ...): all mean a bad file here.
    except Exception as error:
        raise _load_error(path, error) from error
    _check_shape(path, shape, (2, 3, 4), "the array")
    return ArrayInfo(points=shape[1], dims=2 if shape[2] == 2 else shape[2] - 1)


def split_channels(where: str | Path, array: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A (T, K, C) array as an `.npy` holds it: (coordinates (T, K, D), confidence (T, K) or
    None when C = 2)."""
    _check_shape(where, array.shape, (2, 3, 4), "the array")
    if array.shape[2] == 2:
        return array, None
    return array[..., :-1], array[..., -1]


def _load(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """(coordinates (T, K, D), confidence (T, K) or None) as stored."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):  # .npy: (T, K, C)
            return split_channels(path, loaded)
        with loaded:  # .npz
            key = _npz_key(path, list(loaded.keys()))
            coords = loaded[key]
            confidence = loaded.get("confidence")
    except InputError:
        raise
    except Exception as error:  # see array_info
        raise _load_error(path, error) from error
    _check_shape(path, coords.shape, (2, 3), f"'{key}'")
    if confidence is not None and confidence.shape != coords.shape[:2]:
        raise InputError(
            path,
            f"'confidence' has shape {confidence.shape}, expected {coords.shape[:2]}",
            "store one confidence per frame and point",
        )
    return coords, confidence


def read_arrays(path: str | Path, layout: Layout | None = None, fps: float = FPS) -> Clip:
    """Read one clip from a `.npy` or `.npz` file, in `layout` if given (else a generic one)."""
    path = Path(path)
    return arrays_clip(path, *_load(path), layout, fps)


def arrays_clip(
    path: str | Path,
    coords: np.ndarray,
    confidence: np.ndarray | None,
    layout: Layout | None = None,
    fps: float = FPS,
) -> Clip:
    """A clip of coordinates (T, K, D) and confidence (T, K) (None: every point found), checked
    as a file's are; `path` names them in errors (a file, or what holds the arrays)."""
    for name, array in (("coordinates", coords), ("confidence", confidence)):
        if array is not None and array.dtype.kind not in "iuf":
            raise InputError(path, f"the {name} are {array.dtype}, not numbers", "save floats")
    points = coords.shape[1]
    if layout is None:
        layout = array_layout(points)
    elif points != len(layout.points):
        raise InputError(
            path,
            f"{points} points per frame, but layout {layout.name!r} has {len(layout.points)}",
            "name the layout these arrays were saved in, or none",
        )
    coords = coords.astype(np.float32)  # (T, K, D)
    if confidence is None:
        confidence = np.ones(coords.shape[:2], np.float32)  # (T, K)
    coords, confidence = nan_as_missing(coords, confidence.astype(np.float32))
    clip = check_finite(path, Clip(coords, confidence, fps, layout))
    if (confidence < 0).any() or (confidence > MAX_CONFIDENCE).any():
        raise InputError(
            path,
            f"confidence ranges over {confidence.min():g}..{confidence.max():g}, not "
            f"0..{MAX_CONFIDENCE:g}",
            "an .npy's last channel is read as confidence: if it is z, save the coordinates "
            "as an .npz under 'keypoints' instead",
        )
    return clip
