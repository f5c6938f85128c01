"""Malformed input to every reader: it reads, or raises an InputError naming the file."""

import functools
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import make_how2sign_folder
from keypoint_files import pose_bytes, random_joints, random_pose, write_phoenix_split
from sign2text.prepare import (
    prepare_how2sign,
    prepare_manifest,
    prepare_phoenix,
    prepare_pose_folder,
)
from sign2text.readers.arrays import read_arrays
from sign2text.readers.base import Clip, InputError
from sign2text.readers.how2sign import read_table
from sign2text.readers.manifest import read_manifest
from sign2text.readers.openpose import read_openpose_folder
from sign2text.readers.phoenix import read_phoenix_sequence, read_split
from sign2text.readers.pose_file import read_pose_file

SMALL = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # each example gets its folder
)
PREPARE = {"workers": 1, "progress": False, "vocab_size": 100}


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


def _reads_or_names(read: Callable[[], object], *names: str) -> None:
    """`read()` returns a usable result or raises an InputError naming one of `names`."""
    try:
        result = read()
    except InputError as error:
        assert any(name in str(error) for name in names), str(error)
        return
    if isinstance(result, Clip):
        assert result.frames > 0
        assert np.isfinite(result.coords).all() and np.isfinite(result.confidence).all()


def _prepares_or_leaves_nothing(run: Callable[[Path], object], out: Path) -> None:
    """`run(out)` makes a complete dataset at `out`, or raises InputError and leaves none."""
    try:
        run(out)
    except InputError:
        assert not out.exists()
    else:
        assert (out / "meta.json").exists() and (out / "train.npy").exists()
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".partial")]


def _folder(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp_path))


# --- OpenPose folders and How2Sign tables ----------------------------------------------------

_BAD_PEOPLE = [
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
        return json.dumps(draw(st.sampled_from(_BAD_PEOPLE))).encode()
    return draw(corrupted(valid))


@SMALL
@given(data=st.data())
def test_openpose_folders_and_how2sign_tables(tmp_path: Path, data: st.DataObject) -> None:
    root = _folder(tmp_path)
    make_how2sign_folder(root, {"train": 3, "val": 1})
    clip = sorted((root / "openpose").iterdir())[0]
    frames = sorted(clip.iterdir())
    if data.draw(st.booleans()):  # a bad frame file
        target = data.draw(st.sampled_from(frames))
        target.write_bytes(data.draw(openpose_frame(target.read_bytes())))
        # a frame's parse error names its file; NaN found later names the clip and frame
        _reads_or_names(lambda: read_openpose_folder(clip), target.name, clip.name)
    else:  # no frame files at all
        for frame in frames:
            frame.unlink()
        _reads_or_names(lambda: read_openpose_folder(clip), clip.name)
    table = root / "how2sign_realigned_train.csv"
    text = table.read_bytes()
    lines = text.splitlines(keepends=True)
    table.write_bytes(
        data.draw(
            st.sampled_from(
                [
                    text + lines[1],  # duplicate name
                    b"SENTENCE\n" + b"".join(lines[1:]),  # missing column
                    text + "x\tx\tx\ty\t0\t1\tgr\xfc\xdf\n".encode("cp1252"),  # not UTF-8
                ]
            )
            | corrupted(text)
        )
    )
    _reads_or_names(lambda: read_table(table), table.name)
    strict = data.draw(st.booleans())
    run = functools.partial(prepare_how2sign, root, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- .pose files -----------------------------------------------------------------------------


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


@SMALL
@given(content=pose_file(), strict=st.booleans())
def test_pose_files(tmp_path: Path, content: bytes, strict: bool) -> None:
    root = _folder(tmp_path)
    path = root / "train" / "bad.pose"
    path.parent.mkdir()
    path.write_bytes(content)
    path.with_suffix(".json").write_text('{"english": "a bad clip"}')
    for k in range(2):
        path.with_name(f"good{k}.pose").write_bytes(pose_bytes(*random_pose(3, seed=k)))
        path.with_name(f"good{k}.json").write_text(f'{{"english": "good {k}"}}')
    _reads_or_names(lambda: read_pose_file(path), path.name)
    run = functools.partial(prepare_pose_folder, root, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- PHOENIX skeleton text -------------------------------------------------------------------

_BAD_SKELS_LINES = ["", "1 2 3", "nan " * 151, "inf " * 151, "x " * 151, "0.5 " * 150, "ä"]


@SMALL
@given(data=st.data())
def test_phoenix_skeletons(tmp_path: Path, data: st.DataObject) -> None:
    root = _folder(tmp_path)
    sequences = [(f"s{i}", f"satz {i}", random_joints(3, seed=i)) for i in range(3)]
    write_phoenix_split(root, "train", sequences)
    skels = root / "train.skels"
    lines = skels.read_text().splitlines(keepends=True)
    kind = data.draw(st.sampled_from(["line", "bytes", "text"]))
    if kind == "line":
        n = data.draw(st.integers(0, len(lines) - 1))
        lines[n] = data.draw(st.sampled_from(_BAD_SKELS_LINES)) + "\n"
        skels.write_text("".join(lines))
    elif kind == "bytes":
        skels.write_bytes(data.draw(corrupted(skels.read_bytes())))
    else:
        text = root / "train.text"
        text.write_bytes(data.draw(st.sampled_from([b"one\n", b"gr\xfc\xdf\n" * 3])))
    names = ("train.skels", "train.text", "train.files")

    def read_all() -> None:
        for sequence in read_split(skels):
            _reads_or_names(lambda s=sequence: read_phoenix_sequence(s.path), "train.skels#")

    _reads_or_names(read_all, *names)
    strict = data.draw(st.booleans())
    run = functools.partial(prepare_phoenix, root, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- .npy and .npz arrays --------------------------------------------------------------------

_SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)
_DTYPES = st.sampled_from([np.float32, np.float64, np.int16, np.bool_, np.complex64])


@st.composite
def array_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, content) of an array file with any shape, dtype and values."""
    array = draw(hnp.arrays(draw(_DTYPES), _SHAPES))  # floats include NaN and infinities
    buffer = io.BytesIO()
    if draw(st.booleans()):
        np.save(buffer, array)
        suffix = ".npy"
    else:
        arrays = {draw(st.sampled_from(["keypoints", "pose", "other"])): array}
        if draw(st.booleans()):
            arrays["confidence"] = draw(hnp.arrays(np.float32, _SHAPES))
        np.savez(buffer, **arrays)
        suffix = ".npz"
    content = buffer.getvalue()
    return suffix, draw(corrupted(content)) if draw(st.booleans()) else content


@SMALL
@given(file=array_file(), strict=st.booleans())
def test_array_files(tmp_path: Path, file: tuple[str, bytes], strict: bool) -> None:
    suffix, content = file
    root = _folder(tmp_path)
    path = root / f"bad{suffix}"
    path.write_bytes(content)
    _reads_or_names(lambda: read_arrays(path), path.name)
    rows = [{"path": path.name, "sentence": "bad", "split": "train"}]
    for k in range(2):
        np.save(root / f"good{k}.npy", np.full((3, 5, 3), 0.5, np.float32))
        rows.append({"path": f"good{k}.npy", "sentence": f"good {k}", "split": "train"})
    manifest = root / "m.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    run = functools.partial(prepare_manifest, manifest, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- manifests -------------------------------------------------------------------------------

_CELLS = st.sampled_from(["a.npy", "b.npy", "missing.npy", "train", "dev", "nope", "x", ""])


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
            st.lists(
                _CELLS | st.text(max_size=5), min_size=len(columns), max_size=len(columns) + 1
            ),
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


@SMALL
@given(file=manifest_file())
def test_manifests(tmp_path: Path, file: tuple[str, bytes]) -> None:
    suffix, content = file
    root = _folder(tmp_path)
    for name in ("a", "b"):
        np.save(root / f"{name}.npy", np.full((3, 5, 3), 0.5, np.float32))
    manifest = root / f"clips{suffix}"
    manifest.write_bytes(content)
    _reads_or_names(lambda: read_manifest(manifest), manifest.name)
    _prepares_or_leaves_nothing(
        functools.partial(prepare_manifest, manifest, **PREPARE), root / "out"
    )
