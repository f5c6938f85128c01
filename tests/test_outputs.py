"""No command deletes or replaces what it did not write, nor writes into its own input: every
refusal is one line naming the path and the fix, with a non-zero exit and nothing changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import make_how2sign_folder, write_openpose_clip
from sign2text import training
from sign2text.cli import main
from sign2text.data.layouts import Layout
from sign2text.data.prepare import shards
from sign2text.data.readers.registry import READERS


def tree(root: Path) -> dict[str, str]:
    """Relative path -> sha256 (or "folder") of everything below `root`, hidden files too."""
    return {
        str(p.relative_to(root)): "folder"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
    }


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], *expected: str) -> str:
    """Run the command; it must exit 2 with one error line holding each of `expected`."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("sign2text: error: ")]
    assert len(errors) == 1, err
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A small How2Sign-layout folder."""
    make_how2sign_folder(tmp_path / "RAW", {"train": 3, "val": 2})
    return tmp_path / "RAW"


@pytest.fixture
def thesis(tmp_path: Path) -> Path:
    """A user's folder that no command wrote."""
    folder = tmp_path / "thesis"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("three years of work")
    (folder / "sub" / "figure.svg").write_text("<svg/>")
    return folder


def prepare_argv(raw: Path, out: Path | str, *more: str) -> list[str]:
    return ["prepare", "how2sign", str(raw), "--out", str(out), "--workers", "1", *more]


# -- prepare ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("out", "problem"),
    [
        ("RAW", "holds the input"),
        ("RAW/openpose", "is the input"),
        ("RAW/openpose/sub", "lies inside the input"),
        ("RAW/openpose/vidtrain000_0-1-rgb_front/prepared", "lies inside the input"),
        ("RAW/how2sign_realigned_train.csv", "is a file"),
    ],
)
def test_prepare_refuses_its_own_input(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str, problem: str
) -> None:
    before = tree(tmp_path)
    line = refused(capsys, prepare_argv(raw, tmp_path / out), str(tmp_path / out), problem)
    assert "--out" in line
    assert tree(tmp_path) == before


def test_prepare_refuses_a_users_folder_and_file(
    raw: Path, thesis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(tmp_path)
    refused(
        capsys,
        prepare_argv(raw, thesis),
        f"{thesis}: is not empty and is not a prepared dataset",
        "thesis.txt",
        "pass --out a new or empty folder",
    )
    notes = tmp_path / "notes.md"
    notes.write_text("my notes")
    refused(capsys, prepare_argv(raw, notes), f"{notes}: is a file", "--out")
    refused(capsys, prepare_argv(raw, notes / "prepared"), f"lies inside the file {notes}")
    assert tree(tmp_path) == {**before, "notes.md": hashlib.sha256(b"my notes").hexdigest()}


def test_prepare_out_dot_is_refused_and_leaves_nothing(
    raw: Path, thesis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    before = tree(tmp_path)
    monkeypatch.chdir(thesis)
    refused(capsys, prepare_argv(raw, "."), str(thesis), "--out")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    refused(capsys, prepare_argv(raw, "."), f"{empty}: is the current folder")
    monkeypatch.chdir(raw)
    refused(capsys, prepare_argv(".", "."), f"{raw}: holds the input")
    assert tree(tmp_path) == {**before, "empty": "folder"}


def test_prepare_resumes_and_replaces_its_own_dataset_only_when_asked(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    out = tmp_path / "prepared"
    calls = {"n": 0}
    original = READERS["openpose"]

    def dies_after_two(path: Path, layout: Layout | None):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return original.read(path, layout)

    monkeypatch.setattr(shards, "SHARD_CLIPS", 1)
    monkeypatch.setitem(READERS, "openpose", replace(original, read=dies_after_two))
    with pytest.raises(KeyboardInterrupt):
        main(prepare_argv(raw, out))
    assert (tmp_path / ".prepared.work").is_dir() and not out.exists()
    monkeypatch.setitem(READERS, "openpose", original)
    assert main(prepare_argv(raw, out)) == 0  # resumes: no --overwrite needed
    assert not (tmp_path / ".prepared.work").exists()
    first = tree(out)

    table = raw / "how2sign_realigned_val.csv"
    table.write_text(table.read_text().replace("Sentence 0 of val", "Changed 0 of val"))
    capsys.readouterr()
    refused(
        capsys, prepare_argv(raw, out), f"{out}: already holds a prepared dataset", "--overwrite"
    )
    assert tree(out) == first
    assert main(prepare_argv(raw, out, "--overwrite")) == 0
    assert "Changed 0 of val" in (out / "val.jsonl").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RAW", "prepared"]  # no debris

    (out / "my_notes.txt").write_text("keep me")
    capsys.readouterr()
    refused(
        capsys,
        prepare_argv(raw, out, "--overwrite"),
        "is a prepared dataset but also holds my_notes.txt, which prepare did not write",
    )
    assert (out / "my_notes.txt").read_text() == "keep me"


# -- train, evaluate -------------------------------------------------------------------------
@pytest.fixture
def fake_training(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replaces training by a stub that records the run folder it was given."""
    started: list[Path] = []

    def train(config, run_dir, **options):
        started.append(Path(run_dir))
        return {"rank": 0, "status": "finished", "epochs": 0, "seconds": 0.0, "parameters": 0,
                "best_val_loss": 0.0}  # fmt: skip

    monkeypatch.setattr(training, "train", train)
    return started


def train_argv(prepared: Path, run_dir: Path, *more: str) -> list[str]:
    return ["train", "--set", f"data.prepared={prepared}", "--run-dir", str(run_dir), *more]


def test_train_refuses_a_folder_that_is_not_a_run(
    random_prepared: Path,
    thesis: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_training: list[Path],
) -> None:
    before = tree(thesis)
    refused(
        capsys,
        train_argv(random_prepared, thesis),
        f"{thesis}: is not empty and is not a run folder",
        "--run-dir",
    )
    assert tree(thesis) == before
    refused(capsys, train_argv(random_prepared, random_prepared), "is the input", "--run-dir")
    refused(capsys, train_argv(random_prepared, random_prepared / "run"), "lies inside the input")
    (tmp_path / "file").write_text("x")
    refused(capsys, train_argv(random_prepared, tmp_path / "file"), "is a file")
    assert fake_training == []


def test_train_refuses_a_finished_run_unless_overwritten(
    random_prepared: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_training: list[Path],
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "history.json").write_text("{}")
    refused(capsys, train_argv(random_prepared, run), "already holds a run", f"--resume {run}")
    assert main(train_argv(random_prepared, run, "--overwrite")) == 0
    assert main(train_argv(random_prepared, tmp_path / "new")) == 0
    assert fake_training == [run, tmp_path / "new"]


def test_evaluate_refuses_an_evaluation_folder_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "eval_test").write_text("a file")
    refused(capsys, ["evaluate", str(run)], f"{run / 'eval_test'}: is a file")
    (run / "eval_val").mkdir()
    (run / "eval_val" / "mine.txt").write_text("x")
    refused(
        capsys,
        ["evaluate", str(run), "--split", "val"],
        "is not empty and is not an evaluation folder (it holds mine.txt)",
    )
    assert (run / "eval_test").read_text() == "a file"


# -- compare, plot, show, extract ------------------------------------------------------------
def test_single_file_outputs_are_replaced_only_with_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    history = {
        "epoch": [1, 2],
        "train_loss": [3.0, 2.0],
        "val_loss": [3.5, 2.5],
        "lr": [1e-3, 1e-4],
    }
    (run / "history.json").write_text(json.dumps(history))
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"my own picture")
    refused(capsys, ["plot", str(run), "-o", str(mine)], f"{mine}: already exists", "--overwrite")
    refused(
        capsys,
        ["plot", str(run), "-o", str(run / "history.json"), "--overwrite"],
        "is the input",
    )
    assert json.loads((run / "history.json").read_text()) == history
    assert mine.read_bytes() == b"my own picture"
    assert main(["plot", str(run), "-o", str(mine), "--overwrite"]) == 0
    assert mine.read_bytes()[:4] == b"\x89PNG"

    (tmp_path / "table.tex").write_text("my table")
    refused(capsys, ["compare", str(run), "-o", str(tmp_path / "table")], "table.tex: already")
    assert not (tmp_path / "table.md").exists()
    refused(capsys, ["compare", str(run), "-o", str(tmp_path)], "is a folder, not a file name")

    rng = np.random.default_rng(0)
    write_openpose_clip(tmp_path / "clip", rng.uniform(100, 600, (3, 137, 3)).astype(np.float32))
    (tmp_path / "clip.gif").write_bytes(b"my gif")
    monkeypatch.chdir(tmp_path)
    refused(capsys, ["show", str(tmp_path / "clip")], "clip.gif: already exists")
    refused(capsys, ["show", "clip", "-o", "clip/anim.gif"], "lies inside the input")
    assert (tmp_path / "clip.gif").read_bytes() == b"my gif"


def test_extract_refuses_a_file_as_folder_and_its_own_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not decoded")
    (tmp_path / "poses").write_text("a file")
    refused(capsys, ["extract", str(video), "--out", str(tmp_path / "poses")], "is a file")
    pose = tmp_path / "signer.pose"
    pose.write_bytes(b"keypoints")
    refused(capsys, ["extract", str(pose), "--out", str(tmp_path), "--overwrite"], "is the input")
    assert pose.read_bytes() == b"keypoints"


# -- tune, synth -----------------------------------------------------------------------------
def test_tune_refuses_a_folder_that_is_not_a_search(
    random_prepared: Path, thesis: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(thesis)
    argv = ["tune", "--config", "demo", "--set", f"data.prepared={random_prepared}"]
    argv += ["--trials", "1", "--epochs", "1", "--out", str(thesis)]
    refused(capsys, argv, f"{thesis}: is not empty and is not a search folder", "--out")
    assert tree(thesis) == before


def test_synth_replaces_only_its_own_corpus_and_only_when_asked(
    thesis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["synth", "--size", "tiny", "--limit", "1", "--workers", "1", "--out"]
    refused(capsys, [*argv, str(thesis)], "is not empty and is not a synthetic corpus")
    out = tmp_path / "corpus"
    assert main([*argv, str(out)]) == 0
    first = tree(out)
    capsys.readouterr()
    refused(capsys, [*argv, str(out)], "already holds a synthetic corpus", "--overwrite")
    assert main([*argv, str(out), "--overwrite"]) == 0
    assert tree(out) == first  # the same corpus, written again
    (out / "prepared").mkdir()
    capsys.readouterr()
    refused(capsys, [*argv, str(out), "--overwrite"], "also holds prepared/")
    assert (out / "prepared").is_dir()
