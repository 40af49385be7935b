"""``python -m pynn_spinn_virtual run|check SCRIPT ...``: the command line (see cli.py)."""
import sys

from .cli import main

sys.exit(main())
