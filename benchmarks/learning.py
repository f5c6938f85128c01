"""Learning benchmark: does sign2text learn every sign language it is given, at equal wall time?

For each language of `languages/catalogue.py`: write it in How2Sign's layout (once), then the
README's own commands: `sign2text prepare how2sign`, `sign2text train --config PRESET --set
train.max_minutes=M`, `sign2text evaluate --split test`; and the plain learner
(`plain_learner.py`) with the same training budget, in the same run, one after the other.

    python benchmarks/learning.py --minutes 4                         # demo preset vs plain
    python benchmarks/learning.py --minutes 4 --variant v2=how2sign_v2:model.d_model=128
    python benchmarks/learning.py --epochs 12 --no-plain --variant post=demo:model.norm_first=false

`--epochs E` trains every variant for E epochs without a time limit instead: an ablation at
equal epochs, unaffected by other load on the machine. Results are appended to `--json` (one
line per run) as they come, and printed as a table at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import machine, table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.languages.catalogue import LANGUAGES

HERE = Path(__file__).resolve().parent
SIGN2TEXT = [sys.executable, "-m", "sign2text"]
INPUT_GAIN = 0.05  # swapped-input val loss above true pairs' by this much: the model reads input


@dataclass(frozen=True)
class Variant:
    """A sign2text set-up: a preset and overrides, under a label."""

    label: str
    config: str
    overrides: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Variant:
        """`LABEL=PRESET[:key=value[:key=value...]]`"""
        label, _, rest = text.partition("=")
        config, *overrides = rest.split(":")
        return cls(label, config or "demo", tuple(overrides))


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode:
        raise SystemExit(f"{' '.join(command[:4])} ... failed: see {log}")


def ensure_data(name: str, root: Path, seed: int, env: dict[str, str], log: Path) -> Path:
    """The language's prepared dataset, written and prepared on first use."""
    raw, prepared = root / name / "raw", root / name / "prepared"
    if not raw.exists():
        started = time.perf_counter()
        LANGUAGES[name].write(raw, seed)
        print(f"{name}: written in {time.perf_counter() - started:.0f} s", flush=True)
    if not (prepared / "meta.json").exists():
        _run(
            [
                *SIGN2TEXT,
                "prepare",
                "how2sign",
                str(raw),
                "--out",
                str(prepared),
                "--config",
                "demo",
            ],
            env,
            log,
        )
    return prepared


def input_read_from(history: dict[str, list[Any]]) -> int | None:
    """First epoch whose swapped-input val loss exceeds the true pairs' by INPUT_GAIN."""
    pairs = zip(history.get("val_loss", []), history.get("val_loss_swapped", []), strict=False)
    for epoch, (true, swapped) in enumerate(pairs, start=1):
        if swapped - true >= INPUT_GAIN:
            return epoch
    return None


def run_sign2text(
    variant: Variant,
    prepared: Path,
    run_dir: Path,
    budget: list[str],
    env: dict[str, str],
    log: Path,
) -> dict[str, Any]:
    """Train and evaluate one variant through the CLI; the figures of the results table."""
    overrides = [f"data.prepared={prepared}", *budget, *variant.overrides]
    command = [
        *SIGN2TEXT,
        "train",
        "--config",
        variant.config,
        "--run-dir",
        str(run_dir),
        "--overwrite",
        *(a for o in overrides for a in ("--set", o)),
    ]
    _run(command, env, log)
    _run([*SIGN2TEXT, "evaluate", str(run_dir), "--split", "test"], env, log)
    history = json.loads((run_dir / "history.json").read_text())
    metrics = json.loads((run_dir / "eval_test" / "metrics.json").read_text())
    seconds = sum(history["epoch_seconds"])
    val_seconds = sum(history.get("val_seconds", [0.0]))
    clips = sum(
        c * (s - v)
        for c, s, v in zip(
            history["clips_per_second"],
            history["epoch_seconds"],
            history.get("val_seconds", []),
            strict=False,
        )
    )
    return {
        "epochs": len(history["epoch"]),
        "train_seconds": round(seconds, 1),
        "train clips/s": round(clips / max(seconds - val_seconds, 1e-9), 1),
        "epoch clips/s": round(clips / max(seconds, 1e-9), 1),
        "val share": round(val_seconds / max(seconds, 1e-9), 3),
        "input read from epoch": input_read_from(history),
        "test BLEU-4": round(metrics["bleu4"], 2),
        "swapped BLEU-4": round(metrics["ablations"]["swapped inputs"]["bleu4"], 2),
        "val BLEU-4 by epoch": [round(b, 1) for b in history.get("val_bleu4", [])],
    }


def run_plain(raw: Path, minutes: float, seed: int, env: dict[str, str], log: Path) -> dict:
    """The plain learner with the same budget."""
    out = log.with_suffix(".plain.json")
    _run(
        [
            sys.executable,
            str(HERE / "plain_learner.py"),
            str(raw),
            "--minutes",
            str(minutes),
            "--seed",
            str(seed),
            "--json",
            str(out),
        ],
        env,
        log,
    )
    result = json.loads(out.read_text())
    return {
        "epochs": result["epochs"],
        "train_seconds": result["train_seconds"],
        "train clips/s": result["clips_per_second"],
        "epoch clips/s": result["clips_per_second"],
        "val share": 0.0,
        "input read from epoch": None,
        "test BLEU-4": round(result["test_bleu4"], 2),
        "swapped BLEU-4": round(result["swapped_bleu4"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=float, help="training budget of every learner")
    budget.add_argument("--epochs", type=int, help="epochs of every sign2text variant instead")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument(
        "--variant",
        action="append",
        type=Variant.parse,
        default=[],
        help="LABEL=PRESET[:key=value...] (default: demo=demo)",
    )
    parser.add_argument("--no-plain", action="store_true", help="skip the plain learner")
    parser.add_argument("--seeds", default="0", help="training seeds, comma-separated")
    parser.add_argument("--data", type=Path, default=Path("data/learning"))
    parser.add_argument("--runs", type=Path, default=Path("runs/learning"))
    parser.add_argument("--threads", type=int, help="CPU threads per training process")
    parser.add_argument("--json", type=Path, help="append one line per run here")
    args = parser.parse_args()
    variants = args.variant or [Variant("demo", "demo", ())]
    env = dict(os.environ)
    if args.threads:
        env |= {"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(HERE.parent / "src"), env.get("PYTHONPATH")])
    )
    plan = (
        [f"train.max_minutes={args.minutes}", "train.epochs=1000"]
        if args.minutes
        else [f"train.epochs={args.epochs}", "train.early_stopping_patience=1000"]
    )
    args.runs.mkdir(parents=True, exist_ok=True)
    rows = []
    print(json.dumps(machine()), flush=True)

    def report(name: str, label: str, seed: int, figures: dict[str, Any]) -> None:
        row = {"language": name, "learner": label, "seed": seed, **figures}
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")

    for name in args.languages.split(","):
        log = args.runs / f"{name}.log"
        prepared = ensure_data(name, args.data, 0, env, log)
        for seed in (int(s) for s in args.seeds.split(",")):
            for v in variants:
                run_dir = args.runs / f"{name}-{v.label}-s{seed}"
                seeded = Variant(v.label, v.config, (*v.overrides, f"train.seed={seed}"))
                report(
                    name, v.label, seed, run_sign2text(seeded, prepared, run_dir, plan, env, log)
                )
            if args.minutes and not args.no_plain:
                raw = prepared.parent / "raw"
                report(name, "plain", seed, run_plain(raw, args.minutes, seed, env, log))
    shown = [{k: v for k, v in r.items() if k != "val BLEU-4 by epoch"} for r in rows]
    print(table(shown))


if __name__ == "__main__":
    main()
