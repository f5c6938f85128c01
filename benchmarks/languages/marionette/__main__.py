"""Command line: python -m benchmarks.languages.marionette --preset NAME --out DIR."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .spec import PRESETS
from .writer import write_language


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.languages.marionette",
        description="Write a synthetic 'marionette' sign language in How2Sign's layout.",
    )
    parser.add_argument("--preset", required=True, choices=sorted(PRESETS))
    parser.add_argument("--out", required=True, type=Path, help="dataset folder (must not exist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clips", type=int, nargs=3, metavar=("TRAIN", "VAL", "TEST"))
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"error: {args.out} already exists; refusing to overwrite it", file=sys.stderr)
        return 1
    try:
        summary = write_language(
            args.out, args.preset, args.seed, tuple(args.clips) if args.clips else None
        )
    except FileExistsError:
        print(f"error: {args.out} already exists; refusing to overwrite it", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    c = summary["clips"]
    print(
        f"{args.out}: preset {args.preset}, seed {args.seed}, clips {c['train']}/{c['val']}/"
        f"{c['test']}, {summary['frames']['total']} frames (mean "
        f"{summary['mean_frames_per_clip']['all']} a clip), {summary['vocabulary']['signs']} "
        f"signs, {summary['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
