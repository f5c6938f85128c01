"""PHOENIX-2014T skeleton text (Progressive Transformers' `<split>.skels`, `.text`, `.files`).

`<split>.skels` holds one sequence a line: per frame 150 numbers (the 50 joints of PHOENIX_50,
x y z each) and a 0..1 progress counter, all space-separated. Line n of `<split>.text` is its
German sentence, line n of `<split>.files` its name and line n of `<split>.gloss`, when there,
its glosses. The format has no confidence, so every
joint counts as found.

A sequence is addressed as `<split>.skels#<line>` (line numbers from 1). Each process finds the
byte offset of every line once per file and then reads only the line it needs, so reading all
sequences of a large file costs one pass, not one pass per sequence.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sign2text.data.layouts import PHOENIX_50
from sign2text.data.readers.base import Clip, check_finite
from sign2text.errors import InputError

FPS = 25.0
JOINTS = len(PHOENIX_50.points)  # 50
JOINT_VALUES = JOINTS * 3  # 150: x, y, z of every joint
FRAME_VALUES = JOINT_VALUES + 1  # then the progress counter
SPLIT_NAMES = {"train": "train", "dev": "val", "test": "test"}  # file stem -> sign2text split


@dataclass(frozen=True)
class PhoenixSequence:
    """One line of a `.skels` file, with its name and sentence."""

    path: str  # "<split>.skels#<line>"
    name: str
    sentence: str
    glosses: str = ""  # line n of `<split>.gloss`, when that file is there


def sequence_path(skels: str | Path, line: int) -> str:
    """The address of line `line` (from 1) of `skels`."""
    return f"{skels}#{line}"


@functools.lru_cache(maxsize=8)
def _offsets(skels: str, size: int, mtime_ns: int) -> tuple[int, ...]:
    """Byte offset of every line start, plus the file's end; cached per file version."""
    offsets = [0]
    with open(skels, "rb") as handle:
        for line in handle:
            offsets.append(offsets[-1] + len(line))
    return tuple(offsets)


def line_offsets(skels: Path) -> tuple[int, ...]:
    """Where each line of `skels` starts (and, last, where the file ends)."""
    try:
        stat = os.stat(skels)
        return _offsets(str(skels), stat.st_size, stat.st_mtime_ns)
    except OSError as error:
        raise InputError(skels, f"cannot be read ({error.strerror})", "check the path") from error


def _text_lines(path: Path) -> list[str]:
    """The lines of a `.text` or `.files` file, split on newlines only, as `.skels` lines are."""
    try:
        lines = path.read_bytes().decode("utf-8").split("\n")
    except FileNotFoundError as error:
        raise InputError(path, "is missing", "each .skels needs its .text and .files") from error
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise InputError(
            path, f"not UTF-8 (byte {error.start})", "re-save the file as UTF-8"
        ) from error
    return lines[:-1] if lines[-1] == "" else lines


def read_split(skels: str | Path) -> list[PhoenixSequence]:
    """The sequences of one `.skels` file, with sentences and names from the files beside it."""
    skels = Path(skels)
    lines = len(line_offsets(skels)) - 1
    sentences = _text_lines(skels.with_suffix(".text"))
    names = _text_lines(skels.with_suffix(".files"))
    gloss_file = skels.with_suffix(".gloss")
    glosses = _text_lines(gloss_file) if gloss_file.exists() else [""] * lines
    for path, listed in (
        (skels.with_suffix(".text"), sentences),
        (skels.with_suffix(".files"), names),
        (gloss_file, glosses),
    ):
        if len(listed) != lines:
            raise InputError(
                path,
                f"{len(listed)} lines, but {skels.name} has {lines} sequences",
                "the .skels, .text and .files of a split must list the same sequences",
            )
    return [
        PhoenixSequence(
            sequence_path(skels, n),
            name.strip() or f"{skels.stem}-{n}",
            text.strip(),
            " ".join(gloss.split()),
        )
        for n, (name, text, gloss) in enumerate(zip(names, sentences, glosses, strict=True), 1)
    ]


def _parse_address(path: str | Path) -> tuple[Path, int]:
    file, _, line = str(path).rpartition("#")
    if not file or not line.isdigit() or int(line) < 1:
        raise InputError(path, "not a sequence address", "expected <split>.skels#<line number>")
    return Path(file), int(line)


def read_phoenix_sequence(path: str | Path) -> Clip:
    """Read the sequence at `<split>.skels#<line>`: (T, 50, 3) joints, confidence 1."""
    skels, line = _parse_address(path)
    offsets = line_offsets(skels)
    if line >= len(offsets):
        raise InputError(path, f"{skels.name} has only {len(offsets) - 1} lines")
    try:
        with open(skels, "rb") as handle:
            handle.seek(offsets[line - 1])
            raw = handle.read(offsets[line] - offsets[line - 1])
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from error
    try:
        values = np.array(raw.decode("ascii").split(), dtype=np.float64)
    except (UnicodeDecodeError, ValueError) as error:
        raise InputError(path, f"holds something that is not a number ({error})") from error
    if values.size % FRAME_VALUES:
        raise InputError(
            path,
            f"{values.size} numbers, not a multiple of {FRAME_VALUES} "
            f"(50 joints x 3 + progress counter per frame)",
            "the line is truncated or not a PHOENIX skeleton",
        )
    frames = values.reshape(-1, FRAME_VALUES)  # (T, 151)
    joints = frames[:, :JOINT_VALUES].reshape(len(frames), JOINTS, 3)  # (T, 50, 3)
    coords = joints.astype(np.float32)
    confidence = np.ones(coords.shape[:2], np.float32)  # (T, 50)
    return check_finite(path, Clip(coords, confidence, FPS, PHOENIX_50))
