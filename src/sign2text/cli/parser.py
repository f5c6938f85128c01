"""The `sign2text` command line: each sub-command's options, in the order `--help` lists them."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sign2text import __version__
from sign2text.cli.commands import (
    cmd_compare,
    cmd_demo,
    cmd_evaluate,
    cmd_extract,
    cmd_plot,
    cmd_prepare,
    cmd_prepare_combine,
    cmd_prepare_manifest,
    cmd_prepare_phoenix,
    cmd_prepare_pose,
    cmd_pretrain,
    cmd_score,
    cmd_show,
    cmd_status,
    cmd_stop,
    cmd_synth,
    cmd_train,
    cmd_translate,
    cmd_tune,
)
from sign2text.config import REPAIR_NAMES
from sign2text.presets import SEARCH_SPACE

DESCRIPTION = """\
Sign-language-to-text translation from body, hand and face keypoints: prepare a dataset
(How2Sign's OpenPose release, .pose files, PHOENIX, a manifest, videos), train a
Transformer, evaluate it with the metrics papers report, and compare runs."""

EPILOG = """\
a project, start to end:
  sign2text demo                                     # try it: synthetic data, 7 min on a CPU
  sign2text prepare how2sign /data/how2sign --out data/how2sign/prepared --config how2sign_v2
  sign2text train --config how2sign_v2 --quick       # a few minutes: does it learn?
  sign2text train --config how2sign_v2 --background  # the full run, detached
  sign2text status                                   # follow it
  sign2text evaluate runs/how2sign_v2 --split test --worst 10
  sign2text compare runs/how2sign_v1 runs/how2sign_v2 -o results/table
  sign2text translate clip.pose --checkpoint runs/how2sign_v2/best_checkpoint.pt

`sign2text COMMAND --help` explains a command's options."""


def _add_prepare_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    parser.add_argument("--out", help=f"prepared dataset folder (default: {default_out})")
    parser.add_argument("--config", help="config whose text section picks the tokenizer")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad clip")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a dataset an earlier prepare wrote there"
    )
    parser.add_argument(
        "--keep-text",
        action="store_true",
        help="keep sentences byte for byte (default: repair mojibake such as 'youâ\x80\x99re')",
    )
    parser.add_argument(
        "--repair-text",
        choices=REPAIR_NAMES,
        help="mojibake: undo encoding damage only (the default: text.repair of --config); "
        "all: also straighten quotes and normalise (changes references); none: as --keep-text",
    )


Commands = argparse._SubParsersAction  # what `add_subparsers` returns


def _add_set(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """The repeatable `--set KEY=VALUE` config override."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=help)


def _add_synth(commands: Commands) -> None:
    p = commands.add_parser(
        "synth", help="write the synthetic sign language in How2Sign's layout (to try things)"
    )
    p.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    p.add_argument("--size", default="demo", help="tiny | demo | how2sign (default: demo)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--limit", type=int, default=None, help="write only the first N clips")
    p.add_argument(
        "--overwrite", action="store_true", help="replace a corpus an earlier synth wrote there"
    )
    p.set_defaults(func=cmd_synth)


def _add_prepare(commands: Commands) -> None:
    p = commands.add_parser(
        "prepare", help="read keypoints and sentences into a dataset ready to train on"
    )
    formats = p.add_subparsers(dest="format", required=True)
    h = formats.add_parser("how2sign", help="How2Sign layout: openpose/ + re-aligned tables")
    h.add_argument("root", help="folder with openpose/ and how2sign_realigned_*.csv")
    h.add_argument(
        "--glosses",
        help="tab-separated SENTENCE_NAME/glosses table (synth writes ROOT/synth_glosses.tsv)",
    )
    _add_prepare_options(h, "ROOT/prepared")
    h.set_defaults(func=cmd_prepare)
    f = formats.add_parser("pose", help=".pose files in train/ val/ test/ with metadata JSON")
    f.add_argument("source", help="folder of .pose files (or of train/, val/ or dev/, test/)")
    f.add_argument("--language", default="english", help="metadata text to use (default: english)")
    f.add_argument("--glob", default="*.pose", help="which files to read (default: *.pose)")
    _add_prepare_options(f, "SOURCE/prepared")
    f.set_defaults(func=cmd_prepare_pose)
    f = formats.add_parser("phoenix", help="PHOENIX-2014T skeletons: <split>.skels/.text/.files")
    f.add_argument("source", help="folder with train.skels, dev.skels, test.skels and friends")
    _add_prepare_options(f, "SOURCE/prepared")
    f.set_defaults(func=cmd_prepare_phoenix)
    f = formats.add_parser("manifest", help="a CSV, TSV or JSONL list of clips")
    f.add_argument("source", help="manifest: path, sentence, split[, signer, name, layout]")
    f.add_argument("--layout", help="known layout of its .npy/.npz files, e.g. openpose137")
    f.add_argument("--fps", type=float, default=None, help="frame rate (default: the files')")
    _add_prepare_options(f, "the manifest's folder/prepared")
    f.set_defaults(func=cmd_prepare_manifest)
    f = formats.add_parser("combine", help="prepared datasets as one, on the common skeleton")
    f.add_argument("sources", nargs="+", help="two or more prepared dataset folders")
    f.add_argument("--out", required=True, help="the combined prepared dataset folder")
    f.add_argument("--config", help="config whose text section picks the tokenizer")
    f.add_argument("--overwrite", action="store_true", help="replace an earlier combined dataset")
    f.set_defaults(func=cmd_prepare_combine)


def _add_train(commands: Commands) -> None:
    p = commands.add_parser(
        "train", help="train a model (--quick: a short run that ends in a verdict)"
    )
    p.add_argument("--config", default="demo", help="config file or preset name")
    _add_set(p, "override a config value, e.g. --set train.lr=3e-4 (repeatable)")
    p.add_argument("--run-dir", help="run folder (default: runs/<config name>)")
    p.add_argument("--overwrite", action="store_true", help="reuse an existing run folder")
    p.add_argument(
        "--quick",
        action="store_true",
        help="short run on a subset, ending in a health verdict and a time estimate",
    )
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its resume.ckpt")
    p.add_argument(
        "--init",
        metavar="RUN_OR_CHECKPOINT",
        help="start the encoder from a pretrain run (or any checkpoint); sets model.init",
    )
    _add_run_options(p)
    p.add_argument("--devices", type=int, default=1, help="GPUs (or CPU processes) per node")
    p.add_argument("--num-nodes", type=int, default=1, help="machines (DDP)")
    p.set_defaults(func=cmd_train)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """--background and --accelerator, which `train` and `pretrain` share."""
    parser.add_argument(
        "--background",
        action="store_true",
        help="detach: log and pid go to the run folder; returns at once",
    )
    parser.add_argument("--accelerator", default="auto", help="auto | cpu | gpu")


def _add_pretrain(commands: Commands) -> None:
    p = commands.add_parser(
        "pretrain", help="pretrain the keypoint encoder on clips without sentences"
    )
    p.add_argument("--config", default="demo", help="config file or preset name")
    _add_set(p, "override a config value, e.g. --set pretrain.epochs=20 (repeatable)")
    p.add_argument(
        "--folder",
        help="also learn from the keypoint clips in this folder (.pose, .npy/.npz, OpenPose "
        "folders; videos: `sign2text extract` first); sets pretrain.folder",
    )
    p.add_argument(
        "--no-prepared",
        action="store_true",
        help="learn from --folder alone, not data.prepared (pretrain.prepared: false)",
    )
    p.add_argument("--run-dir", help="run folder (default: runs/<config name>-pretrain)")
    p.add_argument("--overwrite", action="store_true", help="reuse an existing run folder")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its resume.ckpt")
    _add_run_options(p)
    p.set_defaults(func=cmd_pretrain)


def _add_status(commands: Commands) -> None:
    p = commands.add_parser(
        "status", help="how runs stand: progress in the epoch, ETA, metrics, health"
    )
    p.add_argument("runs", nargs="*", help="run folders (default: every run under runs/)")
    p.set_defaults(func=cmd_status)


def _add_stop(commands: Commands) -> None:
    p = commands.add_parser("stop", help="stop a background run cleanly (it can be resumed)")
    p.add_argument("runs", nargs="+", help="run folders")
    p.set_defaults(func=cmd_stop)


def _add_compare(commands: Commands) -> None:
    p = commands.add_parser(
        "compare", help="evaluated runs side by side: Markdown, LaTeX and CSV tables"
    )
    p.add_argument("runs", nargs="+", help="run folders; the first is the baseline")
    p.add_argument("--split", default="test")
    p.add_argument("-o", "--output", help="also write OUTPUT.md, OUTPUT.tex and OUTPUT.csv")
    p.add_argument("--overwrite", action="store_true", help="replace those files if they exist")
    p.add_argument(
        "--columns",
        metavar="NAME,...",
        help="columns after the run and the config keys that differ, e.g. bleu4,wer,p_bleu4 "
        "(a metric of metrics.json, p_METRIC, parameters, epochs, train_minutes; default: "
        "parameters,epochs,train_minutes,bleu1,bleu4,chrf,rouge_l,wer,perplexity,p_bleu4,p_wer)",
    )
    p.add_argument(
        "--intervals",
        choices=("brackets", "pm", "none"),
        default="brackets",
        help="95%% bootstrap intervals as [low, high], as ± half their width, or not at all; "
        "the CSV always has them as NAME_low, NAME_high (default: brackets)",
    )
    p.add_argument("--caption", help="LaTeX caption of the .tex table (LaTeX, as given)")
    p.add_argument("--label", help="LaTeX label of the .tex table, e.g. tab:results")
    p.set_defaults(func=cmd_compare)


def _add_translate(commands: Commands) -> None:
    p = commands.add_parser("translate", help="translate new clips or videos with a trained model")
    p.add_argument("inputs", nargs="+", help="OpenPose clip folders, .pose, .npy/.npz or videos")
    p.add_argument("--checkpoint", required=True, help="a best_checkpoint.pt")
    p.add_argument(
        "--beam", type=int, metavar="N", help="beam size (default: the run's decode.beam_size)"
    )
    p.add_argument("--out", metavar="FILE", help="also write a TSV: input, sentence")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.add_argument(
        "--glosses",
        action="store_true",
        help="also print the glosses the model recognises (a model trained with glosses)",
    )
    p.set_defaults(func=cmd_translate)


def _add_plot(commands: Commands) -> None:
    p = commands.add_parser("plot", help="training curves of one or several runs as a PNG")
    p.add_argument("runs", nargs="+", help="run folders")
    p.add_argument("-o", "--output", help="PNG file (default: FIRST_RUN/curves.png)")
    p.add_argument("--overwrite", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_plot)


def _add_evaluate(commands: Commands) -> None:
    p = commands.add_parser(
        "evaluate", help="score a trained run on a split, beside the ablations it must beat"
    )
    p.add_argument("run_dir")
    p.add_argument("--split", default="test")
    p.add_argument("--checkpoint", default="best_checkpoint.pt")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--worst",
        type=int,
        metavar="N",
        default=0,
        help="then list the N sentences with the lowest sentence BLEU",
    )
    p.set_defaults(func=cmd_evaluate)


def _add_score(commands: Commands) -> None:
    p = commands.add_parser("score", help="score any system's hypotheses against references")
    p.add_argument("hypotheses", help="one sentence per line, or 'sample: NAME, prediction: ..'")
    p.add_argument("references", help="one sentence per line, or 'sample: NAME, ground-truth: ..'")
    p.add_argument("--tokenize", default="13a", help="sacrebleu tokenizer (default: 13a)")
    p.add_argument("--lowercase", action="store_true", help="case-insensitive BLEU")
    p.add_argument("--bootstrap", type=int, default=0, help="bootstrap samples for intervals")
    p.set_defaults(func=cmd_score)


def _add_demo(commands: Commands) -> None:
    p = commands.add_parser(
        "demo", help="the whole path on synthetic data: synth, prepare, train, evaluate"
    )
    p.add_argument("--data", default="data/demo", help="synthetic data folder")
    p.add_argument("--runs", default="runs", help="where run folders go")
    p.add_argument("--config", default="demo", help="config file or preset name")
    _add_set(p)
    p.add_argument("--size", default="demo", help="synthetic data size")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=cmd_demo)


def _add_tune(commands: Commands) -> None:
    p = commands.add_parser(
        "tune", help="search hyper-parameters with Optuna; each trial is an ordinary run"
    )
    p.add_argument("--config", required=True, help="base config (its epochs: the full run's)")
    _add_set(p, "override a base config value, e.g. --set data.prepared=DIR (repeatable)")
    p.add_argument(
        "--trials",
        type=int,
        required=True,
        help="finished (complete or pruned) trials to reach; a rerun continues the study",
    )
    p.add_argument("--epochs", type=int, required=True, help="epochs of each trial")
    p.add_argument(
        "--space",
        default=SEARCH_SPACE,
        help=f"search space file or preset name (default: {SEARCH_SPACE})",
    )
    p.add_argument("--out", help="search folder (default: runs/<config name>-tune)")
    p.add_argument(
        "--storage",
        help="database URL of the study, e.g. postgresql://USER@HOST/DB to share it between "
        "machines; or set SIGN2TEXT_STORAGE, which keeps a password off the command line "
        "(default: the SQLite file OUT/study.db)",
    )
    p.add_argument("--study", help="study name (default: the config's name)")
    p.add_argument(
        "--workers", type=int, default=1, help="trials at once on this machine (default: 1)"
    )
    p.add_argument("--metric", default="val_loss", help="val_loss | val_bleu4 (default: val_loss)")
    p.add_argument(
        "--heartbeat",
        type=int,
        default=60,
        help="seconds between a trial's heartbeats; a trial silent for twice as long (its "
        "worker died) is failed and run again (default: 60)",
    )
    p.set_defaults(func=cmd_tune)


def _add_show(commands: Commands) -> None:
    p = commands.add_parser("show", help="look at a clip as an animated skeleton (GIF or MP4)")
    p.add_argument(
        "clip",
        metavar="CLIP",
        help="OpenPose clip folder, .pose, .npy or .npz file, or a prepared dataset folder",
    )
    p.add_argument("--split", default="val", help="prepared dataset split (default: val)")
    p.add_argument(
        "--clip",
        dest="pick",
        metavar="NAME_OR_INDEX",
        help="prepared dataset clip: name or position (default: 0)",
    )
    p.add_argument("--layout", help="known layout of a .npy/.npz file, e.g. openpose137")
    views = p.add_mutually_exclusive_group()
    views.add_argument("--normalized", action="store_true", help="show what the model sees")
    views.add_argument("--compare", action="store_true", help="raw and normalised side by side")
    p.add_argument("-o", "--output", help=".gif or .mp4 (needs ffmpeg) (default: CLIP_NAME.gif)")
    p.add_argument("--fps", type=float, help="playback frame rate (default: the clip's)")
    p.add_argument("--overwrite", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_show)


def _add_extract(commands: Commands) -> None:
    p = commands.add_parser(
        "extract", help="turn videos into .pose keypoints with MediaPipe Holistic"
    )
    p.add_argument("videos", nargs="+", help="video files; each gives OUT/<video name>.pose")
    p.add_argument("--out", required=True, help="folder for the .pose files")
    p.add_argument("--overwrite", action="store_true", help="extract again if the output exists")
    p.set_defaults(func=cmd_extract)


# Each adds its sub-command(s) to the parser, in the order `sign2text --help` lists them: the
# order of a project, from trying it out to translating new clips.
SUBCOMMANDS: tuple[Callable[[Commands], None], ...] = (
    _add_demo,
    _add_synth,
    _add_extract,
    _add_prepare,
    _add_show,
    _add_train,
    _add_pretrain,
    _add_status,
    _add_stop,
    _add_tune,
    _add_evaluate,
    _add_compare,
    _add_plot,
    _add_score,
    _add_translate,
)


def build_parser() -> argparse.ArgumentParser:
    """The `sign2text` parser: global options, then each sub-command of SUBCOMMANDS."""
    parser = argparse.ArgumentParser(
        prog="sign2text",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    parser.add_argument("--version", action="version", version=f"sign2text {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, title="commands", metavar="COMMAND"
    )
    for add in SUBCOMMANDS:
        add(commands)
    return parser
