"""``bayesreg datasets``: the bundled data sets."""

from __future__ import annotations

import argparse
import json

from bayesreg.cli.options import add_common

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    from bayesreg.datasets import list_datasets, load_dataset

    info = {}
    for name, desc in list_datasets().items():
        ds = load_dataset(name)
        info[name] = {"n": int(ds.X.shape[0]), "p": int(ds.X.shape[1]), "task": ds.task,
                      "description": desc}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for name, d in info.items():
            print(f"{name:<18} n={d['n']:<5} p={d['p']:<4} {d['task']:<15} {d['description']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this command's parser to the ``bayesreg`` subcommands."""
    d = sub.add_parser("datasets", help="list the bundled data sets")
    add_common(d)
    d.set_defaults(func=run)
