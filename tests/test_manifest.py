import csv
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import shared_data, write_openpose_clip
from keypoint_files import write_pose
from sign2text.cli import main
from sign2text.data.dataset import PreparedSplit
from sign2text.data.prepare import prepare_manifest
from sign2text.data.readers.arrays import read_arrays
from sign2text.data.readers.manifest import read_manifest
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.data.readers.pose_file import read_pose_file, read_pose_info
from sign2text.errors import InputError


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    """Rows as CSV, TSV or JSONL, by `path`'s extension."""
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        return path
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if path.suffix == ".tsv":  # TSV cells are not quoted
        lines = ["\t".join(columns), *("\t".join(row.get(c, "") for c in columns) for row in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _openpose_and_arrays(root: Path) -> tuple[list[dict[str, str]], dict[str, np.ndarray]]:
    """OpenPose folders, .npy and .npz clips, all in OPENPOSE_137's point order."""
    rng = np.random.default_rng(0)
    rows, stacked = [], {}
    for k in range(6):
        keypoints = rng.uniform(0, 1, (4 + k, 137, 3)).astype(np.float32)
        name = f"clip{k}"
        if k % 3 == 0:
            write_openpose_clip(root / "openpose" / name, keypoints)
            path = f"openpose/{name}"
        elif k % 3 == 1:
            np.save(root / f"{name}.npy", keypoints)
            path = f"{name}.npy"
        else:
            np.savez(
                root / f"{name}.npz", keypoints=keypoints[..., :2], confidence=keypoints[..., 2]
            )
            path = str(root / f"{name}.npz")  # absolute paths work too
        split = ("train", "dev", "test")[k % 3] if k > 2 else "train"
        rows.append({"path": path, "sentence": f"Sentence, number {k}.", "split": split})
        stacked[name] = keypoints
    return rows, stacked


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_manifest_of_openpose_folders_and_arrays_round_trips(tmp_path: Path, suffix: str) -> None:
    rows, stacked = _openpose_and_arrays(tmp_path)
    manifest = write_manifest(tmp_path / f"clips{suffix}", rows)
    report = prepare_manifest(manifest, tmp_path / "out", layout="openpose137", progress=False)
    assert {s: c["clips"] for s, c in report["splits"].items()} == {
        "train": 4,
        "val": 1,
        "test": 1,
    }
    assert "val_from_train" not in report  # dev rows are the val split
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert (meta["layout"]["name"], meta["fps"]) == ("openpose137", 24.0)
    for split in ("train", "val", "test"):
        data = PreparedSplit(tmp_path / "out", split)
        for i, clip in enumerate(data.clips):
            assert clip.sentence == f"Sentence, number {clip.name[-1]}."
            assert clip.signer == clip.name  # no signer column: the clip is its own signer
            np.testing.assert_allclose(data.keypoints(i), stacked[clip.name], rtol=1e-6)
    first = read_openpose_folder(tmp_path / "openpose" / "clip0")[0]
    np.testing.assert_array_equal(
        PreparedSplit(tmp_path / "out", "train").keypoints(0), first.stacked()
    )


def test_arrays_without_a_named_layout_get_a_generic_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = []
    for k in range(5):
        np.save(tmp_path / f"a{k}.npy", rng.uniform(0, 1, (3, 12, 4)).astype(np.float32))
        rows.append({"path": f"a{k}.npy", "sentence": f"s {k}", "split": "train", "signer": "x"})
    manifest = write_manifest(tmp_path / "m.csv", rows)
    report = prepare_manifest(manifest, tmp_path / "out", fps=30.0, progress=False)
    assert len(report["val_from_train"]) == 1
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert (meta["layout"]["name"], meta["values"], meta["fps"]) == ("generic12", 4, 30.0)
    assert meta["layout"]["centre"] == [f"p{i}" for i in range(12)]
    clip = PreparedSplit(tmp_path / "out", "train").clips[0]
    np.testing.assert_array_equal(
        PreparedSplit(tmp_path / "out", "train").keypoints(0),
        read_arrays(tmp_path / f"{clip.name}.npy").stacked(),
    )
    assert clip.signer == "x"


def _real_pose_groups() -> dict[tuple[str, int], list[Path]]:
    """Every real .pose sample, grouped by layout and dimensions."""
    groups: dict[tuple[str, int], list[Path]] = {}
    for path in sorted(shared_data().rglob("*.pose")):
        info = read_pose_info(path)
        groups.setdefault((info.layout.name, info.dims), []).append(path)
    return groups


def test_every_real_pose_sample_prepares_from_a_manifest(tmp_path: Path) -> None:
    signs = {}
    index = shared_data("isolated", "fingerspelling_index.csv")
    with open(index, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            signs[Path(row["path"]).name] = row["words"]
    for (layout, dims), paths in _real_pose_groups().items():
        rows = [
            {
                "path": str(path),
                "sentence": signs.get(path.name, path.stem.rsplit("-", 1)[-1]),
                "split": "train",
                "name": f"{path.parent.name}-{path.stem}",
            }
            for path in paths
        ]
        if len(rows) == 1:  # a dataset needs a train clip besides the held-out val clip
            rows.append({**rows[0], "name": rows[0]["name"] + "-again"})
        out = tmp_path / f"{layout}-{dims}"
        report = prepare_manifest(
            write_manifest(tmp_path / f"{layout}.jsonl", rows), out, progress=False
        )
        assert report["skipped"] == []
        meta = json.loads((out / "meta.json").read_text())
        assert (meta["layout"]["name"], meta["values"]) == (layout, dims + 1)
        by_name = {row["name"]: Path(row["path"]) for row in rows}
        for split in ("train", "val"):
            data = PreparedSplit(out, split)
            for i, clip in enumerate(data.clips):
                expected = read_pose_file(by_name[clip.name]).stacked()
                np.testing.assert_array_equal(data.keypoints(i), expected)


def test_mixed_pose_files_are_refused_naming_both_lines(tmp_path: Path) -> None:
    folder = shared_data("isolated", "pose_eval_asl", "mixed")
    rows = [
        {"path": str(folder / "SbTU6uS4cc1tZpqCnE3g.pose"), "sentence": "a", "split": "train"},
        {
            "path": str(folder / "000017451997373907346-LIBRARY.pose"),
            "sentence": "b",
            "split": "train",
        },
    ]
    manifest = write_manifest(tmp_path / "mixed.csv", rows)
    with pytest.raises(InputError) as error:
        prepare_manifest(manifest, tmp_path / "out", progress=False)
    message = str(error.value)
    assert "mixed.csv: line 3:" in message and "holistic576" in message
    assert "line 2 is holistic553" in message and "one manifest per layout" in message
    assert not (tmp_path / "out").exists()


def _error(tmp_path: Path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(InputError) as error:
        read_manifest(path)
    assert str(error.value).startswith(f"{path}: ")
    return str(error.value)


def test_manifest_errors_name_the_file_the_line_and_the_fix(tmp_path: Path) -> None:
    write_pose(tmp_path / "a.pose")
    write_pose(tmp_path / "sub" / "a.pose")
    header = "path,sentence,split\n"
    message = _error(tmp_path, "m1.csv", "path,text,split\na.pose,hi,train\n")
    assert "missing column(s) sentence; found ['path', 'text', 'split']" in message
    assert "a manifest needs path, sentence, split" in message
    message = _error(tmp_path, "m2.csv", header + "a.pose,hi,train\nsub/a.pose,ho,validation\n")
    assert "line 3: unknown split 'validation'" in message and "'dev'" in message
    message = _error(tmp_path, "m3.csv", header + "a.pose,hi,train\nmissing.pose,ho,test\n")
    assert "line 3: missing.pose does not exist" in message and "manifest's folder" in message
    message = _error(tmp_path, "m4.csv", header + "a.pose,hi,train\nsub/a.pose,ho,test\n")
    assert "line 3: the name 'a' is already used by line 2" in message
    assert "`name` column" in message
    message = _error(
        tmp_path, "m5.tsv", "path\tsentence\tsplit\na.pose\tgr\xfc\xdf\ttrain\n".encode("cp1252")
    )
    assert "line 2 is not UTF-8 (byte b'\\xfc')" in message and "iconv" in message
    message = _error(tmp_path, "m6.csv", header + "a.pose,hi\n")
    assert "line 2 has 2 cells, the header has 3" in message
    message = _error(
        tmp_path, "m7.jsonl", '{"path": "a.pose", "sentence": "x", "split": "train"}\n{"path": '
    )
    assert "line 2 is not valid JSON" in message
    message = _error(tmp_path, "m8.jsonl", '{"path": "a.pose", "split": "train"}\n')
    assert "line 1: missing column(s) sentence" in message
    message = _error(tmp_path, "m9.csv", "path,sentence,split,layout\na.pose,hi,train,body25\n")
    assert "line 2: unknown layout 'body25'" in message and "openpose137" in message
    message = _error(tmp_path, "m10.txt", header)
    assert "use .csv, .tsv or .jsonl" in message
    message = _error(tmp_path, "m11.csv", header)
    assert "the manifest lists no clips" in message


def test_manifest_rows_are_read_with_defaults_and_dev_as_val(tmp_path: Path) -> None:
    write_pose(tmp_path / "clips" / "a.pose")
    (tmp_path / "clips" / "folder").mkdir()
    rows = [
        {"path": "clips/a.pose", "sentence": ' "Quoted" words ', "split": "Dev", "signer": ""},
        {"path": "clips/folder", "sentence": "x", "split": "test", "signer": "s1", "name": "f"},
    ]
    for suffix in (".csv", ".tsv", ".jsonl"):
        clips = read_manifest(write_manifest(tmp_path / f"m{suffix}", rows))
        assert [(c.name, c.split, c.signer, c.sentence) for c in clips] == [
            ("a", "val", "a", '"Quoted" words'),
            ("f", "test", "s1", "x"),
        ]
        assert clips[0].path == tmp_path / "clips" / "a.pose"
        assert clips[0].line == (1 if suffix == ".jsonl" else 2)  # tables have a header line


def test_cli_prepares_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for k in range(3):
        write_pose(tmp_path / f"c{k}.pose", seed=k)
    rows = [{"path": f"c{k}.pose", "sentence": f"hello {k}", "split": "train"} for k in range(3)]
    manifest = write_manifest(tmp_path / "m.csv", rows)
    assert main(["prepare", "manifest", str(manifest), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "no val split: 1 train clips held out as val" in printed
    assert (tmp_path / "prepared" / "meta.json").exists()
    assert main(["prepare", "manifest", str(manifest), "--layout", "nope"]) == 2
    assert "unknown layout 'nope'" in capsys.readouterr().err
