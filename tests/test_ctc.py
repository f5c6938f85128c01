"""Gloss supervision: the CTC loss and decoding on scripted cases with exact values, gloss WER,
and glosses carried from prepare through training, evaluation and translation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from conftest import TINY_MODEL, shared_data
from sign2text import config as configuration
from sign2text.cli import main
from sign2text.data.dataset import PreparedSplit
from sign2text.data.prepare import prepare_phoenix
from sign2text.errors import InputError
from sign2text.metrics import gloss_wer
from sign2text.model import ctc
from sign2text.text.glosses import BLANK, GlossVocabulary
from sign2text.training import train


def test_the_ctc_loss_sums_every_path_of_a_target() -> None:
    uniform = torch.full((1, 2, 3), math.log(1 / 3))  # (B, S, G): two steps, blank + 2 glosses
    # target [1] in two steps: paths (1, 1), (1, -), (-, 1), each (1/3)^2
    loss = ctc.ctc_loss_sum(uniform, torch.tensor([2]), torch.tensor([[1]]))
    assert loss.item() == pytest.approx(math.log(3), abs=1e-6)
    # a clip without glosses and one that cannot align (3 glosses in 2 steps) add nothing
    batch = uniform.expand(3, 2, 3)
    targets = torch.tensor([[1, 0, 0], [0, 0, 0], [1, 2, 1]])
    total = ctc.ctc_loss_sum(batch, torch.tensor([2, 2, 2]), targets)
    assert total.item() == pytest.approx(math.log(3), abs=1e-6)


def test_beam_search_finds_the_sequence_greedy_decoding_misses() -> None:
    # at each of two steps: blank 0.6, gloss 1 0.4; the best path is "blank blank" (0.36), but
    # gloss 1 has three paths (1 1, 1 -, - 1): 0.16 + 0.24 + 0.24 = 0.64
    log_probs = torch.tensor([[0.6, 0.4], [0.6, 0.4]]).log()[None]  # (1, 2, 2)
    assert ctc.greedy(log_probs, torch.tensor([2])) == [[]]
    assert ctc.beam(log_probs[0], 2, width=3) == [1]
    assert ctc.decode(log_probs, torch.tensor([2]), 3) == [[1]]
    assert ctc.collapse([0, 2, 2, 0, 2, 1, 1, 0]) == [2, 2, 1]


def test_gloss_vocabulary_and_gloss_wer() -> None:
    vocabulary = GlossVocabulary.of(["B A", "C A"])
    assert vocabulary.glosses == ("A", "B", "C") and len(vocabulary) == 4  # with the blank
    assert vocabulary.encode("A ZZZ C") == [1, 3]  # an unseen gloss has no id
    assert vocabulary.decode([3, BLANK, 2]) == "C B"
    # one deletion in three reference glosses; the clip without reference glosses is left out
    assert gloss_wer(["A C", "X"], ["A B C", ""]) == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def glossed(tiny_synth: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny synthetic language prepared with the glosses synth writes beside it."""
    out = tmp_path_factory.mktemp("glossed") / "prepared"
    table = tiny_synth / "synth_glosses.tsv"
    assert main(["prepare", "how2sign", str(tiny_synth), "--glosses", str(table), "--out",
                 str(out), "--workers", "1"]) == 0  # fmt: skip
    return out


def test_glosses_go_from_prepare_to_evaluation_and_translation(
    glossed: Path, tiny_synth: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clips = PreparedSplit(glossed, "train").clips
    written = dict(
        line.split("\t")[::3]
        for line in (tiny_synth / "synth_glosses.tsv").read_text().split("\n")[1:]
        if line
    )
    assert clips[0].glosses and clips[0].glosses == written[clips[0].name]
    run = tmp_path / "run"
    settings = [f"data.prepared={glossed}", *TINY_MODEL, "train.epochs=2", "model.ctc_weight=1"]
    train(configuration.load(None, settings), run, progress=False)
    history = json.loads((run / "history.json").read_text())
    assert len(history["train_ctc_loss"]) == 2 and all(v > 0 for v in history["train_ctc_loss"])
    assert history["val_gloss_wer"][-1] >= 0
    assert main(["evaluate", str(run), "--split", "test"]) == 0
    metrics = json.loads((run / "eval_test" / "metrics.json").read_text())
    assert metrics["gloss_ctc_beam_size"] == 5 and metrics["clips_with_glosses"] == metrics["clips"]
    assert metrics["gloss_wer"] >= 0 and metrics["gloss_wer_greedy"] >= 0
    rows = (run / "eval_test" / "glosses.tsv").read_text().splitlines()
    assert (
        rows[0] == "clip\treference glosses\trecognised glosses"
        and len(rows) == metrics["clips"] + 1
    )
    folder = sorted((tiny_synth / "openpose").iterdir())[0]
    capsys.readouterr()
    assert main(["translate", str(folder), "--checkpoint", str(run / "best_checkpoint.pt"),
                 "--glosses"]) == 0  # fmt: skip
    assert len(capsys.readouterr().out.rstrip("\n").split("\t")) == 3  # input, sentence, glosses


def test_ctc_without_glosses_is_refused_naming_the_dataset(
    tiny_prepared: Path, tmp_path: Path
) -> None:
    settings = [f"data.prepared={tiny_prepared}", *TINY_MODEL, "model.ctc_weight=1"]
    with pytest.raises(InputError, match="model.ctc_weight needs glosses") as error:
        train(configuration.load(None, settings), tmp_path / "run", progress=False)
    assert str(tiny_prepared) in str(error.value)


def test_phoenix_glosses_are_prepared_and_train_a_recognition_head(tmp_path: Path) -> None:
    source = shared_data("phoenix14t", "skels_15")
    prepare_phoenix(source, tmp_path / "prepared", workers=1, progress=False)
    clips = PreparedSplit(tmp_path / "prepared", "val").clips
    first = (source / "dev.gloss").read_text(encoding="utf-8").splitlines()[0]
    assert clips[0].glosses == " ".join(first.split())
    settings = [f"data.prepared={tmp_path / 'prepared'}", *TINY_MODEL, "train.epochs=1"]
    settings += ["model.ctc_weight=1", "train.batch_size=4"]
    train(configuration.load(None, settings), tmp_path / "run", progress=False)
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert math.isfinite(history["train_ctc_loss"][0]) and "val_gloss_wer" in history
