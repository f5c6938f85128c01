"""Command line: python -m benchmarks.languages.keyframe --preset NAME --out DIR."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .corpus import write_language
from .spec import PRESETS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.languages.keyframe", description=__doc__
    )
    parser.add_argument("--preset", required=True, choices=sorted(PRESETS))
    parser.add_argument("--out", required=True, type=Path, help="dataset folder (must not exist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clips", type=int, nargs=3, metavar=("TRAIN", "VAL", "TEST"))
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"keyframe: {args.out} already exists; refusing to overwrite it", file=sys.stderr)
        return 1
    started = time.perf_counter()
    try:
        summary = write_language(args.out, args.preset, args.seed, args.clips)
    except FileExistsError:
        print(f"keyframe: {args.out} already exists; refusing to overwrite it", file=sys.stderr)
        return 1
    except (ValueError, RuntimeError) as error:
        print(f"keyframe: {error}", file=sys.stderr)
        return 2
    clips = summary["clips"]
    print(
        f"keyframe: wrote {args.out} ({args.preset}, seed {args.seed}): "
        f"{clips['train']}/{clips['val']}/{clips['test']} clips, "
        f"{summary['mean_frames_per_clip']} frames per clip, "
        f"{summary['vocabulary']['signs']} signs, in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
