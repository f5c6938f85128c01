"""A pretrained text model behind the keypoint encoder (`model.text_model`), on tiny untrained
T5 and BART models built here from configs: nothing is downloaded."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")

from conftest import TINY_MODEL
from sign2text import config as configuration
from sign2text.cli import main
from sign2text.data.dataset import PreparedSplit
from sign2text.errors import ConfigError
from sign2text.evaluation.evaluate import evaluate
from sign2text.model import checkpoint, text_model
from sign2text.model.decoding import search
from sign2text.model.incremental import CachedSteps, stepper
from sign2text.model.inference import Reader, infer
from sign2text.model.untrained import Sizes, write_untrained
from sign2text.reports import compare
from sign2text.run_folder import RESUME
from sign2text.text.tokenizer import BOS, EOS, PAD, UNK
from sign2text.training import train
from sign2text.training.data import load_data
from sign2text.training.module import TranslationModule, parameter_groups
from sign2text.translate import translate


@pytest.fixture(scope="module", params=["t5", "bart"])
def untrained(request: pytest.FixtureRequest, tiny_prepared: Path, tmp_path_factory) -> Path:
    """A tiny untrained text model of each kind, its tokenizer trained on the training split."""
    sentences = [clip.sentence for clip in PreparedSplit(tiny_prepared, "train").clips]
    folder = tmp_path_factory.mktemp("text") / request.param
    return write_untrained(folder, request.param, sentences, vocab_size=200)


def config_overrides(prepared: Path) -> list[str]:
    """A tiny run of our own Transformer; with `model.text_model`, its keypoint encoder."""
    return [
        f"data.prepared={prepared}",
        *TINY_MODEL,
        "train.batch_size=8",
        "train.lr=1e-3",
        "train.precision=32-true",
        "train.early_stopping_patience=100",
    ]


def _config(prepared: Path, model: Path, *extra: str) -> configuration.Config:
    overrides = [*config_overrides(prepared), f"model.text_model={model}", *extra]
    return configuration.load(None, overrides)


def test_tokenizer_speaks_our_ids_and_survives_bytes(untrained: Path, tiny_prepared: Path) -> None:
    tokenizer = text_model.load_tokenizer(str(untrained))
    hf = tokenizer.tokenizer
    assert [tokenizer.to_hf[i] for i in (PAD, EOS, UNK)] == [
        hf.pad_token_id,
        hf.eos_token_id,
        hf.unk_token_id,
    ]
    sentence = PreparedSplit(tiny_prepared, "val").clips[0].sentence
    ids = tokenizer.encode(sentence)
    assert ids and min(ids) > UNK  # no specials inside a sentence
    assert tokenizer.decode([*ids, EOS]) == sentence
    again = type(tokenizer).from_bytes(tokenizer.to_bytes())
    assert again.encode(sentence) == ids and again.to_hf == tokenizer.to_hf


def test_cached_steps_give_the_full_decoder_logits(untrained: Path, tiny_prepared: Path) -> None:
    torch.manual_seed(0)
    config = _config(tiny_prepared, untrained)
    data = load_data(config)
    model = text_model.from_pretrained(config, data.features, data.tokenizer).eval()
    features, mask = torch.randn(2, 9, data.features), torch.ones(2, 9, dtype=torch.bool)
    mask[1, 6:] = False
    memory, padding = model.encode(features, mask)
    tokens = torch.randint(UNK + 1, len(data.tokenizer), (2, 5))
    tokens[:, 0] = BOS
    full = model.decode(memory, padding, tokens)  # (2, 5, V)
    steps = stepper(model, memory, padding)
    assert isinstance(steps, CachedSteps)
    for i in range(5):
        torch.testing.assert_close(steps.step(tokens[:, : i + 1]), full[:, i])
    # beams of one clip: after a reorder, each row continues the history it was given
    beams = stepper(model, memory[[1, 1]], padding[[1, 1]])
    for i in range(2):
        beams.step(tokens[:, : i + 1])
    beams.reorder(torch.tensor([1, 0]))
    swapped = tokens[[1, 0]]
    expected = model.decode(memory[[1, 1]], padding[[1, 1]], swapped[:, :3])[:, 2]
    torch.testing.assert_close(beams.step(swapped[:, :3]), expected)
    beam = search(model, memory, padding, torch.tensor([6, 6]), config.decode)
    assert all(len(row) <= 6 for row in beam)


def test_learning_rates_and_freezing(tiny_prepared: Path, untrained: Path) -> None:
    config = _config(
        tiny_prepared,
        untrained,
        "train.text_model_lr=1e-5",
        "model.freeze_text_model_epochs=1",
        "model.freeze_text_embeddings=true",
    )
    module = TranslationModule(config, load_data(config))
    model = module.model
    encoder, text = parameter_groups(model, config.train)
    assert (encoder["lr"], text["lr"]) == (1e-3, 1e-5)
    assert {id(p) for p in text["params"]} == {id(p) for p in model.text.parameters()}
    assert len(encoder["params"]) + len(text["params"]) == len(list(model.parameters()))
    assert model.frozen(0) == list(model.text.parameters())
    embeddings = list(model.text.get_input_embeddings().parameters())
    assert model.frozen(1) == embeddings


@pytest.mark.parametrize(
    "untrained", [pytest.param("t5"), pytest.param("bart", marks=pytest.mark.slow)], indirect=True
)
def test_tiny_text_model_trains_evaluates_translates_and_reloads(
    untrained: Path, tiny_prepared: Path, tmp_path: Path
) -> None:
    config = _config(tiny_prepared, untrained, "train.epochs=1", "decode.beam_size=2")
    run = tmp_path / "run"
    result = train(config, run, progress=False)
    assert result["status"] == "finished" and result["epochs"] == 1
    assert "val_loss_swapped" in result["history"] and "val_bleu4" in result["history"]
    log = (run / "train.log").read_text()
    assert f"text model {untrained}" in log and "MB of weights" in log

    raw = torch.load(run / "best_checkpoint.pt", weights_only=True)
    import transformers

    assert raw["text_model"]["name_or_path"] == str(untrained)
    assert raw["text_model"]["transformers"] == transformers.__version__
    assert raw["tokenizer"]["kind"] == "pretrained"

    metrics = evaluate(run, "test", progress=False)  # beam search, with the ablations
    assert {"swapped inputs", "all-zero inputs"} <= set(metrics["ablations"])
    assert metrics["perplexity_tokenizer"].startswith("pretrained")

    predictions = (run / "eval_test" / "predictions.tsv").read_text().splitlines()
    clip, _, hypothesis, *_ = predictions[1].split("\t")  # then its sentence scores
    [translated] = translate([tiny_prepared.parent / "openpose" / clip], run / "best_checkpoint.pt")
    assert translated.sentence == hypothesis  # `translate` reads the checkpoint as evaluate does

    # a fresh process's view: the checkpoint alone, no text-model folder
    loaded = checkpoint.load(run / "best_checkpoint.pt")
    module = TranslationModule(config, load_data(config))
    module.model.load_state_dict(loaded.model.state_dict())
    module.model.eval()
    batch = next(iter(module.val_dataloader())).padded()
    keypoints, mask = batch.keypoints, batch.frame_mask
    ours = infer(module.reader, keypoints, mask, config.decode).hypotheses
    again = infer(Reader.of(loaded), keypoints, mask, config.decode).hypotheses
    assert ours == again

    if untrained.name == "t5":  # the same tables as our own Transformer's runs
        ours = tmp_path / "v2"
        train(
            configuration.load(None, [*config_overrides(tiny_prepared), "train.epochs=1"]),
            ours,
            progress=False,
        )
        evaluate(ours, "test", progress=False)
        table = compare.table([compare.load_run(ours, "test"), compare.load_run(run, "test")])
        assert "model.text_model" in [column.name for column in table.columns]
        assert [row[0].value for row in table.rows] == ["v2", "run"]


def test_a_missing_text_model_is_one_line(
    tiny_prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # as with no network
    name = "no-such-owner/no-such-t5"
    sets = [f"data.prepared={tiny_prepared}", f"model.text_model={name}"]
    argv = ["train", "--run-dir", str(tmp_path / "run"), *(a for s in sets for a in ("--set", s))]
    assert main(argv) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert name in lines[0] and "HF_HOME" in lines[0] and "folder" in lines[0]


def test_missing_error_names_the_model_and_the_fix() -> None:
    error = text_model._missing("t5-small", OSError("We couldn't connect to huggingface.co"))
    assert isinstance(error, ConfigError)
    assert "'t5-small'" in str(error) and "hf download t5-small" in str(error)


@pytest.fixture(scope="module")
def random_t5(random_prepared: Path, tmp_path_factory) -> Path:
    """An untrained T5 with dropout, its vocabulary from the random dataset's sentences."""
    sentences = [clip.sentence for clip in PreparedSplit(random_prepared, "train").clips]
    folder = tmp_path_factory.mktemp("random-t5") / "t5"
    return write_untrained(folder, "t5", sentences, vocab_size=60, sizes=Sizes(dropout=0.1))


@pytest.mark.slow  # two trainings of a tiny T5 and a resumed one: a minute on 2 cores
def test_a_resumed_text_model_run_ends_as_the_uninterrupted_one(
    random_prepared: Path, random_t5: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_resume import _overrides, outcome

    extra = [f"model.text_model={random_t5}", "train.epochs=2", "train.text_model_lr=3e-4"]
    config = configuration.load(None, _overrides(random_prepared, 0, *extra))
    points: list[Path] = []
    write_state = checkpoint.write_state

    def keep_every_resume_point(path: Path, state: dict) -> None:
        write_state(path, state)
        if Path(path).name == RESUME:
            points.append(tmp_path / f"point-{len(points):02d}.ckpt")
            shutil.copy(path, points[-1])

    monkeypatch.setattr(checkpoint, "write_state", keep_every_resume_point)
    train(config, tmp_path / "whole", progress=False)
    monkeypatch.undo()
    run_dir = tmp_path / "resumed"
    run_dir.mkdir()
    shutil.copy(tmp_path / "whole" / "config.yaml", run_dir / "config.yaml")
    shutil.copy(points[3], run_dir / RESUME)  # inside the first epoch
    train(config, run_dir, resume=True, progress=False)
    assert outcome(run_dir) == outcome(tmp_path / "whole")


@pytest.mark.slow  # two processes start torch, Lightning and transformers: a minute on 2 cores
def test_two_process_ddp_with_a_text_model_ends_with_identical_weights(
    random_prepared: Path, random_t5: Path, tmp_path: Path
) -> None:
    from test_training import DDP_SCRIPT

    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    overrides = [
        f"data.prepared={random_prepared}",
        *TINY_MODEL,
        f"model.text_model={random_t5}",
        "model.freeze_text_model_epochs=1",
        "train.batch_size=4",
        "train.epochs=2",
    ]
    tests = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests), str(tests.parent / "src")])}
    command = [sys.executable, str(script), str(tmp_path / "ddp"), str(tmp_path), *overrides]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    digests = {path.name: path.read_text() for path in tmp_path.glob("digest-*")}
    assert set(digests) == {"digest-0", "digest-1"}
    assert digests["digest-0"] == digests["digest-1"]
