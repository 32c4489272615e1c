"""`python -m simulator` runs the `capsim` command."""

import sys

from simulator.cli import main

sys.exit(main())
