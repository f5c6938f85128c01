"""The Python API: the README's example as written, and `sign2text.load(...).translate` on
every kind of input the command takes, NumPy arrays included."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sign2text
from conftest import REPO, TINY_MODEL
from sign2text.config import ConfigError
from sign2text.data.readers.registry import read_clip
from sign2text.errors import InputError
from sign2text.translate import translate


def readme_example() -> str:
    """The first Python block of the README's "Python API" section."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Python API\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names: dict = {"__name__": "readme"}
    exec(compile(readme_example(), "README.md", "exec"), names)
    run = tmp_path / "work" / "runs" / "tiny"
    assert names["result"]["epochs"] == 2 and (run / "provenance.json").is_file()
    assert names["metrics"]["clips"] == names["report"]["splits"]["test"]["clips"] == 24
    assert (run / "eval_test" / "metrics.json").is_file()
    translator, clip = names["translator"], names["clip"]
    # An OpenPose folder and its keypoints as an array reach the model alike.
    assert translator.translate(clip) == translator.translate(names["keypoints"])


def test_import_is_cheap() -> None:
    code = "import sys, sign2text; sign2text.load_config; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def run(random_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = sign2text.load_config(
        None, [f"data.prepared={random_prepared}", *TINY_MODEL, "train.epochs=1"]
    )
    run_dir = tmp_path_factory.mktemp("api") / "run"
    sign2text.train(config, run_dir)
    return run_dir


def test_translate_takes_folders_files_and_arrays_alike(
    run: Path, random_prepared: Path, tmp_path: Path
) -> None:
    folder = sorted((random_prepared.parent / "openpose").iterdir())[0]
    keypoints = read_clip(folder).stacked()  # (T, 137, 3)
    np.save(tmp_path / "clip.npy", keypoints)
    translator = sign2text.load(run / "best_checkpoint.pt")
    sentence = translator.translate(folder)
    assert translator.translate(keypoints) == sentence
    assert translator.translate_all([folder, keypoints]) == [sentence, sentence]
    assert isinstance(translator.translate(tmp_path / "clip.npy", beam=2), str)
    even = keypoints[: len(keypoints) // 2 * 2]  # at 48 fps: every other frame at 24
    assert translator.translate(even, fps=48.0) == translator.translate(even[::2])
    # The command runs the same code.
    assert translate([folder], run / "best_checkpoint.pt") == [(str(folder), sentence, None)]


def test_translate_refuses_bad_arrays_and_beams_in_one_line(run: Path) -> None:
    translator = sign2text.load(run)
    with pytest.raises(InputError, match=r"array 0: 50 points per frame, but layout"):
        translator.translate(np.zeros((10, 50, 3), np.float32))
    with pytest.raises(InputError, match=r"array 0: the array has shape \(10, 137\)"):
        translator.translate(np.zeros((10, 137), np.float32))
    with pytest.raises(ConfigError, match="beam size must be at least 1"):
        translator.translate(np.zeros((10, 137, 3), np.float32), beam=0)


def test_steps_refuse_what_the_commands_refuse(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown kind 'openpose'"):
        sign2text.prepare(tmp_path, tmp_path / "out", kind="openpose")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("not a run")
    with pytest.raises(InputError, match="notes.txt"):
        sign2text.train(sign2text.load_config("demo"), mine)
    assert (mine / "notes.txt").read_text() == "not a run"
