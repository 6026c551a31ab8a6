"""`python -m mailx.cli`: the same as the `mailx` console script (for environments without it)."""

import sys

from mailx.cli import main

sys.exit(main())
