"""`python -m losscape_lab`: the same as the `losscape` command."""

import sys

from .visualizer.app import main

sys.exit(main())
