"""The `sign2text` command: parses arguments and dispatches; the work happens in the modules."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from sign2text.config import Config
from sign2text.errors import Failure, InputError, describe_os_error
from sign2text.presets import SEARCH_SPACE


def _print_metrics(title: str, metrics: dict) -> None:
    from sign2text.metrics import LABELS

    m, ablations, bleu4 = metrics, metrics["ablations"], LABELS["bleu4"]
    rows = [
        (LABELS["bleu1"], f"{m['bleu1']:.2f}"),
        (bleu4, f"{m['bleu4']:.2f}"),
        (LABELS["wer"], f"{m['wer']:.3f}"),
        (LABELS["perplexity"], f"{m['perplexity']:.2f}  ({m['perplexity_tokenizer']})"),
        (f"{LABELS['chrf']} / {LABELS['rouge_l']}", f"{m['chrf']:.2f} / {m['rouge_l']:.2f}"),
        (f"swapped-input {bleu4}", f"{ablations['swapped inputs']['bleu4']:.2f}"),
        (f"all-zero-input {bleu4}", f"{ablations['all-zero inputs']['bleu4']:.2f}"),
        (f"constant-sentence {bleu4}", f"{ablations['constant sentence']['bleu4']:.2f}"),
    ]
    if title:
        print(title)
    for name, value in rows:
        print(f"  {name:<26}{value}")
    print(f"  {'BLEU signature':<26}{metrics['bleu_signature']}")
    for message in metrics["warnings"]:
        print(f"  WARNING: {message}")


def cmd_synth(args: argparse.Namespace) -> None:
    from sign2text.synth import write_dataset

    info = write_dataset(
        Path(args.out),
        size=args.size,
        seed=args.seed,
        workers=args.workers,
        limit=args.limit,
        overwrite=args.overwrite,
    )
    print(json.dumps(info, indent=2))
    print(f"synthetic How2Sign-layout data written to {args.out}")


def cmd_prepare(args: argparse.Namespace) -> None:
    from sign2text.prepare import prepare_how2sign

    args.source = args.root
    _prepare_files(args, functools.partial(prepare_how2sign, args.root))


def _prepare_files(args: argparse.Namespace, prepare_into: Callable[..., dict]) -> None:
    """Shared by every `prepare` sub-command: tokenizer options in, report out."""
    from sign2text import config as configuration
    from sign2text.presets import resolve

    text = configuration.load(resolve(args.config) if args.config else None).text
    source = Path(args.source)
    folder = source if source.is_dir() else source.parent
    out = Path(args.out) if args.out else folder / "prepared"
    report = prepare_into(
        out,
        tokenizer=text.tokenizer,
        vocab_size=text.vocab_size,
        workers=args.workers,
        strict=args.strict,
        repair_text=not args.keep_text,
        overwrite=args.overwrite,
    )
    for split, counts in report["splits"].items():
        print(f"{split:>6}: {counts['clips']:>7,} clips, {counts['frames']:>10,} frames")
    for key in (
        "skipped",
        "flagged",
        "no_sentence",
        "rows_without_clips",
        "clips_without_rows",
        "repaired_sentences",
    ):
        if key in report:
            print(f"{key.replace('_', ' '):>20}: {len(report[key])}")
    if "val_from_train" in report:
        print(f"no val split: {len(report['val_from_train'])} train clips held out as val")
    if "frame_rates" in report:
        print(f"frame rates differ {report['frame_rates']}: meta.json keeps the most common")
    print(f"prepared dataset: {out}  (report: {out / 'report.json'})")


def cmd_prepare_pose(args: argparse.Namespace) -> None:
    from sign2text.prepare import prepare_pose_folder

    prepare_into = functools.partial(
        prepare_pose_folder, args.source, language=args.language, pattern=args.glob
    )
    _prepare_files(args, prepare_into)


def cmd_prepare_phoenix(args: argparse.Namespace) -> None:
    from sign2text.prepare import prepare_phoenix

    _prepare_files(args, functools.partial(prepare_phoenix, args.source))


def cmd_prepare_manifest(args: argparse.Namespace) -> None:
    from sign2text.prepare import prepare_manifest

    prepare_into = functools.partial(
        prepare_manifest, args.source, layout=args.layout, fps=args.fps
    )
    _prepare_files(args, prepare_into)


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


def _training_config(args: argparse.Namespace) -> tuple[Config, Path]:
    """The config a `train` command runs and its run folder (checked that it may write)."""
    from sign2text import config as configuration
    from sign2text import outputs
    from sign2text.presets import resolve
    from sign2text.run_folder import RunFolder

    if args.resume:
        run = RunFolder(Path(args.resume))
        if not run.is_run():
            raise InputError(
                run.path, "is not a run folder (no config.yaml)", "pass --resume a run's folder"
            )
        return configuration.load(run.config_file, args.set, saved=True), run.path
    config = configuration.load(resolve(args.config), args.set)
    run_dir = Path(args.run_dir) if args.run_dir else Path("runs") / config.name
    outputs.run_folder(run_dir, overwrite=args.overwrite, inputs=[config.data.prepared])
    return config, run_dir


def cmd_train(args: argparse.Namespace) -> None:
    from sign2text import atomic, jobs
    from sign2text.config import to_dict
    from sign2text.quick import quick_config
    from sign2text.run_folder import RunFolder

    full, run_dir = _training_config(args)
    quick = args.quick and not args.resume
    job = {
        "config": to_dict(quick_config(full) if quick else full),
        "run_dir": str(run_dir),
        "resume": bool(args.resume),
        "devices": {
            "accelerator": args.accelerator,
            "devices": args.devices,
            "num_nodes": args.num_nodes,
        },
        "quick_of": to_dict(full) if quick else None,
    }
    atomic.remove_debris(run_dir)
    if not args.background:
        for line in jobs.train(**job):
            print(line)
        return
    run = RunFolder(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    process = jobs.start("train", job, run.console_file, detach=True)
    run.write_pid(process.pid)
    run.clear_state()  # an earlier attempt's: the new one writes its own
    print(f"training in the background (pid {process.pid}); run folder: {run_dir}")
    print(f"  progress:  sign2text status {run_dir}")
    print(f"  log:       tail -f {run.log_file}")
    print(f"  stop:      sign2text stop {run_dir}   (then --resume {run_dir} to continue)")


def cmd_status(args: argparse.Namespace) -> None:
    from sign2text.durations import format_duration
    from sign2text.runs import find_runs, run_status

    runs = [Path(r) for r in args.runs] if args.runs else find_runs("runs")
    if not runs:
        print("no runs found under runs/")
        return
    for run_dir in runs:
        s = run_status(run_dir)
        eta = format_duration(s.eta_seconds)
        print(f"{run_dir}: {s.state}, epoch {s.epoch}/{s.epochs}, ETA {eta}")
        if s.reason:
            print(f"  reason: {s.reason}")
        print(f"  last: {_figures({k: v for k, v in s.last.items() if k != 'epoch'})}")
        print(f"  best: {_figures(s.best)}")
        print(f"  health: {s.health}")


def _figures(values: dict) -> str:
    """`name value, ...`; a value that is no number (not finite when recorded) as `-`."""
    shown = [f"{k} {v:.4g}" if isinstance(v, int | float) else f"{k} -" for k, v in values.items()]
    return ", ".join(shown) or "-"


def cmd_stop(args: argparse.Namespace) -> None:
    from sign2text.runs import stop_run

    for run in args.runs:
        if stop_run(run):
            print(
                f"{run}: stopped (resume.ckpt saved; continue with sign2text train --resume {run})"
            )
        else:
            print(f"{run}: not running")


def cmd_compare(args: argparse.Namespace) -> None:
    from sign2text import atomic, outputs
    from sign2text.compare import (
        SIGNIFICANCE_SAMPLES,
        csv_text,
        latex,
        load_run,
        markdown,
        table,
    )

    formats = {".md": markdown, ".tex": latex, ".csv": csv_text}
    files = outputs.output_files(args.output, list(formats), overwrite=args.overwrite)
    header, rows = table([load_run(Path(r), args.split) for r in args.runs])
    print(markdown(header, rows))
    print(
        f"{args.split} split; 95% bootstrap intervals; p: paired bootstrap "
        f"({SIGNIFICANCE_SAMPLES} resamples) against the first run"
    )
    for path, text in zip(files, formats.values(), strict=False):
        atomic.remove_debris(path)
        atomic.write_text(path, text(header, rows))
    if files:
        print(f"written: {files[0]}, .tex, .csv")


def cmd_translate(args: argparse.Namespace) -> None:
    from sign2text.translate import translate

    for path, sentence in translate([Path(p) for p in args.inputs], Path(args.checkpoint)):
        print(f"{path}\t{sentence}")


def cmd_plot(args: argparse.Namespace) -> None:
    from sign2text import atomic, outputs
    from sign2text.plots import plot_runs
    from sign2text.run_folder import CURVES, RunFolder

    runs = [RunFolder(Path(r)) for r in args.runs]
    out = outputs.output_file(
        args.output or runs[0] / CURVES,
        overwrite=args.overwrite,
        inputs=[run.history_file for run in runs],
    )
    atomic.remove_debris(out)
    print(f"written: {plot_runs([run.path for run in runs], out)}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from sign2text import atomic, outputs
    from sign2text.evaluation import evaluate
    from sign2text.run_folder import RunFolder

    out = RunFolder(Path(args.run_dir)).evaluation(args.split)
    outputs.own_folder(out, outputs.EVALUATION, option=None)
    atomic.remove_debris(out)
    metrics = evaluate(
        args.run_dir, args.split, checkpoint_name=args.checkpoint, batch_size=args.batch_size
    )
    _print_metrics(f"{args.run_dir} on {args.split} ({metrics['clips']} clips)", metrics)
    print(f"written: {out}")


def cmd_score(args: argparse.Namespace) -> None:
    from sign2text.scoring import format_scores, score_files

    scores = score_files(
        args.hypotheses,
        args.references,
        tokenize=args.tokenize,
        lowercase=args.lowercase,
        bootstrap=args.bootstrap,
    )
    print(format_scores(scores))


def cmd_demo(args: argparse.Namespace) -> None:
    from sign2text.demo import run_demo

    result = run_demo(
        args.data, args.runs, args.config, args.set, size=args.size, workers=args.workers
    )
    m = result["metrics"]
    print()
    print("sign2text demo: synthetic sign language, test split")
    print(f"  {'parameters':<26}{result['parameters']:,}")
    print(f"  {'epochs':<26}{result['epochs']}")
    print(
        f"  {'training time':<26}{result['train_seconds']:.0f} s "
        f"(whole demo {result['total_seconds']:.0f} s)"
    )
    _print_metrics("", m)
    print(f"run folder: {result['run_dir']}")


def cmd_tune(args: argparse.Namespace) -> None:
    from sign2text import config as configuration
    from sign2text.compare import markdown
    from sign2text.presets import resolve
    from sign2text.space import load_space
    from sign2text.tuning import STORAGE_ENV, Search, tune
    from sign2text.tuning_report import write_report

    base = configuration.load(resolve(args.config), args.set)
    search = Search(
        base,
        load_space(resolve(args.space)),
        Path(args.out) if args.out else Path("runs") / f"{base.name}-tune",
        trials=args.trials,
        epochs=args.epochs,
        metric=args.metric,
        storage=args.storage or os.environ.get(STORAGE_ENV),
        study=args.study,
        heartbeat_seconds=args.heartbeat,
    )
    tuned = tune(search, args.workers)
    report = write_report(tuned.study, search)
    print(markdown(report.header, report.rows))
    print(report.best)
    print("written: " + ", ".join(str(path) for path in report.files))
    if report.finished < search.trials:
        print(
            f"{report.finished} of {search.trials} trials finished: "
            "run the same command again to continue the study"
        )
    if tuned.failures:
        raise InputError(
            search.out,
            "; ".join(tuned.failures),
            "see worker-N.log there; the same command continues the study",
        )


def cmd_show(args: argparse.Namespace) -> None:
    from sign2text import atomic, outputs
    from sign2text.show import load_clip, render

    shown = load_clip(args.clip, split=args.split, clip=args.pick, layout=args.layout)
    view = "compare" if args.compare else "normalized" if args.normalized else "raw"
    out = outputs.output_file(
        args.output or f"{shown.name}.gif", overwrite=args.overwrite, inputs=[args.clip]
    )
    atomic.remove_debris(out)
    print(f"written: {render(shown, out, view=view, fps=args.fps)}")


def cmd_extract(args: argparse.Namespace) -> None:
    from sign2text.video import extract_videos

    result = extract_videos(args.videos, Path(args.out), overwrite=args.overwrite)
    print(f"{len(result.written)} written, {len(result.skipped)} already there, in {args.out}")
    if result.skipped:
        print("  (--overwrite extracts those again)")


Commands = argparse._SubParsersAction  # what `add_subparsers` returns


def _add_set(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """The repeatable `--set KEY=VALUE` config override."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=help)


def _add_synth(commands: Commands) -> None:
    p = commands.add_parser("synth", help="write the synthetic sign language (How2Sign layout)")
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
    p = commands.add_parser("prepare", help="read raw keypoints into a prepared dataset")
    formats = p.add_subparsers(dest="format", required=True)
    h = formats.add_parser("how2sign", help="How2Sign layout: openpose/ + re-aligned tables")
    h.add_argument("root", help="folder with openpose/ and how2sign_realigned_*.csv")
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


def _add_train(commands: Commands) -> None:
    p = commands.add_parser("train", help="train a model")
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
        "--background",
        action="store_true",
        help="detach: log and pid go to the run folder; returns at once",
    )
    p.add_argument("--accelerator", default="auto", help="auto | cpu | gpu")
    p.add_argument("--devices", type=int, default=1, help="GPUs (or CPU processes) per node")
    p.add_argument("--num-nodes", type=int, default=1, help="machines (DDP)")
    p.set_defaults(func=cmd_train)


def _add_status(commands: Commands) -> None:
    p = commands.add_parser("status", help="state, progress, ETA and health of runs")
    p.add_argument("runs", nargs="*", help="run folders (default: every run under runs/)")
    p.set_defaults(func=cmd_status)


def _add_stop(commands: Commands) -> None:
    p = commands.add_parser("stop", help="stop a background run cleanly (it can be resumed)")
    p.add_argument("runs", nargs="+", help="run folders")
    p.set_defaults(func=cmd_stop)


def _add_compare(commands: Commands) -> None:
    p = commands.add_parser("compare", help="one table of several evaluated runs")
    p.add_argument("runs", nargs="+", help="run folders; the first is the baseline")
    p.add_argument("--split", default="test")
    p.add_argument("-o", "--output", help="also write OUTPUT.md, OUTPUT.tex and OUTPUT.csv")
    p.add_argument("--overwrite", action="store_true", help="replace those files if they exist")
    p.set_defaults(func=cmd_compare)


def _add_translate(commands: Commands) -> None:
    p = commands.add_parser("translate", help="translate new clips with a trained model")
    p.add_argument("inputs", nargs="+", help="OpenPose clip folders, .pose, .npy/.npz or videos")
    p.add_argument("--checkpoint", required=True, help="a best_checkpoint.pt")
    p.set_defaults(func=cmd_translate)


def _add_plot(commands: Commands) -> None:
    p = commands.add_parser("plot", help="training curves of one or several runs as a PNG")
    p.add_argument("runs", nargs="+", help="run folders")
    p.add_argument("-o", "--output", help="PNG file (default: FIRST_RUN/curves.png)")
    p.add_argument("--overwrite", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_plot)


def _add_evaluate(commands: Commands) -> None:
    p = commands.add_parser("evaluate", help="score a trained run on a split")
    p.add_argument("run_dir")
    p.add_argument("--split", default="test")
    p.add_argument("--checkpoint", default="best_checkpoint.pt")
    p.add_argument("--batch-size", type=int, default=64)
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
    p = commands.add_parser("demo", help="synthetic data -> prepare -> train -> evaluate")
    p.add_argument("--data", default="data/demo", help="synthetic data folder")
    p.add_argument("--runs", default="runs", help="where run folders go")
    p.add_argument("--config", default="demo", help="config file or preset name")
    _add_set(p)
    p.add_argument("--size", default="demo", help="synthetic data size")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=cmd_demo)


def _add_tune(commands: Commands) -> None:
    p = commands.add_parser("tune", help="hyper-parameter search; trials are ordinary runs")
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
    p = commands.add_parser("show", help="render a clip as an animated skeleton (GIF or MP4)")
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
    p = commands.add_parser("extract", help="videos to .pose keypoints with MediaPipe Holistic")
    p.add_argument("videos", nargs="+", help="video files; each gives OUT/<video name>.pose")
    p.add_argument("--out", required=True, help="folder for the .pose files")
    p.add_argument("--overwrite", action="store_true", help="extract again if the output exists")
    p.set_defaults(func=cmd_extract)


# Each adds its sub-command(s) to the parser, in the order `sign2text --help` lists them.
SUBCOMMANDS: tuple[Callable[[Commands], None], ...] = (
    _add_synth,
    _add_prepare,
    _add_train,
    _add_status,
    _add_stop,
    _add_compare,
    _add_translate,
    _add_plot,
    _add_evaluate,
    _add_score,
    _add_demo,
    _add_tune,
    _add_show,
    _add_extract,
)


def build_parser() -> argparse.ArgumentParser:
    """The `sign2text` parser: global options, then each sub-command of SUBCOMMANDS."""
    parser = argparse.ArgumentParser(prog="sign2text", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def _quiet_libraries() -> None:
    for name in ("absl", "lightning.pytorch.utilities.rank_zero", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*treespec.*")
    warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")
    # every process validates the whole validation set, so there is nothing to synchronise
    warnings.filterwarnings("ignore", message=".*when logging on epoch level in distributed.*")
    # the training module resumes its batch sampler itself (TranslationModule.train_dataloader)
    warnings.filterwarnings("ignore", message=".*your dataloader is not resumable.*")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_reporting_failures(lambda: args.func(args), args.verbose)


def run_reporting_failures(command: Callable[[], None], verbose: bool = False) -> int:
    """Run `command` with this package's logging on the console; a failure the user can act on
    is one line (its traceback too with `verbose`). Returns the exit status."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _quiet_libraries()
    logging.raiseExceptions = verbose  # a log file on a full disk is not worth a traceback
    try:
        command()
    except Failure as error:
        return _report(error, error.exit_code, verbose)
    except OSError as error:  # a file the command met: unreadable, unwritable, missing
        return _report(describe_os_error(error), 1, verbose)
    return 0


def _report(error: Exception, code: int, verbose: bool) -> int:
    """Print `error` as one line (after its traceback with -v); returns the exit status."""
    if verbose:
        traceback.print_exc()
    line = " ".join(str(error).split())
    print(f"sign2text: error: {line}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
