"""The `sign2text` command: `parser` reads the arguments, `commands` runs each sub-command;
the work happens in the library."""

from __future__ import annotations

import sys

from sign2text import console
from sign2text.cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return console.run_reporting_failures(lambda: args.func(args), args.verbose)


if __name__ == "__main__":
    sys.exit(main())
