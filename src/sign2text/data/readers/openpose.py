"""OpenPose 1.3 JSON: one folder per clip, one `<clip>_<frame>_keypoints.json` per frame."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from sign2text.data.layouts import OPENPOSE_137, OPENPOSE_PARTS
from sign2text.data.readers.base import Clip, check_finite
from sign2text.errors import InputError

FPS = 24.0
_FRAME_FILE = re.compile(r"_(\d+)_keypoints\.json$")
_PART_SIZES = tuple(len(names) * 3 for _, _, names in OPENPOSE_PARTS)
_FRAME_VALUES = sum(_PART_SIZES)  # 137 points x (x, y, confidence) = 411
_EMPTY_PERSON = [0.0] * _FRAME_VALUES
_LISTS = (list,) * len(_PART_SIZES)


@dataclass(frozen=True)
class FrameStats:
    """What a clip's frames looked like: the counts `prepare` reports."""

    frames: int
    no_person: int  # frames where OpenPose found nobody
    several_people: int  # frames where the signer had to be chosen among several
    no_hands: int  # frames where neither hand was detected


def frame_files(folder: Path) -> list[str]:
    """A clip folder's frame files, in frame order (plain strings: cheaper than Paths)."""
    numbered = []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = _FRAME_FILE.search(entry.name)
            if match:
                numbered.append((int(match.group(1)), entry.path))
    numbered.sort()
    return [path for _, path in numbered]


def _read_bytes(path: str, chunk: int = 16384) -> bytes:
    """A file's bytes through bare system calls: cheaper than `open()` for small files."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, chunk)
        if len(data) < chunk:  # a short read of a regular file is its end
            return data
        parts = [data]
        while part := os.read(fd, chunk):
            parts.append(part)
        return b"".join(parts)
    finally:
        os.close(fd)


def _person_values(path: str, person: dict) -> list[float]:
    """One person's 411 values in layout order; raises on a wrong point count."""
    parts = [person.get(field) for field, _, _ in OPENPOSE_PARTS]
    if all(isinstance(p, list) and len(p) == n for p, n in zip(parts, _PART_SIZES, strict=True)):
        return parts[0] + parts[1] + parts[2] + parts[3]  # the usual case, checked at once
    values: list[float] = []
    for (field, _, _), size in zip(OPENPOSE_PARTS, _PART_SIZES, strict=True):
        part = person.get(field)
        if part is None or len(part) == 0:
            values.extend(_EMPTY_PERSON[:size])
        elif len(part) != size:
            raise InputError(
                path,
                f"'{field}' has {len(part)} numbers, expected {size} ({size // 3} points x 3)",
                "the file is not OpenPose BODY_25 + face + hands output",
            )
        else:
            values.extend(part)
    return values


def _parse_frame(path: str) -> list[dict]:
    """All people of one frame file, as parsed (their values are checked by the caller)."""
    try:
        document = orjson.loads(_read_bytes(path))
        people = document["people"]
    except orjson.JSONDecodeError as error:
        raise InputError(
            path,
            f"not valid JSON ({error})",
            "the file is corrupt or truncated; re-extract this clip or remove the file",
        ) from error
    except (KeyError, TypeError) as error:
        raise InputError(path, "no 'people' list", "not an OpenPose keypoints file") from error
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from error
    if not isinstance(people, list) or not all(isinstance(p, dict) for p in people):
        raise InputError(path, "'people' is not a list of people", "not an OpenPose keypoints file")
    return people


def _values(path: str, person: dict) -> list[float]:
    """`_person_values`, with malformed entries reported against the file."""
    try:
        return _person_values(path, person)
    except TypeError as error:
        raise InputError(path, "a person entry is malformed", "not OpenPose output") from error


def _as_array(path: str, values: list[float]) -> np.ndarray:
    """Values as float32, or an InputError naming the file with a value that is no number."""
    try:
        return np.asarray(values, np.float32)
    except (TypeError, ValueError) as error:
        raise InputError(
            path, f"a keypoint is not a number ({error})", "not OpenPose output"
        ) from error


def _choose_signer(candidates: list[np.ndarray], reference: np.ndarray) -> np.ndarray:
    """The person whose confident body points lie closest to `reference` (x, y)."""
    best, best_distance = candidates[0], np.inf
    for person in candidates:
        body = person[:25]  # (25, 3)
        seen = body[:, 2] > 0
        if not seen.any():
            continue
        distance = float(np.linalg.norm(body[seen, :2].mean(axis=0) - reference))
        if distance < best_distance:
            best, best_distance = person, distance
    return best


def _body_centre(person: np.ndarray) -> np.ndarray | None:
    body = person[:25]
    seen = body[:, 2] > 0
    return body[seen, :2].mean(axis=0) if seen.any() else None


def _read_frames(files: list[str]) -> tuple[np.ndarray, dict[int, list[list[float]]], int]:
    """Every frame's keypoints (T, K, 3), a frame showing nobody or several people as zeros;
    the people of each crowded frame; how many frames show nobody."""
    flat: list[float] = []
    crowded: dict[int, list[list[float]]] = {}  # frame -> every person in it
    no_person = 0
    extend = flat.extend
    pose, face, left, right = (field for field, _, _ in OPENPOSE_PARTS)
    for i, path in enumerate(files):
        # Fast path: one person with every part complete. Anything else goes through the
        # careful path below, which names the file and the problem; a frame that parsed
        # into a list of people (none, several, or one with missing parts) is not re-read.
        people: Any = None
        try:
            people = orjson.loads(_read_bytes(path))["people"]
            if len(people) == 1:
                person = people[0]
                parts = person[pose], person[face], person[left], person[right]
                if tuple(map(type, parts)) == _LISTS and tuple(map(len, parts)) == _PART_SIZES:
                    extend(parts[0])
                    extend(parts[1])
                    extend(parts[2])
                    extend(parts[3])
                    continue
        except Exception:  # any surprise: re-read below, with precise messages
            people = None
        if not (isinstance(people, list) and all(isinstance(p, dict) for p in people)):
            people = _parse_frame(path)
        if len(people) == 1:
            extend(_values(path, people[0]))
            continue
        extend(_EMPTY_PERSON)
        if people:
            crowded[i] = [_values(path, person) for person in people]
        else:
            no_person += 1
    try:
        array = np.fromiter(flat, np.float32, count=len(flat))
    except (TypeError, ValueError):  # find the frame file at fault, then report it
        for path in files:
            for person in _parse_frame(path):
                _as_array(path, _values(path, person))
        raise
    return array.reshape(len(files), len(OPENPOSE_137.points), 3), crowded, no_person


def _keep_central_signers(
    array: np.ndarray, files: list[str], crowded: dict[int, list[list[float]]]
) -> None:
    """In place: each crowded frame of `array` (T, K, 3) gets the person nearest the median
    body centre of the frames showing one person (or of all people when none does)."""
    people_arrays = {
        i: [_as_array(files[i], p).reshape(-1, 3) for p in people] for i, people in crowded.items()
    }
    singles = [array[i] for i in range(len(files)) if i not in crowded and array[i, :, 2].any()]
    pool = singles or [p for people in people_arrays.values() for p in people]
    centres = [c for c in map(_body_centre, pool) if c is not None]
    reference = np.median(centres, axis=0) if centres else np.zeros(2, np.float32)
    for i, candidates in people_arrays.items():
        array[i] = _choose_signer(candidates, reference)


def read_openpose_folder(folder: str | Path, fps: float = FPS) -> tuple[Clip, FrameStats]:
    """Read one clip folder; with several people in a frame, keep the most central signer.

    "Most central" is measured against the median body centre of the frames that show one
    person (or of all people when no frame shows exactly one), so the choice stays on the same
    person through the clip. The common case, one person per frame, is read as one flat list
    converted to an array once, which is what makes this reader fast.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "the clip folder does not exist", "check the openpose/ path")
    files = frame_files(folder)
    if not files:
        raise InputError(folder, "no *_keypoints.json frame files", "re-extract this clip")
    array, crowded, no_person = _read_frames(files)  # (T, K, 3)
    if crowded:
        _keep_central_signers(array, files, crowded)
    clip = check_finite(folder, Clip(array[..., :2], array[..., 2], fps, OPENPOSE_137))
    hands = np.r_[OPENPOSE_137.part_indices("hand_left"), OPENPOSE_137.part_indices("hand_right")]
    stats = FrameStats(
        frames=len(files),
        no_person=no_person,
        several_people=len(crowded),
        no_hands=int((clip.confidence[:, hands].max(axis=1) <= 0).sum()),
    )
    return clip, stats
