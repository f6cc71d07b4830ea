r"""Verify that the MAP of the mapped prior *is* the penalised optimum.

For a penalty given in any convention, :func:`verify_map`

1. converts it to a prior (:func:`bayesreg.penalty_to_prior`) and fits the exact MAP of the PyMC
   model (:func:`bayesreg.inference.map.find_map`), with its KKT certificate;
2. solves the penalised problem with an independent solver: bayesreg's NumPy/SciPy reference
   solvers (:mod:`bayesreg.reference.penalized`, written from the penalty formulas, not via PyMC), or, with
   ``reference="sklearn"``, the real scikit-learn estimator of a ``sklearn.*`` convention;
3. compares coefficients, zero patterns and objective values, and certifies the reference point
   under the model's posterior too.

When the optimum is **not unique** (a duplicated column under a Laplace prior: any split of the
weight between the copies is optimal), two correct solvers may return different coefficients.
The report says so instead of failing: ``unique`` is False when both points are certified optimal
(relative KKT residual within tolerance), their objectives agree to ``rtol`` and their coefficients
do not, and the MAP's certificate does not prove uniqueness; such a report passes on the objective
gap and the two certificates.

Both points are evaluated on the sum-form objective
:math:`F = -\log L + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2`, which is the convention's own
objective times a positive constant plus a constant, so the relative gap is meaningful.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bayesreg.conventions import get_convention, penalty_to_likelihood, penalty_to_weights
from bayesreg.conventions._base import weights_to_prior
from bayesreg.inference.certificate import DEFAULT_TOL, certify
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import get_likelihood
from bayesreg.model.priors import Prior
from bayesreg.verify_cases import ALL_CASES

__all__ = ["VerificationReport", "verify_map", "infer_likelihood", "describe_prior", "REFERENCES", "ALL_CASES"]

REFERENCES = ("bayesreg", "sklearn")


@dataclass(frozen=True, eq=False)
class VerificationReport:
    """MAP versus penalised optimum for one convention and data set."""

    convention: str
    penalty_params: dict[str, Any]
    prior: Prior
    likelihood: str
    reference: str
    map_coef: np.ndarray
    map_intercept: float | np.ndarray
    reference_coef: np.ndarray
    reference_intercept: float | np.ndarray
    max_abs_diff: float
    max_rel_diff: float
    objective_map: float
    objective_reference: float
    objective_gap: float
    kkt_residual: float
    reference_kkt_residual: float
    same_zero_pattern: bool
    n_zeros: int
    rtol: float
    feature_names: tuple[str, ...] = field(default=())
    map_certified: bool = True
    map_error_bound: float | None = None
    unique: bool = True

    @property
    def passed(self) -> bool:
        """Certified MAP and objectives equal to ``rtol``; for a unique optimum also coefficients
        equal to ``rtol`` and identical zeros; for a non-unique one, a certified reference point."""
        common = self.map_certified and self.kkt_residual <= DEFAULT_TOL and self.objective_gap <= self.rtol
        if not self.unique:
            return bool(common and self.reference_kkt_residual <= DEFAULT_TOL)
        return bool(common and self.max_rel_diff <= self.rtol and self.same_zero_pattern)

    def prior_scales(self) -> str:
        """Human-readable mapped prior (b or sigma^2 per weight)."""
        return describe_prior(self.prior)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["prior"] = self.prior_scales()
        out["passed"] = self.passed
        for k, v in out.items():
            if isinstance(v, np.ndarray):
                out[k] = v.tolist()
            elif isinstance(v, tuple):
                out[k] = list(v)
        return out


def describe_prior(prior: Prior) -> str:
    """``Laplace b=0.0226`` / ``Gaussian sigma²=...`` / per-feature ranges."""
    def fmt(v: Any) -> str:
        a = np.atleast_1d(np.asarray(v, float))
        same = a.size == 1 or np.allclose(a, a[0], rtol=1e-12, atol=0.0)  # equal up to round-off
        return f"{a[0]:.4g}" if same else f"{a.min():.3g}..{a.max():.3g}"

    if prior.kind == "unpenalized":
        return f"{describe_prior(prior.prior)}, flat on {list(prior.features)}"
    if prior.kind == "laplace":
        return f"Laplace b={fmt(prior.b)}"
    if prior.kind == "gaussian":
        return f"Gaussian σ²={fmt(np.asarray(prior.sigma, float) ** 2)}"
    return f"ElasticNet l1={fmt(prior.l1)} l2={fmt(prior.l2)}"


def infer_likelihood(convention: str, penalty_params: dict[str, Any]) -> str:
    """The likelihood a convention implies (``family``/``model`` options included)."""
    if penalty_params.get("family") in ("poisson", "multinomial"):
        return str(penalty_params["family"])
    if penalty_params.get("family") == "binomial" or penalty_params.get("model") in ("Logit", "GLM"):
        return "logistic"
    return get_convention(convention).likelihoods[0]


def _sklearn_reference(convention: str, X: np.ndarray, y: np.ndarray, params: dict[str, Any],
                       sample_weight: np.ndarray | None, fit_intercept: bool) -> tuple[np.ndarray, float]:
    try:
        from sklearn import linear_model
    except ImportError:  # pragma: no cover - exercised only without scikit-learn
        raise ImportError("reference='sklearn' needs scikit-learn: pip install scikit-learn") from None
    name = convention.split(".", 1)[-1]
    if convention == "sklearn.LogisticRegression":
        rho = params.get("l1_ratio", 0.0)
        solver = "newton-cholesky" if rho == 0 else "saga"  # lbfgs stops near 1e-7 relative
        est = linear_model.LogisticRegression(C=params["C"], l1_ratio=rho, solver=solver, tol=1e-12,
                                              max_iter=1_000_000, fit_intercept=fit_intercept)
        if np.unique(y).size > 2:  # the multinomial: coef_ (K, p), intercept_ (K,) summing to zero
            import warnings

            est.set_params(solver="newton-cg" if rho == 0 else "saga")
            with warnings.catch_warnings():  # saga's ConvergenceWarning at tol 1e-12: the comparison decides
                warnings.simplefilter("ignore")
                est.fit(X, y, sample_weight=sample_weight)
            return est.coef_.astype(float), est.intercept_.astype(float) if fit_intercept else 0.0
    elif name == "PoissonRegressor":
        est = linear_model.PoissonRegressor(alpha=params["alpha"], solver="newton-cholesky", tol=1e-12,
                                            max_iter=10_000, fit_intercept=fit_intercept)
    elif name == "Ridge":
        est = linear_model.Ridge(alpha=params["alpha"], fit_intercept=fit_intercept, solver="cholesky")
    elif name == "QuantileRegressor":
        est = linear_model.QuantileRegressor(quantile=params.get("quantile", 0.5), alpha=params["alpha"],
                                             solver="highs", fit_intercept=fit_intercept)
    elif name in ("Lasso", "ElasticNet"):
        cls = getattr(linear_model, name)
        est = cls(**params, fit_intercept=fit_intercept, tol=1e-14, max_iter=1_000_000)
    else:
        raise ValueError(f"reference='sklearn' is available for the sklearn.* conventions; "
                         f"got {convention!r} (use reference='bayesreg').")
    est.fit(X, y, sample_weight=sample_weight)
    return np.ravel(est.coef_).astype(float), float(np.ravel(est.intercept_)[0]) if fit_intercept else 0.0


def verify_map(
    X: Any,
    y: Any,
    convention: str,
    *,
    likelihood: str | None = None,
    noise_sigma: float = 1.0,
    reference: str = "bayesreg",
    sample_weight: Any = None,
    fit_intercept: bool = True,
    rtol: float = 1e-6,
    **penalty_params: Any,
) -> VerificationReport:
    """MAP of the mapped prior versus the penalised optimum of an independent solver.

    Parameters
    ----------
    X, y : array-like
    convention : str
        See :func:`bayesreg.list_conventions`.
    likelihood : {"gaussian", "logistic", "multinomial", ...}, optional
        Default: the one the convention implies. ``"multinomial"`` (``sklearn.LogisticRegression``
        with K >= 3 class codes 0..K-1 in ``y``): the reference is scikit-learn's multinomial fit in
        both modes (the NumPy reference solver of ``bayesreg.reference`` covers the other likelihoods).
    noise_sigma : float
        Gaussian noise scale (enters squared-error conventions).
    reference : {"bayesreg", "sklearn"}
        Independent NumPy/SciPy solvers, or the scikit-learn estimator itself.
    rtol : float
        Relative tolerance on coefficients (max |diff| / max |reference coef|) and objectives.
    **penalty_params
        The convention's parameters (``alpha``, ``C``, ``lambda_``, ``lam``...).

    Returns
    -------
    VerificationReport
        ``.max_abs_diff``, ``.objective_gap``, ``.kkt_residual``, ``.passed``...
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {', '.join(map(repr, REFERENCES))}; got {reference!r}.")
    conv = get_convention(convention)
    if reference == "sklearn" and not convention.startswith("sklearn."):
        raise ValueError(f"reference='sklearn' is available for the sklearn.* conventions; "
                         f"got {convention!r} (use reference='bayesreg').")
    lik_name = likelihood or infer_likelihood(convention, penalty_params)
    if lik_name not in conv.likelihoods:
        raise ValueError(f"Convention {convention!r} is defined for the {'/'.join(conv.likelihoods)} "
                         f"likelihood; got likelihood={lik_name!r}.")
    if penalty_params.get("loss", conv.defaults.get("loss")) == "mse" and lik_name != "gaussian":
        raise ValueError(f"{convention} with loss='mse' (the squared error) is the Gaussian likelihood; for "
                         f"likelihood={lik_name!r} the loss is the cross-entropy: pass loss='nll'.")
    lik = (penalty_to_likelihood(convention, noise_sigma=noise_sigma, **penalty_params)
           if lik_name == "asymmetric_laplace" else get_likelihood(lik_name, noise_sigma))
    needs_xy = conv.needs_data  # glmnet's scaling, dropout's column sums of squares
    if needs_xy and penalty_params.get("weights") is not None:  # glmnet's (and dropout's) name for them
        if sample_weight is not None:
            raise ValueError("glmnet observation weights were given twice (sample_weight= and "
                             "weights=); pass one of them.")
        sample_weight = penalty_params["weights"]
    data = RegressionData.from_xy(X, y, sample_weight=sample_weight, binary=lik.binary,
                                  fit_intercept=fit_intercept)
    if lik_name == "multinomial":
        lik = lik.resolve(data)
    # with sample weights, "n" of averaged conventions is their sum (as scikit-learn rescales them);
    # glmnet's weights also weight its standardisation (dropout's its s_j): they enter the mapping as `weights`
    if needs_xy and data.sample_weight is not None:
        penalty_params = {**penalty_params, "weights": data.sample_weight}
    weights = penalty_to_weights(convention, n=None if needs_xy else data.weight_sum, noise_sigma=noise_sigma,
                                 X=data.X if needs_xy else None, y=data.y if needs_xy else None,
                                 **penalty_params)
    prior = weights_to_prior(weights)
    fit = find_map(data, prior, lik)
    if reference == "sklearn":
        ref_coef, ref_icpt = _sklearn_reference(convention, data.X, data.y, penalty_params,
                                                data.sample_weight, fit_intercept)
    elif lik_name == "multinomial":
        ref_coef, ref_icpt = _multinomial_reference(convention, data, penalty_params)
    elif lik_name == "asymmetric_laplace":
        from bayesreg.reference.quantile import reference_quantile_solve

        ref_coef, ref_icpt = reference_quantile_solve(
            data.X, data.y, prior.penalty_weights(data.n_features)[0], quantile=lik.quantile, scale=lik.scale,
            sample_weight=data.sample_weight, fit_intercept=fit_intercept)
    else:
        from bayesreg.reference.penalized import reference_solve

        l1, l2 = prior.penalty_weights(data.n_features)
        if lik_name in ("gaussian", "logistic"):
            ref = reference_solve(data.X, data.y, l1, l2, likelihood=lik_name, noise_sigma=noise_sigma,
                                  sample_weight=data.sample_weight, fit_intercept=fit_intercept)
            ref_coef, ref_icpt = np.asarray(ref.coef, float), float(ref.intercept)
        else:  # count and robust likelihoods (their default parameters; get_likelihood)
            from bayesreg.reference.glm_penalized import reference_glm_solve

            ref_coef, ref_icpt, _ = reference_glm_solve(
                data.X, data.y, l1, l2, lik_name, sample_weight=data.sample_weight, fit_intercept=fit_intercept,
                alpha=getattr(lik, "alpha", 1.0) or 1.0, nu=getattr(lik, "nu", 4.0) or 4.0,
                sigma=getattr(lik, "sigma", 1.0) or 1.0)
    obj_map = lik.nll(data, fit.coef, fit.intercept) + prior.penalty(fit.coef)
    obj_ref = lik.nll(data, ref_coef, ref_icpt) + prior.penalty(ref_coef)
    scale = max(float(np.max(np.abs(ref_coef))), np.finfo(float).tiny)
    diff = float(np.max(np.abs(fit.coef - ref_coef)))
    ref_theta = np.append(ref_coef, ref_icpt) if fit_intercept else np.ravel(ref_coef)
    ref_cert = _certify_point(data, prior, lik, ref_theta, fit.certificate)
    gap = float(abs(obj_map - obj_ref) / max(abs(obj_ref), 1.0))
    # two certified optima with equal objectives and different coefficients: the optimum is not unique
    # (unless the MAP's certificate proves it is: then the reference is simply wrong)
    not_unique = (diff / scale > rtol and gap <= rtol and fit.certificate.kkt_passed and ref_cert <= DEFAULT_TOL
                  and fit.certificate.unique is not True)
    return VerificationReport(
        convention=convention,
        penalty_params=dict(penalty_params),
        prior=prior,
        likelihood=lik_name,
        reference=reference,
        map_coef=fit.coef,
        map_intercept=fit.intercept,
        reference_coef=ref_coef,
        reference_intercept=ref_icpt,
        max_abs_diff=diff,
        max_rel_diff=diff / scale,
        objective_map=float(obj_map),
        objective_reference=float(obj_ref),
        objective_gap=gap,
        kkt_residual=fit.certificate.relative_residual,
        reference_kkt_residual=ref_cert,
        same_zero_pattern=bool(np.array_equal(fit.coef == 0, ref_coef == 0)),
        n_zeros=int(np.sum(fit.coef == 0)),
        rtol=rtol,
        feature_names=data.feature_names,
        map_certified=fit.certificate.passed,
        map_error_bound=fit.certificate.relative_error_bound,
        unique=not not_unique,
    )


def _multinomial_reference(convention: str, data: RegressionData,
                           params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | float]:
    r"""The independent NumPy multinomial solver (:mod:`bayesreg.reference.multinomial`, glmnet's form).

    glmnet's objective :math:`-\frac{1}{S}\sum_i s_i \log p_{i,y_i} + \lambda\sum_j f_j[\frac{1-\alpha}{2}
    \|B_{\cdot j}\|^2 + \alpha\|B_{\cdot j}\|_1]` is solved as given; scikit-learn's multinomial
    ``LogisticRegression``, :math:`C\sum_i s_i(-\log p_{i,y_i}) + \frac{1-\rho}{2}\|W\|_F^2 + \rho\|W\|_1`,
    divided by :math:`C S` (:math:`S = \sum_i s_i`) is that objective with :math:`\lambda = 1/(CS)`,
    :math:`\alpha = \rho`, ``standardize=False`` and unit penalty factors.
    """
    from bayesreg.reference.multinomial import reference_multinomial_solve

    if convention == "glmnet":
        kw = dict(lambda_=params["lambda_"], alpha=params.get("alpha", 1.0), weights=params.get("weights"),
                  penalty_factor=params.get("penalty_factor"), standardize=params.get("standardize", True))
    elif convention == "sklearn.LogisticRegression":
        kw = dict(lambda_=1.0 / (params["C"] * data.weight_sum), alpha=params.get("l1_ratio", 0.0),
                  weights=data.sample_weight, standardize=False)
    else:
        raise ValueError(f"The multinomial reference covers the 'glmnet' and 'sklearn.LogisticRegression' "
                         f"conventions; got {convention!r}.")
    ref = reference_multinomial_solve(data.X, data.y, intercept=data.fit_intercept, **kw)
    return np.asarray(ref.coef, float), (np.asarray(ref.intercept, float) if data.fit_intercept else 0.0)


def _certify_point(data: RegressionData, prior: Prior, lik: Any, theta: np.ndarray,
                   map_cert: Any) -> float:
    """Relative KKT residual of an arbitrary point under the model's posterior (same scale)."""
    if lik.name == "asymmetric_laplace":  # non-smooth: the subdifferential certificate
        from bayesreg.inference.quantile_map import certify_quantile_point

        return certify_quantile_point(data, prior, lik, theta).relative_residual
    from bayesreg.inference.smooth_part import smooth_gradient

    grad, scale = smooth_gradient(data, prior, lik, theta)
    return certify(prior, theta, grad, fit_intercept=data.fit_intercept, scale=scale,
                   n_outputs=lik.n_outputs).relative_residual
