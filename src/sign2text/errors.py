"""The failures a user can cause or meet: each is one line naming the file (or setting), the
problem and the fix, which the command line prints without a traceback."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any


class Failure(Exception):
    """A failure the user can act on; its message is the whole story, in one line."""

    exit_code = 1


class ConfigError(Failure, ValueError):
    """An unreadable, unknown or impossible configuration value."""

    exit_code = 2


class PathError(Failure):
    """A failure tied to one file or folder: the message names it, the problem and the fix."""

    def __init__(self, path: str | Path, problem: str, fix: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        message = f"{path}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:  # rebuilt from its parts after crossing processes
        return (type(self), (self.path, self.problem, self.fix))


class InputError(PathError, ValueError):
    """Bad input: a file that cannot be read as what it should be, or a path that is wrong."""

    exit_code = 2


class WriteError(PathError):
    """A file could not be written (full disk, file-size limit, permission, ...)."""


class TrainingError(Failure):
    """Training cannot go on as configured; the message says which setting to change."""


# What to do about the operating-system errors a user meets, by errno.
OS_ERROR_FIXES = {
    errno.ENOSPC: "the disk is full: free space there or write elsewhere",
    errno.EDQUOT: "the disk quota is used up: free space there or write elsewhere",
    errno.EFBIG: "the file-size limit is reached: raise it (ulimit -f) or write elsewhere",
    errno.EACCES: "check the permissions of the path or its folder",
    errno.EPERM: "check the permissions of the path or its folder",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "check the path: a part of it is a file",
    errno.EISDIR: "give a file, not a folder",
    errno.ENAMETOOLONG: "use a shorter name",
    errno.EIO: "the device reported an input/output error: check the disk",
}


def describe_os_error(error: OSError, path: str | Path | None = None) -> PathError:
    """`error` as one line naming `path` (else the error's own file name) and the fix."""
    where = path if path is not None else error.filename
    problem = error.strerror or str(error) or type(error).__name__
    fix = OS_ERROR_FIXES.get(error.errno or 0, "")
    return PathError(where if where is not None else "(no file named)", problem, fix)


WRITE_FIX = "check the free space on that disk and the file-size limit (ulimit -f)"


def write_error(path: str | Path, error: OSError) -> WriteError:
    """An OSError met while writing `path`, as a WriteError naming it and the fix (without an
    errno, as NumPy's short writes come, the usual causes)."""
    described = describe_os_error(error, path)
    fix = described.fix or WRITE_FIX
    return WriteError(path, f"cannot be written: {described.problem}", fix)
