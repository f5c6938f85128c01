"""`python -m sign2text` runs the command-line interface."""

import sys

from sign2text.cli import main

sys.exit(main())
