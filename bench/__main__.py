"""Entry point of ``python -m bench``."""

from __future__ import annotations

import sys

from bench.run import main

try:
    code = main()
except KeyboardInterrupt:
    print("\ninterrupted: servers stopped, no results written", file=sys.stderr)
    code = 130
sys.exit(code)
