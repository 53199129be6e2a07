"""``python -m toysup.cli``: the ``toysup`` command."""

import sys

from . import main

sys.exit(main())
