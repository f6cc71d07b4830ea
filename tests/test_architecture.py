"""The dependency rules of the package layout, read from the imports (``docs/architecture.md``).

Every ``import`` / ``from ... import`` statement in ``bayesreg/`` (at module level or inside a
function) is parsed with :mod:`ast` and mapped to the *part* of the package it belongs to. An import
of another part must be an arrow of :data:`ALLOWED`; third-party imports and calls named in
:data:`FORBIDDEN_THIRD_PARTY` / :data:`SAMPLER_CALLS` are allowed only in ``inference/``. The rules of
issue 9 follow from the table and are asserted on it (:func:`test_rules_encode_the_layout_contract`),
and the checker is shown to fail on a tree with forbidden imports (:func:`test_checker_catches_forbidden_imports`).
The Mermaid picture in ``docs/architecture.md`` is generated from :data:`ALLOWED`
(``python tests/test_architecture.py`` prints it) and checked to be current.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bayesreg"
DOC = ROOT / "docs" / "architecture.md"

#: the parts of the package: a subpackage, or a top-level module (several modules may form a part)
PARTS: dict[str, tuple[str, ...]] = {
    "api": ("bayesreg.__init__", "bayesreg._legacy_paths"),
    "validation": ("bayesreg._validation",),
    "datasets": ("bayesreg.datasets",),
    "model": ("bayesreg.model",),
    "conventions": ("bayesreg.conventions",),
    "reference": ("bayesreg.reference",),
    "inference": ("bayesreg.inference",),
    "estimators": ("bayesreg.estimators",),
    "verify": ("bayesreg.verify", "bayesreg.verify_cases"),
    "plots": ("bayesreg.plots",),
    "cli": ("bayesreg.cli",),
}

#: the allowed arrows "part -> parts it may import"; everything else is forbidden
ALLOWED: dict[str, frozenset[str]] = {
    "validation": frozenset(),
    "datasets": frozenset(),
    "reference": frozenset(),
    "model": frozenset({"validation"}),
    "conventions": frozenset({"model", "validation"}),
    "inference": frozenset({"model", "conventions", "validation"}),
    "estimators": frozenset({"model", "conventions", "inference", "validation"}),
    "verify": frozenset({"model", "conventions", "inference", "reference", "validation"}),
    "plots": frozenset({"model", "conventions", "inference", "reference", "verify", "validation"}),
    "cli": frozenset({"api", "datasets", "conventions", "verify", "plots"}),
    "api": frozenset(PARTS) - {"api"},
}

#: what the command line may import: the public namespaces, and no private names
CLI_PUBLIC_MODULES = frozenset({"bayesreg", "bayesreg.datasets", "bayesreg.conventions", "bayesreg.verify",
                                "bayesreg.plots"})

#: third-party packages that only inference/ may import (reference/ may not import PyMC or PyTensor either)
SAMPLING_PACKAGES = frozenset({"arviz", "nutpie", "numpyro", "blackjax", "jax"})
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    part: SAMPLING_PACKAGES | ({"pymc", "pytensor"} if part == "reference" else set())
    for part in PARTS if part != "inference"
}
#: PyMC functions that run a sampler or an optimiser: only inference/ calls them
SAMPLER_CALLS = frozenset({"sample", "sample_posterior_predictive", "sample_prior_predictive", "find_MAP", "fit",
                           "sample_smc", "sample_blackjax_nuts", "sample_numpyro_nuts"})


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    return ".".join(rel.parts)


def part_of(module: str) -> str | None:
    """The part a ``bayesreg`` module belongs to (``None`` for non-bayesreg modules)."""
    if module == "bayesreg":
        return "api"
    best = None
    for part, prefixes in PARTS.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (part, len(prefix))
    return best[0] if best else None


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str, list[str]]]:
    """``(line, imported module, imported names)`` for every import statement, relative ones resolved."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            out.append((node.lineno, base, [alias.name for alias in node.names]))
    return out


def _pymc_aliases(tree: ast.AST) -> set[str]:
    names = {"pymc"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name == "pymc" and a.asname}
    return names


def check_tree(package_dir: Path) -> list[Violation]:
    """All violations of the rules in the package rooted at ``package_dir`` (a ``bayesreg`` folder)."""
    violations: list[Violation] = []
    for path in sorted(package_dir.rglob("*.py")):
        module = module_name(path, package_dir)
        is_package = path.name == "__init__.py"
        if is_package:
            module = module.removesuffix(".__init__") or module
        src_part = part_of(module if not is_package or module != "bayesreg" else "bayesreg.__init__")
        if src_part is None:
            violations.append(Violation(module, 0, "belongs to no part: add it to PARTS (and to docs/architecture.md)"))
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, target, names in _imports(tree, module, is_package):
            top = target.split(".")[0]
            if top == "bayesreg":
                dst = part_of(target)
                if dst is None and target == "bayesreg":
                    dst = "api"
                if dst is not None and dst != src_part and dst not in ALLOWED[src_part]:
                    violations.append(Violation(module, line,
                                                f"{src_part} -> {dst} ({target}) is not an allowed arrow"))
                if src_part == "cli" and dst != "cli":
                    private = [n for n in names if n.startswith("_")]
                    if target not in CLI_PUBLIC_MODULES or private or "._" in target:
                        violations.append(Violation(module, line, f"cli imports {target} {private or ''}: "
                                                                  "the command line uses the public API only"))
            elif top in FORBIDDEN_THIRD_PARTY.get(src_part, ()):
                violations.append(Violation(module, line, f"{src_part} imports {target}: only inference/ may"))
        if src_part != "inference":
            aliases = _pymc_aliases(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and node.attr in SAMPLER_CALLS
                        and isinstance(node.value, ast.Name) and node.value.id in aliases):
                    what = f"calls {node.value.id}.{node.attr}: only inference/ runs PyMC's samplers"
                    violations.append(Violation(module, node.lineno, what))
    return violations


#: the boxes of the picture
LABELS = {
    "api": "bayesreg (top-level namespace)",
    "cli": "cli/<br/>bayesreg verify · convert · fit",
    "plots": "plots/<br/>penalty · path · posterior",
    "verify": "verify.py<br/>MAP ≡ penalised optimum",
    "estimators": "estimators/<br/>BayesianRegression · presets",
    "inference": "inference/<br/>exact MAP · NUTS · ArviZ",
    "conventions": "conventions/<br/>λ ↔ prior, both directions",
    "model": "model/<br/>priors · likelihoods · data · PyMC model",
    "reference": "reference/<br/>NumPy solvers · Gibbs samplers",
    "datasets": "datasets/<br/>bundled data",
    "validation": "_validation.py<br/>one message format",
}


def mermaid() -> str:
    """The allowed arrows as a Mermaid flowchart (the picture in docs/architecture.md)."""
    lines = ["flowchart TD"]
    lines += [f'    {part}["{LABELS[part]}"]' for part in PARTS]
    for src in PARTS:
        for dst in sorted(ALLOWED[src], key=list(PARTS).index):
            if src == "api":
                continue  # the top-level namespace re-exports every part
            lines.append(f"    {src} --> {dst}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------- tests
def test_package_follows_the_dependency_rules() -> None:
    violations = check_tree(PACKAGE)
    assert not violations, "\n".join(map(str, violations))


def test_rules_encode_the_layout_contract() -> None:
    """Issue 9's rules, as consequences of the table (so a loosened table fails here)."""
    assert not ALLOWED["reference"] & {"model", "inference", "estimators"}
    assert {"pymc", "pytensor", "arviz"} <= FORBIDDEN_THIRD_PARTY["reference"]
    for part in ("model", "conventions"):
        assert not ALLOWED[part] & {"inference", "estimators", "plots", "cli"}
    assert not ALLOWED["inference"] & {"estimators", "plots", "cli"}
    for part in PARTS:
        if part != "inference":
            assert "arviz" in FORBIDDEN_THIRD_PARTY[part]
    assert ALLOWED["cli"] <= {"api", "datasets", "conventions", "verify", "plots"}


def test_every_module_belongs_to_a_part() -> None:
    orphans = [m for m in (module_name(p, PACKAGE).removesuffix(".__init__") for p in PACKAGE.rglob("*.py"))
               if m != "bayesreg" and part_of(m) is None]
    assert not orphans


@pytest.mark.parametrize(("file", "code", "expected"), [
    ("reference/penalized.py", "import pymc as pm\n", "reference imports pymc"),
    ("reference/mcse.py", "from bayesreg.model.priors import Laplace\n", "reference -> model"),
    ("model/priors.py", "def f():\n    from bayesreg.inference.map import find_map\n", "model -> inference"),
    ("conventions/sklearn.py", "from bayesreg.estimators import LassoBayes\n", "conventions -> estimators"),
    ("inference/map.py", "from bayesreg.plots import plot_prior_penalty\n", "inference -> plots"),
    ("estimators/regression.py", "import arviz as az\n", "estimators imports arviz"),
    ("plots/path.py", "import pymc\ndef g():\n    pymc.sample()\n", "calls pymc.sample"),
    ("cli/fit_command.py", "from bayesreg.inference.map import find_map\n", "the public API only"),
    ("cli/options.py", "from bayesreg.verify import _sklearn_reference\n", "the public API only"),
])
def test_checker_catches_forbidden_imports(tmp_path: Path, file: str, code: str, expected: str) -> None:
    copy = tmp_path / "bayesreg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    assert not check_tree(copy)
    target = copy / file
    target.write_text(target.read_text() + "\n" + code)
    found = [str(v) for v in check_tree(copy)]
    assert any(expected in v for v in found), found


def test_checker_flags_a_module_outside_every_part(tmp_path: Path) -> None:
    copy = tmp_path / "bayesreg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    (copy / "helpers.py").write_text("x = 1\n")
    assert any("belongs to no part" in str(v) for v in check_tree(copy))


def test_architecture_doc_shows_the_current_rules() -> None:
    text = DOC.read_text()
    assert f"```mermaid\n{mermaid()}\n```" in text, ("docs/architecture.md's diagram is out of date; "
                                                    "regenerate it with `python tests/test_architecture.py`")


if __name__ == "__main__":
    print(mermaid())
