"""``python -m toysup``: the ``toysup`` command.

The command line is imported only when this runs as the program, so importing every module of the library (as the
layout test does) never imports it."""

import sys

if __name__ == "__main__":
    from toysup.cli import main

    sys.exit(main())
