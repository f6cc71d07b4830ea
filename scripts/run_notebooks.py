#!/usr/bin/env python
"""Execute the notebooks in ``notebooks/`` with nbclient.

Full mode (default) runs every notebook with the full number of draws and writes the executed
notebook back in place, atomically (temporary file in the same directory, then ``os.replace``), so
the committed notebooks carry their outputs. ``--quick`` sets ``BAYESREG_QUICK=1`` (fewer draws,
coarser grids) and does not write unless ``--write`` is given.

    python scripts/run_notebooks.py                 # full mode, outputs written back
    python scripts/run_notebooks.py --quick         # quick check, nothing written
    python scripts/run_notebooks.py 02_posterior_uncertainty.ipynb --quick

Exit status 1 if any notebook fails (the failing cell's error is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
CELL_TIMEOUT = 900  # seconds per cell
KERNEL = "python3"


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """The notebooks to run: all of ``notebooks/*.ipynb`` (sorted) or the named ones."""
    if not names:
        return sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    out = []
    for name in names:
        path = Path(name)
        if not path.exists():
            path = NOTEBOOK_DIR / name
        if not path.exists():
            raise FileNotFoundError(f"no such notebook: {name}")
        out.append(path.resolve())
    return out


def execute(path: Path, *, quick: bool, timeout: int = CELL_TIMEOUT, kernel_name: str = KERNEL):
    """Execute one notebook (in its own directory) and return the executed ``NotebookNode``.

    ``BAYESREG_QUICK`` is set for the kernel process (it inherits this process's environment) and
    restored afterwards.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    previous = os.environ.get("BAYESREG_QUICK")
    os.environ["BAYESREG_QUICK"] = "1" if quick else "0"
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    finally:
        if previous is None:
            os.environ.pop("BAYESREG_QUICK", None)
        else:
            os.environ["BAYESREG_QUICK"] = previous
    return nb


def write_atomic(nb, path: Path) -> None:
    """Write ``nb`` to ``path`` via a temporary file in the same directory and ``os.replace``.

    The file keeps its permissions (a new file gets the usual 0666 & ~umask).
    """
    import nbformat

    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".ipynb.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
        os.chmod(tmp, mode)  # mkstemp creates 0600; keep the notebook's own permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook files or names in notebooks/ (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="set BAYESREG_QUICK=1 (fewer draws); outputs are not written unless --write")
    parser.add_argument("--write", action="store_true", help="with --quick, write the executed notebooks back")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default 900)")
    args = parser.parse_args(argv)

    try:
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        print("nbclient is not installed: pip install -e '.[test]'", file=sys.stderr)
        return 2
    paths = notebook_paths(args.notebooks)
    if not paths:
        print(f"no notebooks found in {NOTEBOOK_DIR}", file=sys.stderr)
        return 2
    write = args.write or not args.quick
    mode = "quick" if args.quick else "full"
    failed = []
    total = time.perf_counter()
    for path in paths:
        start = time.perf_counter()
        print(f"[{mode}] {path.name} ...", flush=True)
        try:
            nb = execute(path, quick=args.quick, timeout=args.timeout)
        except CellExecutionError as exc:
            failed.append(path.name)
            print(f"FAILED {path.name} after {time.perf_counter() - start:.0f} s\n{exc}", flush=True)
            continue
        except Exception as exc:  # kernel died, timeout, ...
            failed.append(path.name)
            print(f"FAILED {path.name} after {time.perf_counter() - start:.0f} s: {type(exc).__name__}: {exc}",
                  flush=True)
            continue
        if write:
            write_atomic(nb, path)
        print(f"ok     {path.name} in {time.perf_counter() - start:.0f} s{' (written)' if write else ''}",
              flush=True)
    print(f"{len(paths) - len(failed)}/{len(paths)} notebooks ran in {time.perf_counter() - total:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
