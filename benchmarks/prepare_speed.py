"""Reading How2Sign-layout OpenPose JSON: sign2text's reader against pose-format's.

Writes How2Sign-sized synthetic clips (How2Sign's clip lengths) with `sign2text synth`, then,
in one process and on one core, reads the same clip folders with pose-format's
`load_openpose_directory` and with sign2text's reader, alternating, several times (files in the
page cache for both). Finally it times the whole `prepare how2sign` command on all cores.
Reports frames per second and the time all of How2Sign (about 5.3 million frames) would take.

    python benchmarks/prepare_speed.py --clips 200
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pose_format.utils.openpose import load_openpose_directory

sys.path.insert(0, str(Path(__file__).parent))
from common import print_results, write_results
from sign2text.data.prepare import prepare_how2sign
from sign2text.data.readers.openpose import read_openpose_folder
from sign2text.data.synth import write_dataset

HOW2SIGN_FRAMES = 5_300_000


def _rate(read, folders: list[Path], frames: int) -> float:
    started = time.perf_counter()
    for folder in folders:
        read(folder)
    return frames / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "h2s"
        write_dataset(root, size="how2sign", seed=0, limit=args.clips)
        folders = sorted((root / "openpose").iterdir())
        frames = sum(len(os.listdir(f)) for f in folders)
        readers = {
            "pose-format load_openpose_directory": lambda f: load_openpose_directory(
                str(f), fps=24, width=1280, height=720
            ),
            "sign2text read_openpose_folder": read_openpose_folder,
        }
        rates: dict[str, list[float]] = {name: [] for name in readers}
        for _ in range(args.repeats):
            for name, read in readers.items():
                rates[name].append(_rate(read, folders, frames))
        started = time.perf_counter()
        prepare_how2sign(root, root / "prepared", progress=False)
        prepare_rate = frames / (time.perf_counter() - started)
    baseline = statistics.median(rates["pose-format load_openpose_directory"])
    rows = []
    for name, values in rates.items():
        rate = statistics.median(values)
        rows.append(
            {
                "reader (one core)": name,
                "frames/s (median)": f"{rate:,.0f}",
                "x pose-format": f"{rate / baseline:.2f}",
                "How2Sign on one core": f"{HOW2SIGN_FRAMES / rate / 60:.0f} min",
            }
        )
    rows.append(
        {
            "reader (one core)": f"sign2text prepare how2sign, {os.cpu_count()} workers",
            "frames/s (median)": f"{prepare_rate:,.0f}",
            "x pose-format": f"{prepare_rate / baseline:.2f} (all cores)",
            "How2Sign on one core": f"{HOW2SIGN_FRAMES / prepare_rate / 60:.0f} min (all cores)",
        }
    )
    print_results(rows, f"{len(folders)} How2Sign-sized synthetic clips, {frames:,} frames")
    write_results(args.json, rows)


if __name__ == "__main__":
    main()
