"""Malformed input to every reader: it reads, or raises an InputError naming the file."""

import functools
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_how2sign_folder
from keypoint_files import pose_bytes, random_joints, random_pose, write_phoenix_split
from malformed_files import (
    BAD_SKELS_LINES,
    array_file,
    corrupted,
    manifest_file,
    openpose_frame,
    pose_file,
    reads_or_names,
)
from sign2text.data.prepare import (
    prepare_how2sign,
    prepare_manifest,
    prepare_phoenix,
    prepare_pose_folder,
)
from sign2text.data.readers.arrays import read_arrays
from sign2text.data.readers.how2sign import read_table
from sign2text.data.readers.manifest import read_manifest
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.data.readers.phoenix import read_phoenix_sequence, read_split
from sign2text.data.readers.pose_file import read_pose_file
from sign2text.errors import InputError

SMALL = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # each example gets its folder
)
PREPARE = {"workers": 1, "progress": False, "vocab_size": 100}


def _prepares_or_leaves_nothing(run: Callable[[Path], object], out: Path) -> None:
    """`run(out)` makes a complete dataset at `out`, or raises InputError and leaves none."""
    try:
        run(out)
    except InputError:
        assert not out.exists()
    else:
        # a download may hold only some splits (issue 18): every split prepared is complete
        meta = json.loads((out / "meta.json").read_text())
        prepared = [split for split, counts in meta["splits"].items() if counts["clips"]]
        assert prepared
        for split in prepared:
            assert (out / f"{split}.npy").exists() and (out / f"{split}.jsonl").exists()
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".partial")]


def _folder(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp_path))


# --- OpenPose folders and How2Sign tables ----------------------------------------------------


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
        reads_or_names(lambda: read_openpose_folder(clip), target.name, clip.name)
    else:  # no frame files at all
        for frame in frames:
            frame.unlink()
        reads_or_names(lambda: read_openpose_folder(clip), clip.name)
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
    reads_or_names(lambda: read_table(table), table.name)
    strict = data.draw(st.booleans())
    run = functools.partial(prepare_how2sign, root, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- .pose files -----------------------------------------------------------------------------


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
    reads_or_names(lambda: read_pose_file(path), path.name)
    run = functools.partial(prepare_pose_folder, root, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- PHOENIX skeleton text -------------------------------------------------------------------


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
        lines[n] = data.draw(st.sampled_from(BAD_SKELS_LINES)) + "\n"
        skels.write_text("".join(lines))
    elif kind == "bytes":
        skels.write_bytes(data.draw(corrupted(skels.read_bytes())))
    else:
        text = root / "train.text"
        text.write_bytes(data.draw(st.sampled_from([b"one\n", b"gr\xfc\xdf\n" * 3])))
    names = ("train.skels", "train.text", "train.files")

    def read_all() -> None:
        for sequence in read_split(skels):
            reads_or_names(lambda s=sequence: read_phoenix_sequence(s.path), "train.skels#")

    reads_or_names(read_all, *names)
    strict = data.draw(st.booleans())
    run = functools.partial(prepare_phoenix, root, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- .npy and .npz arrays --------------------------------------------------------------------


@SMALL
@given(file=array_file(), strict=st.booleans())
def test_array_files(tmp_path: Path, file: tuple[str, bytes], strict: bool) -> None:
    suffix, content = file
    root = _folder(tmp_path)
    path = root / f"bad{suffix}"
    path.write_bytes(content)
    reads_or_names(lambda: read_arrays(path), path.name)
    rows = [{"path": path.name, "sentence": "bad", "split": "train"}]
    for k in range(2):
        np.save(root / f"good{k}.npy", np.full((3, 5, 3), 0.5, np.float32))
        rows.append({"path": f"good{k}.npy", "sentence": f"good {k}", "split": "train"})
    manifest = root / "m.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    run = functools.partial(prepare_manifest, manifest, strict=strict, **PREPARE)
    _prepares_or_leaves_nothing(run, root / "out")


# --- manifests -------------------------------------------------------------------------------


@SMALL
@given(file=manifest_file())
def test_manifests(tmp_path: Path, file: tuple[str, bytes]) -> None:
    suffix, content = file
    root = _folder(tmp_path)
    for name in ("a", "b"):
        np.save(root / f"{name}.npy", np.full((3, 5, 3), 0.5, np.float32))
    manifest = root / f"clips{suffix}"
    manifest.write_bytes(content)
    reads_or_names(lambda: read_manifest(manifest), manifest.name)
    _prepares_or_leaves_nothing(
        functools.partial(prepare_manifest, manifest, **PREPARE), root / "out"
    )
