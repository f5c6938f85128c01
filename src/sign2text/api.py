"""The Python API: the steps the command line takes, as functions on config objects and paths.

`import sign2text` stays cheap: these are imported on first use (`sign2text.__getattr__`), and
each imports what it needs when called.

    config = sign2text.load_config("demo", ["data.prepared=data/demo/prepared"])
    result = sign2text.train(config, "runs/mine")
    metrics = sign2text.evaluate("runs/mine", "test")
    translator = sign2text.load("runs/mine/best_checkpoint.pt")
    translator.translate("clip.pose", beam=5)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sign2text.config import Config

if TYPE_CHECKING:
    from lightning.pytorch.callbacks import Callback

    from sign2text.training import Devices
    from sign2text.translate import SignTranslator


def load_config(config: str | Path | None = "demo", overrides: Sequence[str] = ()) -> Config:
    """A config: a shipped preset's name ("demo", "how2sign_v2"), a YAML file, or None for
    the defaults; `overrides` as `--set` takes them ("train.lr=3e-4")."""
    from sign2text import config as configuration
    from sign2text.presets import resolve

    return configuration.load(resolve(config) if config is not None else None, list(overrides))


def synth(
    out: str | Path,
    size: str = "tiny",
    *,
    seed: int = 0,
    workers: int | None = None,
    limit: int | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the synthetic sign language in How2Sign's layout to `out` (`sign2text synth`);
    returns its info."""
    from sign2text.data.synth import write_dataset

    return write_dataset(
        out, size=size, seed=seed, workers=workers, limit=limit, overwrite=overwrite
    )


def _preparers() -> dict[str, Callable[..., dict[str, Any]]]:
    from sign2text.data.prepare import (
        prepare_how2sign,
        prepare_manifest,
        prepare_phoenix,
        prepare_pose_folder,
    )

    return {
        "how2sign": prepare_how2sign,  # root with the re-aligned tables and keypoint folders
        "pose": prepare_pose_folder,  # .pose files and _metadata.json
        "phoenix": prepare_phoenix,  # <split>.skels/.text/.files
        "manifest": prepare_manifest,  # a CSV, TSV or JSONL list of clips
    }


def prepare(
    source: str | Path,
    out: str | Path,
    *,
    kind: str = "how2sign",
    config: Config | None = None,
    progress: bool = False,
    **options: Any,
) -> dict[str, Any]:
    """Prepare `source` (of `kind`: how2sign, pose, phoenix or manifest) into `out`, as
    `sign2text prepare KIND` does; the tokenizer is `config`'s text section (default: the
    defaults'). `options` go to the preparer (workers, overwrite, strict, ...; a manifest's
    layout and fps, a pose folder's language and pattern). Returns the report."""
    from sign2text.errors import ConfigError

    preparers = _preparers()
    if kind not in preparers:
        raise ConfigError(f"prepare: unknown kind {kind!r}; choose from {sorted(preparers)}")
    text = (config or Config()).text
    return preparers[kind](
        source,
        out,
        tokenizer=text.tokenizer,
        vocab_size=text.vocab_size,
        progress=progress,
        **options,
    )


def train(
    config: Config | str | Path,
    run_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
    resume: bool = False,
    progress: bool = False,
    devices: Devices | None = None,
    callbacks: Sequence[Callback] = (),
) -> dict[str, Any]:
    """Train `config` (a `Config`, or what `load_config` takes) into `run_dir` (default:
    runs/<config name>), which must be new, empty or a run folder (`overwrite`: replace an
    earlier run's files; `resume`: continue it). Returns the history and summary figures."""
    from sign2text import atomic, outputs, training

    if not isinstance(config, Config):
        config = load_config(config)
    run_dir = Path(run_dir) if run_dir is not None else Path("runs") / config.name
    if not resume:
        outputs.run_folder(run_dir, overwrite=overwrite, inputs=[config.data.prepared])
    atomic.remove_debris(run_dir)
    return training.train(
        config, run_dir, resume=resume, devices=devices, progress=progress, callbacks=callbacks
    )


def evaluate(
    run_dir: str | Path,
    split: str = "test",
    *,
    beam: int | None = None,
    checkpoint: str = "best_checkpoint.pt",
    batch_size: int = 64,
    device: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Score a run's checkpoint on `split` with its ablations, writing RUN/eval_<split>/
    (`sign2text evaluate`); `beam`: beam size (default: the run's decode.beam_size). Returns
    the metrics."""
    from dataclasses import replace

    from sign2text import atomic, outputs
    from sign2text.errors import InputError
    from sign2text.evaluation.evaluate import evaluate as evaluate_run
    from sign2text.run_folder import RunFolder

    run = RunFolder(Path(run_dir))
    out = run.evaluation(split)
    outputs.own_folder(out, outputs.EVALUATION, option=None)
    atomic.remove_debris(out)
    options = None
    if beam is not None:
        if not run.is_run():
            raise InputError(run.path, "is not a run folder (no config.yaml)", "pass a run")
        options = replace(run.read_config().decode, beam_size=beam)
    return evaluate_run(
        run.path,
        split,
        checkpoint_name=checkpoint,
        options=options,
        batch_size=batch_size,
        device=device,
        progress=progress,
    )


def load(checkpoint: str | Path, device: str | None = None) -> SignTranslator:
    """A trained model ready to translate (`SignTranslator.translate`): a checkpoint file, or a
    run folder (its best_checkpoint.pt)."""
    from sign2text.run_folder import BEST
    from sign2text.translate import SignTranslator

    path = Path(checkpoint)
    return SignTranslator.load(path / BEST if path.is_dir() else path, device)
