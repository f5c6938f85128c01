"""Malformed keypoint files and listings for the reader tests: hypothesis strategies that
damage valid files, and the check every reader must pass on them."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keypoint_files import pose_bytes, random_pose
from sign2text.data.readers.base import Clip
from sign2text.errors import InputError


@st.composite
def corrupted(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` truncated, overwritten in part, with bytes inserted, or replaced by random bytes."""
    kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "random"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    if kind == "truncate":
        return data[:at]
    if kind == "overwrite":
        junk = draw(st.binary(min_size=1, max_size=32))
        return data[:at] + junk + data[at + len(junk) :]
    if kind == "insert":
        return data[:at] + draw(st.sampled_from([b"\xff\xfe", b"\x00", b"NaN", b"]"])) + data[at:]
    return draw(st.binary(max_size=300))


def reads_or_names(read: Callable[[], object], *names: str) -> None:
    """`read()` returns a usable result or raises an InputError, one line naming one of
    `names`; any other exception fails the test."""
    try:
        result = read()
    except InputError as error:
        assert any(name in str(error) for name in names), str(error)
        assert "\n" not in str(error), str(error)
        return
    if isinstance(result, Clip):
        assert result.frames > 0
        assert np.isfinite(result.coords).all() and np.isfinite(result.confidence).all()


BAD_PEOPLE = [
    {"people": [{"pose_keypoints_2d": [1.0, 2.0]}]},  # wrong point count
    {"people": [{"pose_keypoints_2d": ["x"] * 75}]},  # not numbers
    {"people": [{"pose_keypoints_2d": [[1.0, 2.0, 3.0]] * 25}]},  # nested
    {"people": [{"pose_keypoints_2d": [None] * 75}]},  # null
    {"people": [{"pose_keypoints_2d": [1e39] * 75}]},  # overflows float32
    {"people": [3]},
    {"people": "nobody"},
    {"version": 1.3},
    [],
]


@st.composite
def openpose_frame(draw: st.DrawFn, valid: bytes) -> bytes:
    if draw(st.booleans()):
        return json.dumps(draw(st.sampled_from(BAD_PEOPLE))).encode()
    return draw(corrupted(valid))


@st.composite
def pose_file(draw: st.DrawFn) -> bytes:
    data, confidence = random_pose(frames=draw(st.integers(1, 4)), seed=draw(st.integers(0, 9)))
    kind = draw(st.sampled_from(["corrupt", "non-finite", "no frames", "no person", "no points"]))
    if kind == "non-finite":
        at = tuple(draw(st.integers(0, n - 1)) for n in data.shape)
        data[at] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        if draw(st.booleans()):
            confidence[at[:3]] = np.nan
    if kind == "no frames":
        data, confidence = data[:0], confidence[:0]
    if kind == "no person":
        data, confidence = data[:, :0], confidence[:, :0]
    if kind == "no points":
        return pose_bytes(data[:, :, :0], confidence[:, :, :0], components=(("EMPTY", ()),))
    valid = pose_bytes(data, confidence)
    return draw(corrupted(valid)) if kind == "corrupt" else valid


BAD_SKELS_LINES = ["", "1 2 3", "nan " * 151, "inf " * 151, "x " * 151, "0.5 " * 150, "ä"]


SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)
DTYPES = st.sampled_from([np.float32, np.float64, np.int16, np.bool_, np.complex64])


@st.composite
def array_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, content) of an array file with any shape, dtype and values."""
    array = draw(hnp.arrays(draw(DTYPES), SHAPES))  # floats include NaN and infinities
    buffer = io.BytesIO()
    if draw(st.booleans()):
        np.save(buffer, array)
        suffix = ".npy"
    else:
        arrays = {draw(st.sampled_from(["keypoints", "pose", "other"])): array}
        if draw(st.booleans()):
            arrays["confidence"] = draw(hnp.arrays(np.float32, SHAPES))
        np.savez(buffer, **arrays)
        suffix = ".npz"
    content = buffer.getvalue()
    return suffix, draw(corrupted(content)) if draw(st.booleans()) else content


CELLS = st.sampled_from(["a.npy", "b.npy", "missing.npy", "train", "dev", "nope", "x", ""])


@st.composite
def manifest_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, content) of a manifest with any columns, cells and encoding."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".jsonl"]))
    columns = draw(
        st.lists(st.sampled_from(["path", "sentence", "split", "name", "signer", "layout"])).map(
            lambda c: list(dict.fromkeys(c))
        )
    )
    rows = draw(
        st.lists(
            st.lists(CELLS | st.text(max_size=5), min_size=len(columns), max_size=len(columns) + 1),
            max_size=4,
        )
    )
    if suffix == ".jsonl":
        lines = [json.dumps(dict(zip(columns, row, strict=False))) for row in rows]
    else:
        delimiter = "," if suffix == ".csv" else "\t"
        lines = [delimiter.join(columns), *(delimiter.join(row) for row in rows)]
    content = "\n".join(lines).encode("utf-8")
    kind = draw(st.sampled_from(["as is", "latin-1", "corrupt"]))
    if kind == "latin-1":
        content = content + "\nb.npy,grüß,train\n".encode("latin-1")
    if kind == "corrupt":
        content = draw(corrupted(content))
    return suffix, content
