"""Native libraries' own console lines (MediaPipe's C++ logging) kept out of the user's way.

Lines written by C++ code go straight to file descriptor 2; Python cannot filter them. While
`quiet_native_stderr` is active, descriptor 2 points at a temporary file, and Python's own
output (log handlers writing to the console, progress bars, `print(file=sys.stderr)`) goes to
the original console through a copy of it. The native lines are logged at debug level after.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import TextIO

log = logging.getLogger(__name__)


def _console_handlers() -> list[logging.StreamHandler]:
    """Every logging handler that writes to the process's standard error."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    found = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.stderr,
                sys.__stderr__,
            ):
                found.append(handler)
    return found


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send what native code writes to standard error to the debug log instead."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no descriptor 2 to redirect: leave everything as it is
        yield
        return
    console: TextIO = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8")
    handlers = _console_handlers()
    previous = [handler.setStream(console) for handler in handlers]
    python_stderr, sys.stderr = sys.stderr, console
    with tempfile.TemporaryFile() as native:
        os.dup2(native.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sys.stderr = python_stderr
            for handler, stream in zip(handlers, previous, strict=True):
                handler.setStream(stream)
            console.close()
            native.seek(0)
            lines = native.read().decode("utf-8", "replace").splitlines()
    for line in lines:
        log.debug("native: %s", line)
