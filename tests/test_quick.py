"""`train --quick` on the demo-size synthetic data: healthy as it is, failing when the clips and
sentences are shuffled or the learning rate is absurd. Slow: three quick runs of about a minute
each on two CPU cores."""

import json
import random
import shutil
from pathlib import Path

import pytest

from sign2text import config as configuration
from sign2text.data.prepare import prepare_how2sign
from sign2text.data.synth import write_dataset
from sign2text.presets import resolve
from sign2text.training import train
from sign2text.training.health import FAILING, HEALTHY
from sign2text.training.quick import conclude, quick_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "data"
    write_dataset(root, size="demo", seed=0, workers=2)
    prepare_how2sign(root, root / "prepared", tokenizer="word", vocab_size=2000, progress=False)
    return root / "prepared"


def _quick(prepared: Path, run_dir: Path, *overrides: str):
    full = configuration.load(resolve("demo"), [f"data.prepared={prepared}", *overrides])
    result = train(quick_config(full), run_dir, progress=False)
    return conclude(full, result)


def test_quick_run_on_synthetic_data_is_healthy(demo_prepared: Path, tmp_path: Path) -> None:
    verdict = _quick(demo_prepared, tmp_path / "run").verdict
    assert verdict.status == HEALTHY, verdict.reasons


def test_quick_run_on_shuffled_pairs_is_failing(demo_prepared: Path, tmp_path: Path) -> None:
    shuffled = tmp_path / "shuffled"
    shutil.copytree(demo_prepared, shuffled)
    index = shuffled / "train.jsonl"
    rows = [json.loads(line) for line in index.read_text().splitlines()]
    sentences = [row["sentence"] for row in rows]
    random.Random(0).shuffle(sentences)
    index.write_text(
        "".join(
            json.dumps({**row, "sentence": sentence}) + "\n"
            for row, sentence in zip(rows, sentences, strict=True)
        )
    )
    verdict = _quick(shuffled, tmp_path / "run").verdict
    assert verdict.status == FAILING
    assert any("ignores its input" in reason for reason in verdict.reasons)


def test_quick_run_with_learning_rate_one_is_failing(demo_prepared: Path, tmp_path: Path) -> None:
    verdict = _quick(demo_prepared, tmp_path / "run", "train.lr=1.0").verdict
    assert verdict.status == FAILING
    assert any("learning rate" in reason for reason in verdict.reasons)
