"""Property-based round trips penalty -> prior -> penalty for every registered convention (hypothesis).

For random valid parameters of each convention in ``bayesreg.conventions.CONVENTIONS`` — strengths
log-uniform over 1e-6 … 1e6, mixing fractions in [0, 1] (open (0, 1) where an endpoint turns the
penalty into another family, e.g. ``penalty="elasticnet"`` with ``l1_ratio=0`` *is* ``"l2"``),
random ``n`` and noise scales, and for glmnet random designs with column scales 1e-3 … 1e3,
observation weights and 0/1 penalty factors — ``prior_to_penalty(penalty_to_prior(params))``
returns the parameters: floats to 1e-12 relative, strings, booleans and arrays exactly (arrays to
1e-12), and nothing else than the convention's defaults.

Deterministic and fast: ``derandomize=True`` (the examples are a fixed function of the test),
no example database, no deadline, a bounded number of examples. ``test_every_convention_has_a_strategy``
fails when a convention is registered without a strategy here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayesreg.conventions import CONVENTIONS, get_convention, penalty_to_prior, prior_to_penalty

PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=50,
                   suppress_health_check=[HealthCheck.too_slow])
RTOL = 1e-12

strength = st.floats(-6.0, 6.0).map(lambda e: 10.0**e)                 # log-uniform 1e-6 ... 1e6
fraction = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-6, 1 - 1e-6))
open_fraction = st.floats(1e-6, 1 - 1e-6)
n_samples = st.integers(1, 10**6).map(float)
noise = st.floats(-3.0, 3.0).map(lambda e: 10.0**e)


@st.composite
def textbook(draw, *, needs_n: bool, needs_noise: bool):
    penalty = draw(st.sampled_from(["l1", "l2", "elasticnet"]))
    params = {"lam": draw(strength), "penalty": penalty}
    if penalty == "elasticnet":
        params["l1_ratio"] = draw(open_fraction)
    ctx = {"n": draw(n_samples)} if needs_n else {}
    if needs_noise:
        ctx["noise_sigma"] = draw(noise)
    return params, ctx, {}


@st.composite
def glmnet(draw):
    family = draw(st.sampled_from(["gaussian", "binomial", "poisson"]))
    standardize = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, p = draw(st.integers(3, 40)), draw(st.integers(1, 6))
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-3, 3, p) + rng.normal(0, 5, p)
    y = rng.standard_normal(n) * 10.0 ** rng.uniform(-2, 2)
    params = {"lambda_": draw(strength), "alpha": draw(fraction), "family": family, "standardize": standardize}
    options = {"family": family, "standardize": standardize}
    if draw(st.booleans()):
        weights = rng.uniform(0.1, 3.0, n)
        params["weights"] = options["weights"] = weights
    if p >= 2 and draw(st.booleans()):
        factor = np.ones(p)
        factor[draw(st.integers(0, p - 1))] = 0.0  # one unpenalised feature (a flat prior)
        params["penalty_factor"] = factor
    ctx = {"X": X, "y": y, "noise_sigma": draw(noise)}
    return params, ctx, options


@st.composite
def statsmodels(draw):
    model = draw(st.sampled_from(["OLS", "GLM", "Logit"]))
    params = {"alpha": draw(strength), "L1_wt": 1.0 if model == "Logit" else draw(fraction), "model": model}
    ctx = {} if model == "Logit" else {"n": draw(n_samples)}
    if model == "OLS":
        ctx["noise_sigma"] = draw(noise)
    return params, ctx, {"model": model}


@st.composite
def weight_decay(draw):
    loss = draw(st.sampled_from(["nll", "mse"]))
    ctx = {"n": draw(n_samples), "noise_sigma": draw(noise)}
    return {"wd": draw(strength), "loss": loss}, ctx, {"loss": loss}


@st.composite
def framework(draw, convention: str):
    """PyTorch / Keras training rules: a strength, the optimizer's variant options and the loss."""
    loss = draw(st.sampled_from(["mse", "nll"]))
    ctx = {"n": draw(n_samples), "noise_sigma": draw(noise)}
    momentum = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.99)))
    options: dict = {"loss": loss}
    if convention in ("keras.l2", "keras.l1"):
        params = {convention.split(".")[1]: draw(strength)}
    elif convention == "keras.l1_l2":
        params = {"l1": draw(st.one_of(st.just(0.0), strength)), "l2": draw(strength)}
    elif convention == "torch.Adam":
        params = {"wd": draw(strength)}
    elif convention == "torch.SGD":
        nesterov = momentum > 0 and draw(st.booleans())
        dampening = 0.0 if nesterov else draw(st.one_of(st.just(0.0), st.floats(0.0, 0.99)))
        params = {"wd": draw(strength)}
        options.update(momentum=momentum, dampening=dampening, nesterov=nesterov)
    elif convention == "keras.SGD":
        params = {"wd": draw(strength)}
        options.update(momentum=momentum, nesterov=momentum > 0 and draw(st.booleans()))
    else:  # decoupled_weight_decay: lr-scaled, or unscaled with its learning rate
        lr_scaled = draw(st.booleans())
        params = {"wd": draw(strength)}
        options.update(momentum=momentum, lr_scaled=lr_scaled)
        if not lr_scaled or draw(st.booleans()):
            options["lr"] = draw(strength)
    defaults = {"loss": "mse", "momentum": 0.0, "dampening": 0.0, "nesterov": False, "lr_scaled": True}
    params.update({k: v for k, v in options.items() if k not in defaults or v != defaults[k]})
    return params, ctx, options


@st.composite
def dropout(draw):
    """Dropout on the inputs (Gaussian, exact): per-feature prior from the columns' sums of squares."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, p = draw(st.integers(3, 40)), draw(st.integers(1, 6))
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-3, 3, p) + rng.normal(0, 5, p)
    y = rng.standard_normal(n)
    scaling = draw(st.sampled_from(["inverted", "standard"]))
    params: dict = {"keep_prob": draw(open_fraction)}
    options: dict = {"scaling": scaling}
    if scaling != "inverted":
        params["scaling"] = scaling
    if draw(st.booleans()):
        params["weights"] = options["weights"] = rng.uniform(0.1, 3.0, n)
    return params, {"X": X, "y": y, "noise_sigma": draw(noise)}, options


def _simple(params: dict, ctx: dict):
    return st.fixed_dictionaries(params).flatmap(
        lambda p: st.fixed_dictionaries(ctx).map(lambda c: (p, c, {})))


#: convention -> strategy of (penalty parameters, context n/noise_sigma/X/y, inverse options)
STRATEGIES = {
    "sklearn.Lasso": _simple({"alpha": strength}, {"n": n_samples, "noise_sigma": noise}),
    "sklearn.Ridge": _simple({"alpha": strength}, {"noise_sigma": noise}),
    "sklearn.ElasticNet": _simple({"alpha": strength, "l1_ratio": fraction}, {"n": n_samples, "noise_sigma": noise}),
    "sklearn.LogisticRegression": _simple({"C": strength, "l1_ratio": fraction}, {}),
    "sklearn.PoissonRegressor": _simple({"alpha": strength}, {"n": n_samples}),
    # the quantile selects the likelihood, not the prior: the inverse returns alpha only
    "sklearn.QuantileRegressor": _simple({"alpha": strength}, {"n": n_samples, "noise_sigma": noise}),
    "glmnet": glmnet(),
    "statsmodels": statsmodels(),
    "sum": textbook(needs_n=False, needs_noise=False),
    "mean": textbook(needs_n=True, needs_noise=False),
    "mse": textbook(needs_n=True, needs_noise=True),
    "mean_half": textbook(needs_n=False, needs_noise=False),
    "weight_decay": weight_decay(),
    **{name: framework(name) for name in ("torch.SGD", "torch.Adam", "keras.l2", "keras.l1", "keras.l1_l2",
                                         "keras.SGD", "decoupled_weight_decay")},
    "dropout": dropout(),
}


def test_every_convention_has_a_strategy():
    assert set(STRATEGIES) == set(CONVENTIONS), set(CONVENTIONS) ^ set(STRATEGIES)


def _same(a, b) -> bool:
    if isinstance(a, (str, bool, np.bool_)) or isinstance(b, (str, bool, np.bool_)):
        return a == b and type(a) is type(b)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= RTOL * np.abs(b)))


def assert_round_trip(convention: str, params: dict, back: dict) -> None:
    """``back`` holds ``params`` (within RTOL) and, besides them, only the convention's defaults."""
    defaults = get_convention(convention).defaults
    for key, value in params.items():
        if key in back:
            assert _same(back[key], value), (convention, key, back[key], value)
        else:
            assert key in defaults and _same(defaults[key], value), (convention, key, "missing", back)
    for key in set(back) - set(params):
        assert key in defaults and _same(back[key], defaults[key]), (convention, key, "extra", back)


@pytest.mark.parametrize("convention", sorted(STRATEGIES))
def test_penalty_prior_penalty_round_trip(convention):
    @PROFILE
    @given(STRATEGIES[convention])
    def round_trip(case):
        params, ctx, options = case
        prior = penalty_to_prior(convention, **ctx, **params)
        back = prior_to_penalty(prior, convention, **ctx, **options)
        assert_round_trip(convention, params, back)

    round_trip()


def test_the_round_trip_check_can_fail():
    """A conversion off by one ulp-scale factor of 1e-10 is caught; so are a lost or an extra key."""
    params = {"alpha": 0.3, "l1_ratio": 0.4}
    with pytest.raises(AssertionError):
        assert_round_trip("sklearn.ElasticNet", params, {"alpha": 0.3 * (1 + 1e-10), "l1_ratio": 0.4})
    with pytest.raises(AssertionError):
        assert_round_trip("sklearn.ElasticNet", params, {"alpha": 0.3})
    with pytest.raises(AssertionError):
        assert_round_trip("sklearn.Lasso", {"alpha": 0.3}, {"alpha": 0.3, "l1_ratio": 1.0})
    assert_round_trip("sklearn.LogisticRegression", {"C": 2.0}, {"C": 2.0, "l1_ratio": 0.0})  # a default
