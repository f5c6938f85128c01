"""What each `sign2text` sub-command does: read its arguments, call the library, print."""

from __future__ import annotations

import argparse
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path

from sign2text.config import Config, TextConfig
from sign2text.errors import InputError


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
    from sign2text.data.synth import write_dataset

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
    from sign2text.data.prepare import prepare_how2sign

    args.source = args.root
    _prepare_files(args, functools.partial(prepare_how2sign, args.root, glosses=args.glosses))


def _text_settings(args: argparse.Namespace) -> TextConfig:
    """The text section of `--config` (the defaults without one): it picks the tokenizer."""
    from sign2text import config as configuration
    from sign2text.presets import resolve

    return configuration.load(resolve(args.config) if args.config else None).text


def _print_splits(report: dict) -> None:
    for split, counts in report["splits"].items():
        print(f"{split:>6}: {counts['clips']:>7,} clips, {counts['frames']:>10,} frames")


def _prepare_files(args: argparse.Namespace, prepare_into: Callable[..., dict]) -> None:
    """Shared by every `prepare` sub-command: tokenizer options in, report out."""
    text = _text_settings(args)
    source = Path(args.source)
    folder = source if source.is_dir() else source.parent
    out = Path(args.out) if args.out else folder / "prepared"
    report = prepare_into(
        out,
        tokenizer=text.tokenizer,
        vocab_size=text.vocab_size,
        workers=args.workers,
        strict=args.strict,
        repair_text="none" if args.keep_text else args.repair_text or text.repair,
        overwrite=args.overwrite,
    )
    _print_splits(report)
    for key in (
        "skipped",
        "flagged",
        "no_sentence",
        "rows_without_clips",
        "clips_without_rows",
    ):
        if key in report:
            print(f"{key.replace('_', ' '):>20}: {len(report[key])}")
    _print_prepare_notes(report)
    if "val_from_train" in report:
        print(f"no val split: {len(report['val_from_train'])} train clips held out as val")
    if "frame_rates" in report:
        print(f"frame rates differ {report['frame_rates']}: meta.json keeps the most common")
    print(f"prepared dataset: {out}  (report: {out / 'report.json'})")


SKIP_GROUPS_SHOWN = 5  # kinds of problem listed under "skipped" (report.json has them all)


def _print_prepare_notes(report: dict) -> None:
    """Why clips were skipped (grouped), missing and empty splits, the text repaired and the
    tokenizer's real size."""
    from sign2text.data.dataset import TRAINING_SPLITS
    from sign2text.data.prepare.engine import group_skipped

    groups = group_skipped(report.get("skipped", []))
    for count, problem, example in groups[:SKIP_GROUPS_SHOWN]:
        print(f"{count:>22,} x {problem} (e.g. {example})")
    if len(groups) > SKIP_GROUPS_SHOWN:
        print(f"{'':>22}... {len(groups) - SKIP_GROUPS_SHOWN} more kinds in report.json")
    missing, empty = report.get("missing_splits", []), report.get("empty_splits", [])
    if missing:
        need = set(missing) & set(TRAINING_SPLITS)
        note = f" (`train` needs {' and '.join(TRAINING_SPLITS)})" if need else ""
        print(f"{'missing splits':>20}: {', '.join(missing)}{note}")
    if empty:
        print(f"{'empty splits':>20}: {', '.join(empty)} (every clip of theirs was skipped)")
    repair = report.get("text_repair")
    if repair:
        kinds = ", ".join(f"{kind} {n}" for kind, n in repair["fixes"].items())
        print(
            f"{'repaired sentences':>20}: {repair['sentences']}"
            + (f" ({kinds}; text.repair {repair['mode']})" if kinds else "")
        )
    tokenizer = report.get("tokenizer")
    if tokenizer:
        asked = tokenizer["vocab_size"]
        capped = f", not the {asked:,} asked for" if tokenizer["size"] < asked else ""
        print(f"{'tokenizer':>20}: {tokenizer['kind']}, {tokenizer['size']:,} tokens{capped}")


def cmd_prepare_pose(args: argparse.Namespace) -> None:
    from sign2text.data.prepare import prepare_pose_folder

    prepare_into = functools.partial(
        prepare_pose_folder, args.source, language=args.language, pattern=args.glob
    )
    _prepare_files(args, prepare_into)


def cmd_prepare_phoenix(args: argparse.Namespace) -> None:
    from sign2text.data.prepare import prepare_phoenix

    _prepare_files(args, functools.partial(prepare_phoenix, args.source))


def cmd_prepare_manifest(args: argparse.Namespace) -> None:
    from sign2text.data.prepare import prepare_manifest

    prepare_into = functools.partial(
        prepare_manifest, args.source, layout=args.layout, fps=args.fps
    )
    _prepare_files(args, prepare_into)


def cmd_prepare_combine(args: argparse.Namespace) -> None:
    from sign2text.data.prepare import combine

    text = _text_settings(args)
    report = combine(
        args.sources,
        args.out,
        tokenizer=text.tokenizer,
        vocab_size=text.vocab_size,
        overwrite=args.overwrite,
    )
    _print_splits(report)
    for source, counts in report["sources"].items():
        shown = ", ".join(f"{split} {n:,}" for split, n in counts.items())
        print(f"  from {source}: {shown}")
    print(f"combined dataset on the common skeleton: {args.out}  (train with data.points: all)")


def _run_config(
    args: argparse.Namespace, overrides: list[str], default_name: str
) -> tuple[Config, Path]:
    """The config a `train` or `pretrain` command runs (`overrides` after --set) and its run
    folder (checked that it may write; default runs/<`default_name`>)."""
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
    config = configuration.load(resolve(args.config), [*args.set, *overrides])
    run_dir = Path(args.run_dir) if args.run_dir else Path("runs") / default_name.format(config)
    inputs = [config.data.prepared, *([config.pretrain.folder] if config.pretrain.folder else [])]
    outputs.run_folder(run_dir, overwrite=args.overwrite, inputs=inputs)
    return config, run_dir


def _in_background(job: str, arguments: dict, run_dir: Path, command: str) -> None:
    """Start `job` detached, its console and pid in the run folder; say how to follow it."""
    from sign2text import jobs
    from sign2text.run_folder import RunFolder

    run = RunFolder(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    process = jobs.start(job, arguments, run.console_file, detach=True)
    run.write_pid(process.pid)
    run.clear_state()  # an earlier attempt's: the new one writes its own
    print(f"running `{command}` in the background (pid {process.pid}); run folder: {run_dir}")
    print(f"  progress:  sign2text status {run_dir}")
    print(f"  log:       tail -f {run.log_file}")
    print(f"  stop:      sign2text stop {run_dir}   (then `{command} --resume {run_dir}`)")


def cmd_train(args: argparse.Namespace) -> None:
    from sign2text import atomic, jobs
    from sign2text.config import to_dict
    from sign2text.training.quick import quick_config
    from sign2text.training.trackers import check_installed

    init = [f"model.init={args.init}"] if args.init else []
    full, run_dir = _run_config(args, init, "{0.name}")
    check_installed(full)  # here, not in a background process the user does not watch
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
    _in_background("train", job, run_dir, "sign2text train")


def cmd_pretrain(args: argparse.Namespace) -> None:
    from sign2text import atomic, jobs
    from sign2text.config import to_dict

    sources = [f"pretrain.folder={args.folder}"] if args.folder else []
    sources += ["pretrain.prepared=false"] if args.no_prepared else []
    config, run_dir = _run_config(args, sources, "{0.name}-pretrain")
    job = {
        "config": to_dict(config),
        "run_dir": str(run_dir),
        "resume": bool(args.resume),
        "accelerator": args.accelerator,
    }
    atomic.remove_debris(run_dir)
    if not args.background:
        for line in jobs.pretrain(**job):
            print(line)
        return
    _in_background("pretrain", job, run_dir, "sign2text pretrain")


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
        if s.progress:
            print(f"  {_epoch_progress(s.progress)}")
        if s.reason:
            print(f"  reason: {s.reason}")
        print(f"  last: {_figures({k: v for k, v in s.last.items() if k != 'epoch'})}")
        print(f"  best: {_figures(s.best)}")
        print(f"  health: {s.health}")


def _epoch_progress(progress: dict) -> str:
    """`epoch 3/30 running: 120/400 batches, 3,840/12,800 clips (30%), 1m25s in`."""
    from sign2text.durations import format_duration

    p = progress
    done = f"{p['batches']:,}/{p['batches_total']:,} batches"
    if p.get("clips_total"):
        done += f", {p['clips']:,}/{p['clips_total']:,} clips ({p['clips'] / p['clips_total']:.0%})"
    into = format_duration(p["seconds"])
    return f"epoch {p['epoch']}/{p['epochs']} running: {done}, {into} in"


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
    from sign2text.reports.compare import (
        SIGNIFICANCE_SAMPLES,
        column_names,
        data_warnings,
        load_run,
        table,
        table_csv,
        table_latex,
        table_markdown,
    )

    columns = column_names(args.columns)
    formats = {
        ".md": functools.partial(table_markdown, intervals=args.intervals),
        ".tex": functools.partial(
            table_latex, intervals=args.intervals, caption=args.caption, label=args.label
        ),
        ".csv": table_csv,
    }
    files = outputs.output_files(args.output, list(formats), overwrite=args.overwrite)
    reports = [load_run(Path(r), args.split) for r in args.runs]
    compared = table(reports, columns, intervals=args.intervals != "none")
    print(table_markdown(compared, args.intervals))
    shown = {
        "pm": "± half the width of the 95% bootstrap interval",
        "brackets": "[95% bootstrap interval]",
        "none": "no intervals",
    }
    print(
        f"{args.split} split; {shown[args.intervals]}; best in bold; p: paired bootstrap "
        f"({SIGNIFICANCE_SAMPLES} resamples) against the first run"
    )
    for message in data_warnings(reports):
        print(f"WARNING: {message}")
    for path, render in zip(files, formats.values(), strict=False):
        atomic.remove_debris(path)
        atomic.write_text(path, render(compared))
    if files:
        print(f"written: {files[0]}, .tex, .csv")


def cmd_translate(args: argparse.Namespace) -> None:
    from sign2text import atomic, outputs
    from sign2text.translate import translate, translations_tsv

    inputs = [Path(p) for p in args.inputs]
    out = None
    if args.out:
        read = [*inputs, Path(args.checkpoint)]
        out = outputs.output_file(args.out, overwrite=args.overwrite, inputs=read, option="--out")
        atomic.remove_debris(out)
    results = translate(inputs, Path(args.checkpoint), beam=args.beam)
    if args.glosses and any(r.glosses is None for r in results):
        raise InputError(
            args.checkpoint,
            "--glosses needs a model with a recognition head, and this one has none",
            "train with glosses and model.ctc_weight above 0, or leave out --glosses",
        )
    for result in results:
        glosses = f"\t{result.glosses}" if args.glosses else ""
        print(f"{result.input}\t{result.sentence}{glosses}")
    if out is not None:
        atomic.write_text(out, translations_tsv(results, glosses=args.glosses))
        print(f"written: {out}")


def cmd_plot(args: argparse.Namespace) -> None:
    from sign2text import atomic, outputs
    from sign2text.reports.plots import plot_runs
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
    from sign2text import api
    from sign2text.run_folder import RunFolder

    metrics = api.evaluate(
        args.run_dir,
        args.split,
        checkpoint=args.checkpoint,
        batch_size=args.batch_size,
        progress=True,
    )
    _print_metrics(f"{args.run_dir} on {args.split} ({metrics['clips']} clips)", metrics)
    out = RunFolder(Path(args.run_dir)).evaluation(args.split)
    if args.worst:
        _print_worst(out, args.worst)
    print(f"written: {out}")


def _print_worst(evaluation: Path, n: int) -> None:
    """The `n` sentences of an evaluation with the lowest sentence BLEU."""
    from sign2text.evaluation.sentences import read_predictions, worst
    from sign2text.run_folder import PREDICTIONS

    rows = worst(read_predictions(evaluation / PREDICTIONS), n)
    print(f"the {len(rows)} worst sentences (lowest sentence BLEU):")
    for p in rows:
        print(f"  {p.clip}  BLEU {p.bleu:.2f}  WER {p.wer:.3f}")
        print(f"    reference:  {p.reference}")
        print(f"    hypothesis: {p.hypothesis or '(empty)'}")


def cmd_score(args: argparse.Namespace) -> None:
    from sign2text.evaluation.scoring import format_scores, score_files

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
    from sign2text.presets import resolve
    from sign2text.reports.compare import markdown
    from sign2text.tuning.report import write_report
    from sign2text.tuning.search import STORAGE_ENV, Search
    from sign2text.tuning.space import load_space
    from sign2text.tuning.workers import tune

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
    from sign2text.reports.show import load_clip, render

    shown = load_clip(args.clip, split=args.split, clip=args.pick, layout=args.layout)
    view = "compare" if args.compare else "normalized" if args.normalized else "raw"
    out = outputs.output_file(
        args.output or f"{shown.name}.gif", overwrite=args.overwrite, inputs=[args.clip]
    )
    atomic.remove_debris(out)
    print(f"written: {render(shown, out, view=view, fps=args.fps)}")


def cmd_extract(args: argparse.Namespace) -> None:
    from sign2text.data.video import extract_videos

    result = extract_videos(args.videos, Path(args.out), overwrite=args.overwrite)
    print(f"{len(result.written)} written, {len(result.skipped)} already there, in {args.out}")
    if result.skipped:
        print("  (--overwrite extracts those again)")
