"""Where a command may write: never over what sign2text did not write, never into its input.

Every command that writes asks here before it starts. A folder that a command replaces as a
whole (a prepared dataset, a synthetic corpus) must be absent, empty, or that command's own
earlier result holding nothing else, and is replaced only with `--overwrite`. A folder that a
command adds to (a run, a search, an evaluation, extracted keypoints) must be absent, empty or
already of its kind. An existing file is replaced only with `--overwrite`. Nothing may be, hold
or lie inside what the command reads. A refusal is an `InputError`: one line naming the path,
the problem and the fix, which the CLI prints without a traceback.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sign2text import run_folder
from sign2text.atomic import is_temporary
from sign2text.errors import InputError
from sign2text.run_folder import RunFolder

SHOWN_NAMES = 4  # entries named in a refusal; the rest are counted


@dataclass(frozen=True)
class FolderKind:
    """A kind of folder a command writes: what it is called, the entries its command writes,
    and the file (JSON with `marker_keys`) that marks one as complete."""

    what: str  # "a prepared dataset"
    command: str  # the command that writes it
    names: re.Pattern[str]  # every entry name its commands write
    marker: str = ""  # for folders replaced as a whole: the file a complete one holds
    marker_keys: tuple[str, ...] = ()

    def writes(self, name: str) -> bool:
        return self.names.fullmatch(name) is not None

    def complete(self, folder: Path) -> bool:
        """Whether `folder` holds this kind's marker file with the keys it always has."""
        try:
            marker = json.loads((folder / self.marker).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(marker, dict) and all(key in marker for key in self.marker_keys)


PREPARED = FolderKind(
    "a prepared dataset",
    "prepare",
    re.compile(r"(train|val|test)\.(npy|jsonl)|meta\.json|report\.json|tokenizer-[\w.-]+\.bin"),
    marker="meta.json",
    marker_keys=("format_version", "layout", "splits"),
)
SYNTHETIC = FolderKind(
    "a synthetic corpus",
    "synth",
    re.compile(
        r"openpose|how2sign_realigned_(train|val|test)\.csv|synth_glosses\.tsv|synth_info\.json"
    ),
    marker="synth_info.json",
    marker_keys=("format_version", "size", "seed"),
)
RUN = FolderKind(
    "a run folder",
    "train",
    re.compile("|".join([*map(re.escape, run_folder.NAMES), r"eval_.+"])),
)
SEARCH = FolderKind(
    "a search folder",
    "tune",
    re.compile(
        r"study\.db(-journal|-wal|-shm)?|start\.lock|worker-\d+\.log|trial-\d+|trials\.csv"
        r"|best\.yaml|optimization_history\.png|param_importances\.png"
    ),
)
EVALUATION = FolderKind(
    "an evaluation folder", "evaluate", re.compile(r"metrics\.json|predictions\.tsv")
)


def _absolute(path: str | Path) -> Path:
    """`path` made absolute with `.` and `..` resolved, symbolic links kept."""
    return Path(os.path.abspath(path))


def _entries(folder: Path) -> list[str]:
    """The names in `folder`, folders marked with a slash, without atomic writes' temporaries."""
    with os.scandir(folder) as scan:
        return sorted(
            f"{entry.name}/" if entry.is_dir() else entry.name
            for entry in scan
            if not is_temporary(entry.name)
        )


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return f"{shown} and {more} more" if more > 0 else shown


def _pass(option: str | None, what: str) -> str:
    """The fix of a refusal: another path for `option`, or (a path no option sets) moving
    what is in the way."""
    return f"pass {option} {what}" if option else "move it away, then run the command again"


def _check_place(path: Path, option: str | None, folder: bool) -> None:
    """`path` is not something else than expected, and the folder it goes in is a folder."""
    if folder and os.path.lexists(path) and not path.is_dir():
        raise InputError(path, "is a file, not a folder", _pass(option, "a new folder"))
    if not folder and path.is_dir():
        raise InputError(path, "is a folder, not a file", _pass(option, "a file name"))
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(
                    path, f"lies inside the file {parent}", _pass(option, "a path outside it")
                )
            return


def _check_apart(path: Path, inputs: Iterable[str | Path], option: str | None) -> None:
    """`path` is not, does not hold and does not lie inside any of the paths a command reads.

    Paths are compared as strings with symbolic links resolved: a dataset's inputs are tens of
    thousands of clips, in a few folders whose resolved paths are looked up once each.
    """
    real = os.path.realpath(path)
    around = {real, *(str(parent) for parent in Path(real).parents)}
    inside = real.rstrip(os.sep) + os.sep
    resolved: dict[str, str] = {}
    for given in inputs:
        absolute = os.path.abspath(given)
        if os.path.islink(absolute):
            read = os.path.realpath(absolute)
        else:
            folder, name = os.path.split(absolute)
            if folder not in resolved:
                resolved[folder] = os.path.realpath(folder)
            read = os.path.join(resolved[folder], name)
        if read == real:
            problem = "is the input of this command"
        elif read in around:
            problem = f"lies inside the input {absolute}"
        elif read.startswith(inside):
            problem = f"holds the input {absolute}"
        else:
            continue
        raise InputError(path, problem, _pass(option, "a path outside the input"))


def _check_not_cwd(path: Path, option: str) -> None:
    """A folder replaced as a whole is not the current folder nor one that holds it."""
    cwd = Path.cwd().resolve()
    if cwd.is_relative_to(path.resolve()):
        raise InputError(
            path, "is the current folder or holds it", f"pass {option} a new folder elsewhere"
        )


def replaceable_folder(
    path: str | Path,
    kind: FolderKind,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path] = (),
    option: str = "--out",
) -> Path:
    """Check that `kind.command` may build `path` and put it in place as a whole; returns it
    absolute. Absent or empty: yes. Its own complete earlier result holding nothing else:
    only with `overwrite`. Anything else: no."""
    path = _absolute(path)
    _check_place(path, option, folder=True)
    _check_apart(path, inputs, option)
    if not path.exists():
        return path
    _check_not_cwd(path, option)
    names = _entries(path)
    if not names:
        return path
    if not kind.complete(path):
        raise InputError(
            path,
            f"is not empty and is not {kind.what} (it holds {_listing(names)})",
            f"pass {option} a new or empty folder; nothing was changed",
        )
    foreign = [name for name in names if not kind.writes(name.rstrip("/"))]
    if foreign:
        raise InputError(
            path,
            f"is {kind.what} but also holds {_listing(foreign)}, which {kind.command} did not "
            "write",
            f"move those away, or pass {option} a new folder",
        )
    if not overwrite:
        raise InputError(
            path,
            f"already holds {kind.what}",
            f"pass --overwrite to replace it, or {option} a new folder",
        )
    return path


def own_folder(
    path: str | Path,
    kind: FolderKind,
    *,
    inputs: Iterable[str | Path] = (),
    option: str | None = "--out",
) -> Path:
    """Check that `kind.command` may add its files to the folder `path` (absent, empty, or
    already holding files of `kind`); returns it absolute. `option`: the command's option that
    names the folder, if any."""
    path = _absolute(path)
    _check_place(path, option, folder=True)
    _check_apart(path, inputs, option)
    if not path.exists():
        return path
    names = _entries(path)
    if names and not any(kind.writes(name.rstrip("/")) for name in names):
        raise InputError(
            path,
            f"is not empty and is not {kind.what} (it holds {_listing(names)})",
            _pass(option, "a new or empty folder; nothing was changed"),
        )
    return path


def output_folder(path: str | Path, *, option: str = "--out") -> Path:
    """Check that new files may go in the folder `path` (absent or a folder); returns it
    absolute. What the files replace is checked file by file."""
    path = _absolute(path)
    _check_place(path, option, folder=True)
    return path


def output_file(
    path: str | Path,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path] = (),
    option: str = "-o",
) -> Path:
    """Check that a command may write the file `path`: not a folder, not its input, and an
    existing file only with `overwrite`; returns it absolute."""
    path = _absolute(path)
    _check_place(path, option, folder=False)
    _check_apart(path, inputs, option)
    if os.path.lexists(path) and not overwrite:
        raise InputError(
            path, "already exists", f"pass --overwrite to replace it, or {option} a new name"
        )
    return path


def run_folder(
    path: str | Path,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | Path] = (),
    option: str = "--run-dir",
) -> Path:
    """Check that `train` may start a fresh run in `path`: a run folder (or a new or empty
    one) that holds no finished epoch unless `overwrite`, when training removes only the
    files a run writes; returns it absolute."""
    path = own_folder(path, RUN, inputs=inputs, option=option)
    if RunFolder(path).history_file.exists() and not overwrite:
        raise InputError(
            path,
            "already holds a run",
            f"pass {option} NEW_DIR, --overwrite, or --resume {path}",
        )
    return path


def output_files(
    prefix: str | Path | None,
    suffixes: list[str],
    *,
    overwrite: bool = False,
    option: str = "-o",
) -> list[Path]:
    """Check the files `prefix` + each suffix (none when `prefix` is None), all before any is
    written, as `output_file` does; returns them absolute."""
    if prefix is None:
        return []
    if Path(prefix).is_dir() or str(prefix).endswith(os.sep):
        raise InputError(
            prefix, "is a folder, not a file name", f"pass {option} a name such as results/table"
        )
    base = _absolute(prefix)
    return [
        output_file(base.with_suffix(suffix), overwrite=overwrite, option=option)
        for suffix in suffixes
    ]
