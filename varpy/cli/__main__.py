"""``python -m varpy.cli``: the same as the ``varpy`` command (:func:`varpy.cli.main`)."""
import sys

from varpy.cli import main

if __name__ == "__main__":
    sys.exit(main())
