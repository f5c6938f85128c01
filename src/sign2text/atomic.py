"""Atomic writes: a file or folder is either complete at its final path or absent; and the
removal of the temporary files an interrupted write left behind. A write that fails (full disk,
file-size limit, permission) raises a `WriteError` naming the file and the fix.

Temporary names are `.<name>.<pid>-<random>.tmp` (files), `.<name>.<pid>-<random>.partial`
(folders) and `.<name>.old-<pid>` (a folder being replaced), beside `<name>`: the pid says
whether the process that made one is still alive.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sign2text.errors import InputError, WriteError, write_error

log = logging.getLogger(__name__)

# Temporary names of earlier versions carry no pid; they count as debris once this old.
UNOWNED_DEBRIS_SECONDS = 24 * 3600
_RANDOM = r"[a-z0-9_]{8}"  # what tempfile puts in a name


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}-"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename.

    An OSError while the caller writes the temporary file, or while it is put in place, is a
    `WriteError` naming `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as error:
        raise write_error(path, error) from error
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.chmod(0o644)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as error:
        raise write_error(path, error) from error
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 `text` to `path` atomically."""
    write_bytes(path, text.encode("utf-8"))


def strict_json(obj: Any) -> Any:
    """`obj` with every non-finite float (NaN, infinity) replaced by None: strict JSON has no
    such numbers, and readers other than Python's reject them."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: strict_json(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict_json(value) for value in obj]
    return obj


def write_json(path: str | Path, obj: Any) -> None:
    """Write `obj` as indented strict JSON to `path` atomically (non-finite numbers as null)."""
    text = json.dumps(strict_json(obj), indent=2, ensure_ascii=False, allow_nan=False)
    write_text(path, text + "\n")


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; on success it takes `path`'s place.

    `path` may be absent or an empty folder; an existing folder is replaced only when
    `replace` (the caller has checked it is its own), and only once the new one is complete,
    so an interrupted run leaves the old result (or nothing), never a half-written one. A
    failed write in the folder is a `WriteError` naming the file at its final path.
    """
    path = Path(os.path.abspath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(path), suffix=".partial", dir=path.parent))
    except OSError as error:
        raise write_error(path, error) from error
    try:
        try:
            yield tmp
        except OSError as error:
            raise write_error(_final(error.filename, tmp, path), error) from error
        except WriteError as error:
            final = _final(error.path, tmp, path)
            raise WriteError(final, error.problem, error.fix) from error
        tmp.chmod(0o755)
        old = None
        if os.path.lexists(path) and not _empty_folder(path):
            if not replace:
                raise InputError(
                    path,
                    "appeared while this command was writing it; nothing was replaced",
                    "move it away and run the command again",
                )
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _final(name: object, tmp: Path, path: Path) -> Path:
    """Where the file `name`, written in the temporary folder `tmp`, will be once `tmp` is
    `path` (`path` itself when `name` is elsewhere or unknown)."""
    if not isinstance(name, str) or not Path(name).is_relative_to(tmp):
        return path
    return path / Path(name).relative_to(tmp)


def _empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _debris_pattern(name: str | None) -> re.Pattern[str]:
    """Temporary names of `name` (of any name when None), with the pid in group `pid`."""
    stem = re.escape(name) if name is not None else r".+"
    return re.compile(
        rf"\.{stem}\.(?:(?:(?P<pid>\d+)-)?{_RANDOM}\.(?:tmp|partial)|old-(?P<old>\d+))"
    )


def is_temporary(name: str) -> bool:
    """Whether `name` is one of the temporary names atomic writes use."""
    return _debris_pattern(None).fullmatch(name) is not None


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _abandoned(entry: Path, match: re.Match[str]) -> bool:
    """Whether the process that made `entry` is gone (for names without a pid: it is old)."""
    pid = match.group("pid") or match.group("old")
    if pid is not None:
        return not _process_alive(int(pid))
    try:
        age = time.time() - entry.lstat().st_mtime
    except OSError:
        return False
    return age > UNOWNED_DEBRIS_SECONDS


def debris(folder: str | Path, name: str | None = None) -> list[Path]:
    """Temporary files and folders in `folder` that interrupted writes of `name` (of any name
    when None) left behind: their process is no longer alive."""
    folder = Path(folder)
    pattern = _debris_pattern(name)
    try:
        entries = sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is not None and _abandoned(entry, match):
            found.append(entry)
    return found


def remove_debris(path: str | Path) -> list[Path]:
    """Remove what interrupted writes of `path` left beside it and, when `path` is a folder,
    what interrupted writes of its files left in it; returns the removed paths."""
    path = Path(os.path.abspath(path))
    found = debris(path.parent, path.name)
    if path.is_dir() and not path.is_symlink():
        found += debris(path)
    for entry in found:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        log.info("removed %s, left by an interrupted earlier run", entry)
    return found
