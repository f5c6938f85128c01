import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import make_how2sign_folder, shared_data
from sign2text.data.dataset import PreparedSplit
from sign2text.data.prepare import prepare_how2sign, shards
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.data.readers.registry import READERS
from sign2text.errors import InputError


def test_prepared_dataset_round_trips_every_clip(tmp_path: Path) -> None:
    rows = make_how2sign_folder(tmp_path / "h2s", {"train": 5, "val": 3, "test": 2})
    report = prepare_how2sign(tmp_path / "h2s", tmp_path / "out", workers=2, progress=False)
    assert report["splits"]["train"] == {"clips": 5, "frames": sum(f for _, f, _ in rows["train"])}
    for split, expected in rows.items():
        data = PreparedSplit(tmp_path / "out", split)
        assert [(c.name, c.frames, c.sentence) for c in data.clips] == expected
        for i, clip in enumerate(data.clips):
            read, _ = read_openpose_folder(tmp_path / "h2s" / "openpose" / clip.name)
            np.testing.assert_array_equal(data.keypoints(i), read.stacked())
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert (meta["layout"]["name"], meta["points"], meta["values"]) == ("openpose137", 137, 3)


def test_mismatches_and_bad_clips_are_reported_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 4, "val": 2})
    (root / "openpose" / "orphan_0-1-rgb_front").mkdir()
    with open(root / "how2sign_realigned_val.csv", "a") as table:
        table.write("x\tx-1\tx_0\tmissing_0-1-rgb_front\t0\t1\tNo clip for me.\n")
    broken = next((root / "openpose" / "vidtrain001_1-1-rgb_front").iterdir())
    broken.write_text('{"people": [{"pose_keypoints_2d": [1, 2')
    report = prepare_how2sign(root, tmp_path / "out", workers=1, progress=False)
    assert report["clips_without_rows"] == ["orphan_0-1-rgb_front"]
    assert report["rows_without_clips"] == [{"split": "val", "name": "missing_0-1-rgb_front"}]
    assert [s["name"] for s in report["skipped"]] == ["vidtrain001_1-1-rgb_front"]
    assert broken.name in report["skipped"][0]["reason"]
    assert report["splits"]["train"]["clips"] == 3
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert saved["skipped"] == report["skipped"]
    with pytest.raises(InputError, match="not valid JSON"):
        prepare_how2sign(root, tmp_path / "strict", workers=1, progress=False, strict=True)
    assert not (tmp_path / "strict").exists()


def test_interrupted_prepare_resumes_to_the_same_result(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 7, "val": 3})
    monkeypatch.setattr(shards, "SHARD_CLIPS", 2)
    prepare_how2sign(root, tmp_path / "clean", workers=1, progress=False)

    calls = {"n": 0}
    original = READERS["openpose"]

    def dies_after_five(path, layout):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt
        return original.read(path, layout)

    monkeypatch.setitem(READERS, "openpose", replace(original, read=dies_after_five))
    with pytest.raises(KeyboardInterrupt):
        prepare_how2sign(root, tmp_path / "resumed", workers=1, progress=False)
    assert not (tmp_path / "resumed").exists()  # nothing that looks complete

    monkeypatch.setitem(READERS, "openpose", original)
    calls["n"] = 0
    prepare_how2sign(root, tmp_path / "resumed", workers=1, progress=False)
    for name in ("train.npy", "train.jsonl", "val.npy", "val.jsonl", "meta.json"):
        assert (tmp_path / "resumed" / name).read_bytes() == (
            tmp_path / "clean" / name
        ).read_bytes()
    assert not (tmp_path / ".resumed.work").exists()


def test_folder_without_tables_or_clips_gets_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no clip folders"):
        prepare_how2sign(tmp_path, tmp_path / "out", progress=False)
    (tmp_path / "openpose" / "a").mkdir(parents=True)
    with pytest.raises(InputError, match="how2sign_realigned"):
        prepare_how2sign(tmp_path, tmp_path / "out", progress=False)


def test_real_how2sign_clips_prepare_with_their_table_rows(tmp_path: Path) -> None:
    source = shared_data("how2sign")
    root = tmp_path / "h2s"
    root.mkdir()
    (root / "openpose").symlink_to(source / "openpose_val")
    for split in ("train", "val"):  # the five real clips are validation clips
        (root / f"how2sign_realigned_{split}.csv").symlink_to(source / "how2sign_realigned_val.csv")
    report = prepare_how2sign(root, tmp_path / "out", workers=2, progress=False)
    assert report["splits"]["val"]["clips"] == 5
    assert len(report["rows_without_clips"]) == 2 * (1741 - 5)
    data = PreparedSplit(tmp_path / "out", "val")
    assert {c.frames for c in data.clips} == {62, 109, 146, 157, 210}


def test_rows_with_an_empty_sentence_are_skipped_and_reported(tmp_path: Path, capsys) -> None:
    from sign2text.cli import main

    root = tmp_path / "h2s"
    rows = make_how2sign_folder(root, {"train": 4, "val": 2})
    table = root / "how2sign_realigned_train.csv"
    lines = table.read_text().splitlines()
    lines[2] = lines[2].rsplit("\t", 1)[0] + "\t  "  # the second train row: a blank SENTENCE
    table.write_text("\n".join(lines) + "\n")
    argv = ["prepare", "how2sign", str(root), "--out", str(tmp_path / "out"), "--workers", "1"]
    assert main(argv) == 0
    assert "no sentence: 1" in capsys.readouterr().out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    blank = rows["train"][1][0]
    assert report["no_sentence"] == [{"split": "train", "name": blank}]
    assert report["clips_without_rows"] == []
    names = [c.name for c in PreparedSplit(tmp_path / "out", "train").clips]
    assert names == [name for name, _, _ in rows["train"] if name != blank]


def test_clips_of_the_wrong_point_count_are_named_with_what_was_expected(
    tmp_path: Path,
) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 2})
    for frame in (root / "openpose").rglob("*.json"):
        data = json.loads(frame.read_text())
        person = data["people"][0]
        person["hand_right_keypoints_2d"] = person["hand_right_keypoints_2d"][:30]  # 10 points
        frame.write_text(json.dumps(data))
    with pytest.raises(InputError) as error:
        prepare_how2sign(root, tmp_path / "out", workers=1, progress=False)
    message = str(error.value)
    assert "None" not in message
    assert "none of the 2 clips could be read as layout 'openpose137' (137 points)" in message
    assert "'hand_right_keypoints_2d' has 30 numbers, expected 63" in message
    assert [p.name for p in tmp_path.iterdir()] == ["h2s"]  # no dataset, no work folder


def test_a_download_with_only_some_splits_prepares_them_and_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sign2text import config as configuration
    from sign2text.cli import main
    from sign2text.training.data import load_data

    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"val": 3})  # How2Sign's val split alone
    argv = ["prepare", "how2sign", str(root), "--out", str(tmp_path / "out"), "--workers", "1"]
    assert main(argv) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["splits"] == {"val": {"clips": 3, "frames": report["splits"]["val"]["frames"]}}
    assert report["missing_splits"] == ["train", "test"] and report["tokenizer"] is None
    assert "missing splits: train, test (`train` needs train and val)" in capsys.readouterr().out
    assert len(PreparedSplit(tmp_path / "out", "val")) == 3
    config = configuration.load(None, [f"data.prepared={tmp_path / 'out'}"])
    with pytest.raises(InputError, match="has no 'train' split \\(its splits: val 3 clips\\)"):
        load_data(config)


def test_skip_reasons_are_grouped_on_the_console_and_an_empty_split_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sign2text.cli import main

    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 4, "val": 2, "test": 2})
    for name in (
        "vidtrain001_1-1-rgb_front",
        "vidtest000_0-1-rgb_front",
        "vidtest001_1-1-rgb_front",
    ):
        next((root / "openpose" / name).iterdir()).write_text('{"people": [{"pose_keypoints')
    argv = ["prepare", "how2sign", str(root), "--out", str(tmp_path / "out"), "--workers", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "skipped: 3" in out
    assert "3 x not valid JSON (e.g. vidtrain001_1-1-rgb_front)" in out
    assert "empty splits: test (every clip of theirs was skipped)" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["empty_splits"] == ["test"] and report["missing_splits"] == []
    assert report["splits"]["test"] == {"clips": 0, "frames": 0}


def test_a_sentencepiece_vocabulary_capped_by_the_data_is_said_and_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 4, "val": 1})
    report = prepare_how2sign(
        root, tmp_path / "out", tokenizer="sentencepiece", vocab_size=8000, progress=False
    )
    vocabulary = report["tokenizer"]
    assert vocabulary["file"] == "tokenizer-sentencepiece-8000.bin"
    assert vocabulary["vocab_size"] == 8000 and 8 <= vocabulary["size"] < 100
    assert f"has {vocabulary['size']} pieces, not the 8,000 text.vocab_size asks for" in (
        caplog.text
    )
