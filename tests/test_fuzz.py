"""Fuzzing, 1,000 examples each: every reader and the configuration either succeed or raise
the project's one-line error (InputError, ConfigError); no other exception, no traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_openpose_clip
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
from sign2text import config as configuration
from sign2text.data.readers.arrays import read_arrays
from sign2text.data.readers.how2sign import COLUMNS, read_table
from sign2text.data.readers.manifest import list_pose_folder, read_manifest
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.data.readers.phoenix import read_phoenix_sequence, read_split
from sign2text.data.readers.pose_file import read_pose_file, read_pose_info
from test_config_numbers import EDGE_VALUES, KEYS, loads_or_config_error

pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,  # the same examples on every machine and every run
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- readers: one file damaged per example, rewritten in place ---------------------------------


@FUZZ
@given(data=st.data())
def test_openpose_frames(tmp_path: Path, data: st.DataObject) -> None:
    clip = tmp_path / "clip"
    if not clip.exists():
        rng = np.random.default_rng(0)
        write_openpose_clip(clip, rng.uniform(1, 600, (3, 137, 3)).astype(np.float32))
    frames = sorted(clip.iterdir())
    target = frames[data.draw(st.integers(0, len(frames) - 1))]
    valid = frames[0].read_bytes() if target != frames[0] else frames[1].read_bytes()
    target.write_bytes(data.draw(openpose_frame(valid)))
    reads_or_names(lambda: read_openpose_folder(clip), target.name, clip.name)
    target.write_bytes(valid)


HEADER = "\t".join(COLUMNS)
ROW = "v{0}\tv{0}-1-rgb_front\tv{0}_0\tv{0}_0-1-rgb_front\t0.0\t1.0\tSentence {0} here."


@st.composite
def table_text(draw: st.DrawFn) -> bytes:
    rows = [ROW.format(k) for k in range(draw(st.integers(0, 3)))]
    cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
    extra = ["\t".join(draw(st.lists(cells, max_size=8))) for _ in range(draw(st.integers(0, 2)))]
    text = "\n".join([HEADER, *rows, *extra]).encode("utf-8")
    return draw(corrupted(text)) if draw(st.booleans()) else text


@FUZZ
@given(content=table_text())
def test_how2sign_tables(tmp_path: Path, content: bytes) -> None:
    table = tmp_path / "how2sign_realigned_train.csv"
    table.write_bytes(content)
    reads_or_names(lambda: read_table(table), table.name)


@FUZZ
@given(content=pose_file())
def test_pose_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "clip.pose"
    path.write_bytes(content)
    reads_or_names(lambda: read_pose_info(path), path.name)
    reads_or_names(lambda: read_pose_file(path), path.name)


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_pose_folders_and_their_metadata(tmp_path: Path, content: bytes) -> None:
    folder = tmp_path / "poses"
    if not folder.exists():
        (folder / "train").mkdir(parents=True)
        (folder / "train" / "a.pose").write_bytes(pose_bytes(*random_pose(2)))
    (folder / "train" / "a.json").write_bytes(content)  # the metadata holding its sentence
    reads_or_names(lambda: list_pose_folder(folder), "a.json", str(folder))


@FUZZ
@given(data=st.data())
def test_phoenix_skeletons(tmp_path: Path, data: st.DataObject) -> None:
    sequences = [(f"s{i}", f"satz {i}", random_joints(2, seed=i)) for i in range(2)]
    write_phoenix_split(tmp_path, "train", sequences)
    skels = tmp_path / "train.skels"
    kind = data.draw(st.sampled_from(["line", "bytes", "text", "files"]))
    if kind == "line":
        lines = skels.read_text().splitlines(keepends=True)
        bad = data.draw(st.sampled_from(BAD_SKELS_LINES) | st.text(max_size=40))
        lines[data.draw(st.integers(0, len(lines) - 1))] = bad + "\n"
        skels.write_text("".join(lines))
    elif kind == "bytes":
        skels.write_bytes(data.draw(corrupted(skels.read_bytes())))
    else:
        other = tmp_path / f"train.{kind}"
        other.write_bytes(data.draw(corrupted(other.read_bytes())))

    def read_all() -> None:
        for sequence in read_split(skels):
            reads_or_names(lambda s=sequence: read_phoenix_sequence(s.path), "train.skels#")

    reads_or_names(read_all, "train.skels", "train.text", "train.files")


@FUZZ
@given(file=array_file())
def test_array_files(tmp_path: Path, file: tuple[str, bytes]) -> None:
    suffix, content = file
    path = tmp_path / f"clip{suffix}"
    path.write_bytes(content)
    reads_or_names(lambda: read_arrays(path), path.name)


@FUZZ
@given(file=manifest_file())
def test_manifests(tmp_path: Path, file: tuple[str, bytes]) -> None:
    suffix, content = file
    for name in ("a", "b"):
        if not (tmp_path / f"{name}.npy").exists():
            np.save(tmp_path / f"{name}.npy", np.full((3, 5, 3), 0.5, np.float32))
    manifest = tmp_path / f"clips{suffix}"
    manifest.write_bytes(content)
    reads_or_names(lambda: read_manifest(manifest), manifest.name)


# --- configuration: overrides and whole files ---------------------------------------------------

EDGES = st.sampled_from(EDGE_VALUES)
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, 2**32, 2**63]),
)
YAML_VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@st.composite
def override(draw: st.DrawFn) -> str:
    """`KEY=VALUE`: mostly a known key with an edge value (0, -1, huge, ...), else any key,
    any YAML value, or text that is no override at all."""
    key = draw(st.sampled_from(KEYS))
    if not draw(st.integers(0, 4)):
        key = draw(st.text(max_size=12) | st.sampled_from([f"{key}.x", f"{key}.", ".", ""]))
    kind = draw(st.sampled_from(["edge", "edge", "yaml", "text"]))
    if kind == "edge":
        value = str(draw(EDGES | NUMBERS))
    elif kind == "yaml":
        value = yaml.safe_dump(draw(YAML_VALUES), default_flow_style=True).strip()
    else:
        value = draw(st.text(max_size=20) | st.sampled_from(["nan", ".inf", "9" * 5000, "[", "{"]))
    return f"{key}={value}" if draw(st.integers(0, 9)) else draw(st.text(max_size=20))


@FUZZ
@given(overrides=st.lists(override(), max_size=4))
def test_config_overrides(overrides: list[str]) -> None:
    loads_or_config_error(lambda: configuration.load(None, overrides))


@st.composite
def config_document(draw: st.DrawFn) -> object:
    """A config file's content: known keys with edge or any values, or any YAML value."""
    if not draw(st.integers(0, 3)):
        return draw(YAML_VALUES)
    document: dict = {}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=5)):
        section, _, name = key.rpartition(".")
        value = draw(EDGES | YAML_VALUES)
        if section:
            document.setdefault(section, {})[name] = value
        else:
            document[name] = value
    return document


@FUZZ
@given(document=config_document(), text=st.binary(max_size=100), as_text=st.booleans())
def test_config_files(tmp_path: Path, document: object, text: bytes, as_text: bool) -> None:
    path = tmp_path / "config.yaml"
    if as_text:
        path.write_bytes(text)
    else:
        path.write_text(yaml.safe_dump(document))
    loads_or_config_error(lambda: configuration.load(path))
    loads_or_config_error(lambda: configuration.load(path, saved=True))
