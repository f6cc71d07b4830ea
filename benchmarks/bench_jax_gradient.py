r"""Time per gradient of ``sampler="jax"``'s float32 potential against NumPyro's own model (issue 15).

The logistic + Gaussian posterior of ``bench_peers.py`` (logit_gauss, the same data), two potentials
:math:`U(c, w)`: bayesreg's (:func:`bayesreg.inference.jax_nuts.make_potential`, float32, the sum
over rows by ``pairwise_sum``) and NumPyro's ``potential_fn`` of the model a NumPyro user writes
(``_peer_models.numpyro_model``: ``Bernoulli(logits=c + X @ w)``, JAX's default float32). Each
:math:`(U, \nabla U)` is evaluated ``--evals`` times inside one jitted ``fori_loop`` (what NUTS
does: no Python dispatch between gradients; :math:`\theta` moves a little each time so nothing is
hoisted), best of three; printed: ms per gradient and the ratio bayesreg / NumPyro (1 = the same
cost). The potentials are checked to agree first (up to the constant :math:`\sum_j \log Z_j`,
which NumPyro's ``Normal`` carries too: the difference must be the same at two points).

    python benchmarks/bench_jax_gradient.py            # n x p = 10 000 x 100, 2000 gradients
    python benchmarks/bench_jax_gradient.py --quick    # 2000 x 20, 200 gradients
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2000 x 20, 200 gradients")
    ap.add_argument("--size", default=None, help="n x p (default 10000x100)")
    ap.add_argument("--evals", type=int, default=None, help="gradients per timed loop (default 2000)")
    args = ap.parse_args()
    size = args.size or ("2000x20" if args.quick else "10000x100")
    evals = args.evals or (200 if args.quick else 2000)

    import jax
    import jax.numpy as jnp
    from _peer_models import numpyro_model
    from bench_peers import make_data, make_problem
    from numpyro.infer.util import initialize_model

    import bayesreg as br
    from bayesreg.inference.jax_nuts import make_potential
    from bayesreg.model.build import build_model
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import LogisticLikelihood

    problem = make_problem(f"logit_gauss:{size}")
    X, y = make_data(problem, 0)
    built = build_model(RegressionData.from_xy(X, y, binary=True), br.Gaussian(problem.params["s"]),
                        LogisticLikelihood())
    ours, dim = make_potential(built, "float32")
    info = initialize_model(jax.random.PRNGKey(0), numpyro_model(problem), model_args=(jnp.asarray(X), jnp.asarray(y)))

    def theirs(theta):
        return info.potential_fn({"intercept": theta[0], "coef": theta[1:]})

    rng = np.random.default_rng(0)
    points = [jnp.asarray(rng.normal(scale=0.05, size=dim).astype(np.float32)) for _ in range(3)]
    gaps = [float(ours(t)) - float(theirs(t)) for t in points[:2]]
    scale = abs(float(ours(points[0])))
    if abs(gaps[0] - gaps[1]) > 1e-5 * scale:
        raise SystemExit(f"the two potentials differ by more than a constant: {gaps} (|U| ~ {scale:.3g})")

    def per_gradient(potential) -> float:
        value_and_grad = jax.value_and_grad(potential)

        @jax.jit
        def loop(theta):
            def body(_, carry):
                theta, acc = carry
                value, grad = value_and_grad(theta)
                return theta - 1e-7 * grad, acc + value

            return jax.lax.fori_loop(0, evals, body, (theta, jnp.float32(0.0)))

        jax.block_until_ready(loop(points[0]))  # compile
        times = []
        for theta in points:
            t = time.perf_counter()
            jax.block_until_ready(loop(theta))
            times.append((time.perf_counter() - t) / evals * 1e3)
        return min(times)

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"logit_gauss {size}, {evals} gradients per loop, jax {jax.__version__}, "
          f"load average {load[0]:.2f}")
    ms_ours, ms_theirs = per_gradient(ours), per_gradient(theirs)
    print(f"bayesreg sampler='jax' (float32): {ms_ours:.4f} ms per gradient")
    print(f"NumPyro model potential_fn (float32): {ms_theirs:.4f} ms per gradient")
    print(f"ratio bayesreg / NumPyro: {ms_ours / ms_theirs:.2f}x (1 = the same cost per gradient)")


if __name__ == "__main__":
    main()
