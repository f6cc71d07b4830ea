"""Import paths of bayesreg 0.1, kept working after the move to subpackages (issue 9).

bayesreg 0.1 was one flat folder; its documented modules moved into the subpackages that show the
architecture (``docs/architecture.md``). Each old path below is a *thin alias*: importing it gives a
module whose attributes are looked up, by name, in the new modules that now hold them, so
``from bayesreg.map import find_map`` and ``bayesreg.gibbs.sample_pg1`` keep working and return
the very same objects. Importing an old path emits a ``DeprecationWarning`` naming the new one.
New code should import from the top level (``import bayesreg as br``) or the new modules.

``bayesreg.noise`` is both: the public namespace of the noise priors (:mod:`bayesreg.model.noise`,
``br.noise.Jeffreys()``) and, as in 0.1, the home of ``estimate_noise_sigma``. It is a
:data:`PUBLIC_ALIASES` path, so importing it does not warn.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

__all__ = ["LEGACY_MODULES", "PUBLIC_ALIASES", "install"]

#: old module path -> the new modules that hold its names (looked up in this order)
LEGACY_MODULES: dict[str, tuple[str, ...]] = {
    "bayesreg.priors": ("bayesreg.model.priors",),
    "bayesreg.hierarchical": ("bayesreg.model.hierarchical",),
    "bayesreg.unpenalized": ("bayesreg.model.unpenalized",),
    "bayesreg.likelihoods": ("bayesreg.model.likelihoods",),
    "bayesreg.data": ("bayesreg.model.data",),
    "bayesreg.map": ("bayesreg.inference.map", "bayesreg.inference.certificate", "bayesreg.inference.smooth_part"),
    "bayesreg.sampling": ("bayesreg.inference.sampling", "bayesreg.inference.diagnostics",
                          "bayesreg.inference.idata_io"),
    "bayesreg.noise": ("bayesreg.model.noise", "bayesreg.inference.noise_scale"),
    "bayesreg.gibbs": ("bayesreg.reference.gibbs_linear", "bayesreg.reference.gibbs_logistic",
                       "bayesreg.reference.mcse"),
    "bayesreg.presets": ("bayesreg.estimators.presets",),
    "bayesreg._blas": ("bayesreg.inference.blas",),
}

#: aliases that are current public paths, not deprecated ones (no warning on import)
PUBLIC_ALIASES: frozenset[str] = frozenset({"bayesreg.noise"})


class _AliasModule(types.ModuleType):
    """A module that forwards attribute lookups to the modules that now hold the names."""

    def __init__(self, name: str, targets: tuple[str, ...]) -> None:
        doc = (f"Public namespace; the names live in {', '.join(targets)}." if name in PUBLIC_ALIASES
               else f"Legacy path of bayesreg 0.1; the names live in {', '.join(targets)}.")
        super().__init__(name, doc)
        self.__targets = targets

    def _modules(self) -> list[types.ModuleType]:
        return [importlib.import_module(t) for t in self.__targets]

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        for module in self._modules():
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} "
                             f"(its names now live in {', '.join(self.__targets)})")

    def __dir__(self) -> list[str]:
        return sorted({n for m in self._modules() for n in getattr(m, "__all__", dir(m))})

    @property
    def __all__(self) -> list[str]:  # type: ignore[override]
        return self.__dir__()


class _LegacyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in LEGACY_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: Any) -> types.ModuleType:
        targets = LEGACY_MODULES[spec.name]
        if spec.name in PUBLIC_ALIASES:
            return _AliasModule(spec.name, targets)
        warnings.warn(f"{spec.name} is the bayesreg 0.1 path; import from {targets[0]} (or the top-level "
                      "bayesreg namespace) instead.", DeprecationWarning, stacklevel=3)
        return _AliasModule(spec.name, targets)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install() -> None:
    """Register the finder of the legacy paths (idempotent)."""
    if not any(isinstance(f, _LegacyFinder) for f in sys.meta_path):
        sys.meta_path.append(_LegacyFinder())
