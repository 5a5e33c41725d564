"""``python -m mcgen`` is the ``mcgen`` command."""

import sys

from mcgen.cli import main

sys.exit(main())
