"""Native libraries' console lines go to the debug log; Python's own output still shows."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from sign2text.native_output import quiet_native_stderr


def test_native_lines_leave_the_console_and_python_lines_stay(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("sign2text.test_native")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.DEBUG, "sign2text"), quiet_native_stderr():
            os.write(2, b"W0000 native warning from C++\n")  # as a C++ library writes
            logger.warning("python progress line")
            print("a progress bar", file=sys.stderr)
    finally:
        logger.removeHandler(handler)
    err = capfd.readouterr().err
    assert "python progress line" in err and "a progress bar" in err
    assert "native warning" not in err
    assert "native: W0000 native warning from C++" in caplog.text
    os.write(2, b"after\n")  # descriptor 2 is the console again
    assert "after" in capfd.readouterr().err
