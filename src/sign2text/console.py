"""What a command shows on the console: this package's log records (above any progress bar,
never onto it), quiet libraries, and a failure the user can act on as one line (with its
traceback only when asked)."""

from __future__ import annotations

import logging
import sys
import traceback
import warnings
from collections.abc import Callable

from tqdm.contrib.logging import logging_redirect_tqdm

from sign2text.errors import Failure, describe_os_error


def _quiet_libraries() -> None:
    for name in ("absl", "lightning.pytorch.utilities.rank_zero", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*treespec.*")
    warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")
    # every process validates the whole validation set, so there is nothing to synchronise
    warnings.filterwarnings("ignore", message=".*when logging on epoch level in distributed.*")
    # the training module resumes its batch sampler itself (TranslationModule.train_dataloader)
    warnings.filterwarnings("ignore", message=".*your dataloader is not resumable.*")


def run_reporting_failures(command: Callable[[], None], verbose: bool = False) -> int:
    """Run `command` with this package's logging on the console; a failure the user can act on
    is one line (its traceback too with `verbose`). Returns the exit status."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _quiet_libraries()
    logging.raiseExceptions = verbose  # a log file on a full disk is not worth a traceback
    try:
        with logging_redirect_tqdm():  # log lines go above progress bars, not onto them
            command()
    except Failure as error:
        return _report(error, error.exit_code, verbose)
    except OSError as error:  # a file the command met: unreadable, unwritable, missing
        return _report(describe_os_error(error), 1, verbose)
    return 0


def _report(error: Exception, code: int, verbose: bool) -> int:
    """Print `error` as one line (after its traceback with -v); returns the exit status."""
    if verbose:
        traceback.print_exc()
    line = " ".join(str(error).split())
    print(f"sign2text: error: {line}", file=sys.stderr)
    return code
