"""``python -m sim`` runs the same command as ``deai-sim``."""

import sys

from sim.cli import main

sys.exit(main())
