"""Run `sign2text ARGS` and kill it with SIGKILL at a moment set by its progress, never by time.

    python kill_at.py MOMENT [--shard-clips N] -- ARGS...

MOMENT is KIND:N, the Nth event of KIND in this process:
- step:N   the start of the Nth training step (mid-epoch);
- write:N  the Nth atomic file write (a checkpoint, history.json, state.json, a prepare shard,
           ...), once its temporary file is written, after cutting that file to half its size:
           a write torn by the kill;
- folder:N the Nth atomic folder (a prepared dataset), complete but not yet renamed into place;
- none     no kill: the run ends as usual.
--shard-clips sets prepare's clips per shard, so that tiny datasets have several shards.

The functions are patched here, from outside the package, before `sign2text.cli.main` runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sign2text import atomic, cli
from sign2text.data.prepare import shards


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _counter(n: int) -> Callable[[], bool]:
    """A function that returns True on its nth call."""
    calls = 0

    def due() -> bool:
        nonlocal calls
        calls += 1
        return calls == n

    return due


def kill_at_step(n: int) -> None:
    from sign2text.training.module import TranslationModule  # here: torch takes seconds to load

    due, original = _counter(n), TranslationModule.training_step

    def training_step(self: TranslationModule, *args: Any) -> None:
        if due():
            _kill()
        return original(self, *args)

    TranslationModule.training_step = training_step


def kill_at_write(n: int) -> None:
    due, original = _counter(n), atomic.atomic_path

    @contextlib.contextmanager
    def atomic_path(path: str | Path) -> Iterator[Path]:
        with original(path) as tmp:
            yield tmp
            if due():
                os.truncate(tmp, tmp.stat().st_size // 2)
                _kill()

    atomic.atomic_path = atomic_path


def kill_at_folder(n: int) -> None:
    due, original = _counter(n), atomic.atomic_dir

    @contextlib.contextmanager
    def atomic_dir(path: str | Path, **options: Any) -> Iterator[Path]:
        with original(path, **options) as tmp:
            yield tmp
            if due():
                _kill()

    atomic.atomic_dir = atomic_dir


KINDS = {"step": kill_at_step, "write": kill_at_write, "folder": kill_at_folder}


def main(argv: list[str]) -> int:
    split = argv.index("--")
    options, args = argv[:split], argv[split + 1 :]
    moment = options[0]
    if moment != "none":
        kind, n = moment.split(":")
        KINDS[kind](int(n))
    if "--shard-clips" in options:
        shards.SHARD_CLIPS = int(options[options.index("--shard-clips") + 1])
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
