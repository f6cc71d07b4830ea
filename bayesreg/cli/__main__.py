"""``python -m bayesreg.cli``: the same as the ``bayesreg`` console script."""

import sys

from bayesreg.cli import main

sys.exit(main())
