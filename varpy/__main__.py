"""``python -m varpy``: the same as the ``varpy`` command (:mod:`varpy.cli`)."""
import sys

from varpy.cli import main

if __name__ == "__main__":
    sys.exit(main())
