"""Command-line interface: a thin shell over the public API (``docs/architecture.md``).

``bayesreg verify``   MAP ≡ penalised optimum, per convention (``--all``: every convention on
                      the bundled data; exit code 1 when any case is not equivalent)
``bayesreg convert``  penalty ↔ prior between conventions
``bayesreg fit``      MAP or NUTS on a CSV or bundled data set; ``--output`` writes NetCDF
``bayesreg datasets`` the bundled data sets

Each command is a module with ``register(subparsers)`` and ``run(args)``; input problems raise
:class:`~bayesreg.cli.options.UserError`, printed in one line with exit code 2, and so is every
``OSError`` (a file that cannot be read or written): never a traceback.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from bayesreg.cli import convert_command, datasets_command, fit_command, verify_command
from bayesreg.cli.fit_command import write_netcdf_atomic
from bayesreg.cli.options import UserError
from bayesreg.verify import ALL_CASES  # the main job's cases (re-exported)

__all__ = ["main", "build_parser", "ALL_CASES", "write_netcdf_atomic"]

COMMANDS = (verify_command, convert_command, fit_command, datasets_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayesreg", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayesreg`` console script."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, usage errors 2
        return int(exc.code or 0)
    np.set_printoptions(precision=6)
    try:
        return int(args.func(args))
    except (UserError, OSError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the exception's own text
        print(f"bayesreg {args.command}: error: {message}", file=sys.stderr)
        return 2
