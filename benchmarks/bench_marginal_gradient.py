r"""Cost of one gradient of the marginal (coefficients integrated out) log-likelihood: NumPy op vs numba.

For the global-local priors with the Gaussian likelihood NUTS samples the scales only; each gradient
is one value-and-gradient of :class:`bayesreg.model.marginal.MarginalGaussian` (a k x k Cholesky in
the gram form, an m x m one in the rows form). Timed per call, best of 5 repeats, one BLAS thread
(as inside parallel chains):

* ``numpy``: :meth:`MarginalGaussian.value_and_grad` (the op's ``perform``: PyMC's sampler);
* ``pytensor C``: the op compiled by PyTensor's default backend (calls ``perform``);
* ``pytensor numba``: the op compiled by PyTensor's numba backend (:mod:`bayesreg.model.marginal_numba`,
  what nutpie runs);

ratio = numpy / pytensor numba. Sizes as ``bench_shrinkage.py`` (iid N(0, 1) design).

Examples
--------
::

    python benchmarks/bench_marginal_gradient.py            # 10000x100 (gram), 100x1000 (rows)
    python benchmarks/bench_marginal_gradient.py --quick    # 2000x20, 50x200
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

import bayesreg  # noqa: F401  (BLAS setup before PyTensor)
from bayesreg.model.data import RegressionData
from bayesreg.model.marginal import MarginalGaussian, _op_class
from bayesreg.model.marginal_numba import register_numba


def best_of(f: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Seconds per call, best of ``repeats``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            f()
        times.append((time.perf_counter() - t0) / calls)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes 2000x20, 50x200")
    ap.add_argument("--sizes", default=None, help="comma-separated NxP list (default 10000x100,100x1000)")
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args(argv)
    import pytensor
    import pytensor.tensor as pt

    register_numba()
    sizes = args.sizes or ("2000x20,50x200" if args.quick else "10000x100,100x1000")
    print(f"bench_marginal_gradient: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f}; one BLAS thread")
    print(f"{'n x p':>12}{'form':>6}{'numpy us':>10}{'pytensor C us':>15}{'pytensor numba us':>19}{'ratio':>7}")
    rng = np.random.default_rng(0)
    with threadpool_limits(1):
        for size in sizes.split(","):
            n, p = (int(v) for v in size.split("x"))
            X = rng.standard_normal((n, p))
            data = RegressionData.from_xy(X, X[:, 0] + rng.standard_normal(n))
            mg = MarginalGaussian.from_data(data, np.arange(p), np.array([], dtype=int))
            s, sigma = pt.dvector("s"), pt.dscalar("sigma")
            outputs = list(_op_class()(mg)(s, sigma, *mg.target_statistics().values()))
            sv, sg = rng.uniform(0.01, 1.0, p), np.asarray(0.8)
            times = [best_of(lambda mg=mg, sv=sv: mg.value_and_grad(sv, 0.8), args.calls)]
            for mode in ("FAST_RUN", "NUMBA"):
                f = pytensor.function([s, sigma], outputs, mode=mode)
                f.trust_input = True
                f(sv, sg)
                times.append(best_of(lambda f=f, sv=sv, sg=sg: f(sv, sg), args.calls))
            us = [t * 1e6 for t in times]
            print(f"{size:>12}{mg.form:>6}{us[0]:>10.0f}{us[1]:>15.0f}{us[2]:>19.0f}{us[0] / us[2]:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
