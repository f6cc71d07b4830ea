"""Weight decay and regularisers as PyTorch and Keras write them (``bayesreg.conventions.frameworks``).

References
----------
* Each framework's documented update rule re-implemented step for step in NumPy
  (:mod:`bayesreg.reference.optimizers`: PyTorch SGD with momentum/dampening/Nesterov, Adam, AdamW;
  Keras SGD with decoupled ``weight_decay``; Loshchilov & Hutter's SGDW), run full batch on the mean
  loss until it stops moving, and compared with ``find_map`` of the mapped prior.
* scikit-learn itself for the Keras factors: ``l2(λ)`` with ``MeanSquaredError`` is
  ``Ridge(alpha=n·λ)``, ``l1(λ)`` is ``Lasso(alpha=λ/2)``; PyTorch's ``weight_decay`` with
  ``MSELoss`` is ``Ridge(alpha=n·wd/2)``.
* The checks can fail: a decoupled rule with momentum is *not* the coupled prior with the same
  number, and AdamW's limit is the MAP of no single Gaussian prior.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

import bayesreg as br
from bayesreg.conventions import REFUSED, get_convention, penalty_to_prior, penalty_to_weights
from bayesreg.datasets import load_dataset
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood
from bayesreg.reference.optimizers import SGDW, KerasSGD, TorchAdam, TorchSGD, keras_regularizer_gradient, train

SIGMA = 2.0


@pytest.fixture(scope="module")
def gaussian():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 4)) + np.array([0.5, 0.0, -1.0, 0.0])
    return X, 1.0 + X @ np.array([1.0, -0.5, 0.25, 0.0]) + rng.normal(size=150)


@pytest.fixture(scope="module")
def binary():
    d = load_dataset("binary_synthetic")
    return d.X.to_numpy(), d.y.to_numpy().astype(float)


def _mean_grad(X, y, loss):
    """Gradient of the mean loss over theta = (w, c): MSELoss (no 1/2) or mean cross-entropy."""
    Z = np.column_stack([X, np.ones(len(y))])
    if loss == "mse":
        return lambda th: 2.0 * Z.T @ (Z @ th - y) / len(y)
    return lambda th: Z.T @ (expit(Z @ th) - y) / len(y)


def _map_theta(X, y, prior, loss):
    if loss == "mse":
        fit = find_map(RegressionData.from_xy(X, y), prior, GaussianLikelihood(SIGMA))
    else:
        fit = find_map(RegressionData.from_xy(X, y, binary=True), prior, LogisticLikelihood())
    assert fit.certificate.passed
    return np.append(fit.coef, fit.intercept)


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _decay_mask(p):
    return np.append(np.ones(p, bool), False)   # the bias is not decayed


def _data(request, loss):
    return request.getfixturevalue("gaussian" if loss == "mse" else "binary")


# --------------------------------------------------------------------------- PyTorch


@pytest.mark.parametrize("loss", ["mse", "nll"])
@pytest.mark.parametrize(("momentum", "dampening", "nesterov"), [(0.0, 0.0, False), (0.9, 0.0, False),
                                                                  (0.9, 0.0, True), (0.5, 0.3, False)])
def test_torch_sgd_runs_to_the_map(request, loss, momentum, dampening, nesterov):
    X, y = _data(request, loss)
    n, p = X.shape
    wd = 0.05
    opt = TorchSGD(lr=0.05, weight_decay=wd, momentum=momentum, dampening=dampening, nesterov=nesterov,
                   decay=_decay_mask(p))
    theta, steps = train(opt, _mean_grad(X, y, loss), np.zeros(p + 1), n_steps=200_000, tol=1e-14)
    assert steps < 200_000
    prior = penalty_to_prior("torch.SGD", wd=wd, momentum=momentum, dampening=dampening, nesterov=nesterov,
                             loss=loss, n=n, noise_sigma=SIGMA)
    assert _rel(theta, _map_theta(X, y, prior, loss)) < 1e-8
    # the same as the existing "weight_decay" convention
    ref = penalty_to_weights("weight_decay", wd=wd, loss=loss, n=n, noise_sigma=SIGMA)
    assert penalty_to_weights("torch.SGD", wd=wd, loss=loss, n=n, noise_sigma=SIGMA).l2 == pytest.approx(float(ref.l2))


def test_torch_sgd_formula_and_sklearn_ridge(gaussian):
    """ℓ₂ = n·wd/2 (mean cross-entropy), and with MSELoss the MAP is sklearn Ridge(alpha = n·wd/2)."""
    from sklearn.linear_model import Ridge

    assert float(penalty_to_weights("torch.SGD", wd=1e-4, n=1000, loss="nll").l2) == pytest.approx(
        1000 * 1e-4 / 2, rel=1e-14)
    prior = penalty_to_prior("torch.SGD", wd=1e-4, n=1000)      # loss="mse" (MSELoss) is the default
    assert br.prior_to_penalty(prior, "sklearn.Ridge") == pytest.approx({"alpha": 1000 * 1e-4 / 2}, rel=1e-12)
    X, y = gaussian
    n = len(y)
    wd = 0.02
    ridge = Ridge(alpha=n * wd / 2, solver="cholesky").fit(X, y)
    theta = _map_theta(X, y, penalty_to_prior("torch.SGD", wd=wd, loss="mse", n=n, noise_sigma=SIGMA), "mse")
    assert _rel(theta, np.append(ridge.coef_, ridge.intercept_)) < 1e-10


def test_torch_adam_coupled_fixed_point_is_the_map(binary):
    """Full-batch Adam with coupled weight_decay, learning rate decaying geometrically, ends at the MAP."""
    X, y = binary
    n, p = X.shape
    wd = 0.02
    target = _map_theta(X, y, penalty_to_prior("torch.Adam", wd=wd, n=n, loss="nll"), "nll")
    opt = TorchAdam(lr=0.05, weight_decay=wd, decay=_decay_mask(p))
    grad, theta = _mean_grad(X, y, "nll"), np.zeros(p + 1)
    for t in range(40_000):
        opt.lr = 0.05 * 0.9995**t
        theta = opt.step(theta, grad(theta))
    assert _rel(theta, target) < 1e-8


# --------------------------------------------------------------------------- Keras regularizers


@pytest.mark.parametrize("loss", ["mse", "nll"])
def test_keras_l2_runs_to_the_map(request, loss):
    X, y = _data(request, loss)
    n, p = X.shape
    lam = 0.01
    g = _mean_grad(X, y, loss)

    def grad(th):
        out = g(th)
        out[:p] += keras_regularizer_gradient(th[:p], l2=lam)   # kernel_regularizer only: no bias
        return out

    theta, steps = train(KerasSGD(lr=0.05, momentum=0.9), grad, np.zeros(p + 1), n_steps=200_000, tol=1e-14)
    assert steps < 200_000
    assert _rel(theta, _map_theta(X, y, penalty_to_prior("keras.l2", l2=lam, loss=loss, n=n,
                                                         noise_sigma=SIGMA), loss)) < 1e-8


def test_keras_factors_against_sklearn(gaussian):
    """l2(λ) + MeanSquaredError = Ridge(alpha=nλ) (sum form ℓ₂ = nλ/(2σ²)); l1(λ) = Lasso(alpha=λ/2),
    i.e. Laplace b = 2σ²/(nλ); with the cross-entropy ℓ₂ = nλ (twice PyTorch's weight_decay)."""
    from sklearn.linear_model import Lasso, Ridge

    X, y = gaussian
    n = len(y)
    assert float(penalty_to_weights("keras.l2", l2=0.01, n=n, loss="nll").l2) == pytest.approx(n * 0.01, rel=1e-14)
    assert penalty_to_prior("keras.l1", l1=0.3, loss="mse", n=n, noise_sigma=SIGMA).b == pytest.approx(
        2 * SIGMA**2 / (n * 0.3), rel=1e-14)
    lam = 0.05
    ridge = Ridge(alpha=n * lam, solver="cholesky").fit(X, y)
    got = _map_theta(X, y, penalty_to_prior("keras.l2", l2=lam, loss="mse", n=n, noise_sigma=SIGMA), "mse")
    assert _rel(got, np.append(ridge.coef_, ridge.intercept_)) < 1e-10
    lam1 = 0.4
    lasso = Lasso(alpha=lam1 / 2, tol=1e-14, max_iter=1_000_000).fit(X, y)
    got = _map_theta(X, y, penalty_to_prior("keras.l1", l1=lam1, loss="mse", n=n, noise_sigma=SIGMA), "mse")
    assert _rel(got, np.append(lasso.coef_, lasso.intercept_)) < 1e-8
    assert np.array_equal(got[:-1] == 0, lasso.coef_ == 0) and np.any(lasso.coef_ == 0)
    both = penalty_to_weights("keras.l1_l2", l1=0.1, l2=0.2, n=n, loss="nll")
    assert (float(both.l1), float(both.l2)) == pytest.approx((n * 0.1, n * 0.2), rel=1e-14)


# --------------------------------------------------------------------------- decoupled weight decay


@pytest.mark.parametrize(("momentum", "nesterov"), [(0.0, False), (0.9, False), (0.9, True)])
def test_keras_sgd_decoupled_decay_runs_to_the_map(binary, momentum, nesterov):
    X, y = binary
    n, p = X.shape
    wd = 0.05
    opt = KerasSGD(lr=0.1, weight_decay=wd, momentum=momentum, nesterov=nesterov, decay=_decay_mask(p))
    theta, steps = train(opt, _mean_grad(X, y, "nll"), np.zeros(p + 1), n_steps=200_000, tol=1e-14)
    assert steps < 200_000
    prior = penalty_to_prior("keras.SGD", wd=wd, momentum=momentum, nesterov=nesterov, n=n, loss="nll")
    assert _rel(theta, _map_theta(X, y, prior, "nll")) < 1e-8
    assert float(np.asarray(prior.sigma)) ** -2 == pytest.approx(n * (1 - momentum) * wd, rel=1e-12)
    if momentum:  # the check can fail: the coupled prior with the same wd is another MAP
        coupled = _map_theta(X, y, penalty_to_prior("torch.SGD", wd=wd, n=n, loss="nll"), "nll")
        assert _rel(theta, coupled) > 1e-2


@pytest.mark.parametrize("momentum", [0.0, 0.8])
def test_sgdw_unscaled_decay_is_wd_over_lr(binary, momentum):
    """Loshchilov & Hutter: decoupled decay λ per step = coupled decay λ/lr (times 1 - momentum)."""
    X, y = binary
    n, p = X.shape
    wd, lr = 0.002, 0.1
    theta, steps = train(SGDW(lr=lr, weight_decay=wd, momentum=momentum, decay=_decay_mask(p)),
                         _mean_grad(X, y, "nll"), np.zeros(p + 1), n_steps=200_000, tol=1e-14)
    assert steps < 200_000
    prior = penalty_to_prior("decoupled_weight_decay", wd=wd, lr=lr, momentum=momentum, lr_scaled=False, n=n,
                             loss="nll")
    assert _rel(theta, _map_theta(X, y, prior, "nll")) < 1e-8
    same = penalty_to_weights("torch.SGD", wd=(1 - momentum) * wd / lr, n=n)
    assert float(penalty_to_weights("decoupled_weight_decay", wd=wd, lr=lr, momentum=momentum,
                                    lr_scaled=False, n=n).l2) == pytest.approx(float(same.l2), rel=1e-12)


def test_lr_scaled_decoupled_decay_without_momentum_is_coupled():
    a = penalty_to_weights("decoupled_weight_decay", wd=0.01, n=100)
    assert float(a.l2) == pytest.approx(float(penalty_to_weights("torch.SGD", wd=0.01, n=100).l2), rel=1e-14)


# --------------------------------------------------------------------------- refused: AdamW


@pytest.mark.parametrize("name", ["torch.AdamW", "keras.AdamW", "keras.Adam"])
def test_adamw_is_refused_with_the_reason(name):
    assert name in REFUSED
    for call in (lambda: get_convention(name), lambda: penalty_to_prior(name, wd=0.01, n=100)):
        with pytest.raises(ValueError, match=rf"{name} is refused: .*no prior equivalent.*Xie & Li 2024"):
            call()
    with pytest.raises(ValueError, match=r"decoupled_weight_decay=True.*no prior equivalent"):
        penalty_to_prior("torch.Adam", wd=0.01, decoupled_weight_decay=True, n=100)


def test_adamw_limit_is_a_box_constraint_not_a_gaussian_prior(binary):
    """Why it is refused: full-batch AdamW ends at the mean-loss minimiser inside the box
    ‖w‖∞ ≤ 1/wd (Xie & Li 2024): interior coordinates are unpenalised (gradient ≈ 0), a coordinate at
    the boundary is held by a large implied decay -g_j/w_j. No single Gaussian prior does that."""
    from scipy.optimize import minimize

    X, y = binary
    n, p = X.shape
    wd = 0.8                                               # box 1/wd = 1.25: binds one coefficient
    grad = _mean_grad(X, y, "nll")
    opt, theta = TorchAdam(lr=0.01, weight_decay=wd, decoupled=True, decay=_decay_mask(p)), np.zeros(p + 1)
    for t in range(60_000):
        opt.lr = 0.01 * 0.99985**t
        theta = opt.step(theta, grad(theta))
    Z = np.column_stack([X, np.ones(n)])
    box = minimize(lambda th: np.mean(np.logaddexp(0, Z @ th) - y * (Z @ th)), np.zeros(p + 1), jac=grad,
                   method="L-BFGS-B", bounds=[(-1 / wd, 1 / wd)] * p + [(None, None)],
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000}).x
    assert _rel(theta, box) < 2e-3                          # the box-constrained minimiser
    at_edge = np.isclose(np.abs(box[:p]), 1 / wd, rtol=1e-9)
    assert at_edge.sum() == 1
    implied = -grad(theta)[:p] / theta[:p]                  # the coupled decay each coordinate would need
    assert implied[at_edge].min() > 100 * np.abs(implied[~at_edge]).max()
    coupled = _map_theta(X, y, penalty_to_prior("torch.SGD", wd=wd, n=n, loss="nll"), "nll")
    assert _rel(theta, coupled) > 0.5                       # far from the Gaussian MAP of the same wd


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("convention", "params", "match"), [
    ("torch.SGD", {"wd": -1e-4}, r"'wd' parameter of torch.SGD must be > 0; got -0.0001"),
    ("torch.SGD", {"wd": 0.0}, r"'wd' parameter of torch.SGD must be > 0"),
    ("torch.SGD", {"wd": 1e-4, "momentum": 1.0}, r"'momentum' parameter of torch.SGD must be in \[0, 1\)"),
    ("torch.SGD", {"wd": 1e-4, "dampening": 1.0}, r"'dampening' parameter of torch.SGD must be in \[0, 1\)"),
    ("torch.SGD", {"wd": 1e-4, "nesterov": True}, r"Nesterov momentum requires a momentum > 0"),
    ("torch.SGD", {"wd": 1e-4, "loss": "hinge"}, r"'loss' parameter of 'torch.SGD' must be one of 'mse', 'nll'"),
    ("keras.l2", {"l2": -0.01}, r"'l2' parameter of keras.l2 must be > 0"),
    ("keras.l1", {"l1": 0.0}, r"'l1' parameter of keras.l1 must be > 0"),
    ("keras.l1_l2", {"l1": -0.1, "l2": 0.1}, r"'l1' parameter of keras.l1_l2 must be a finite number >= 0"),
    ("keras.l1_l2", {}, r"keras.l1_l2 needs l1 > 0 or l2 > 0"),
    ("keras.SGD", {"wd": -0.01}, r"'wd' parameter of keras.SGD must be > 0"),
    ("decoupled_weight_decay", {"wd": 0.01, "lr_scaled": False}, r"lr_scaled=False .* needs the learning rate"),
    ("decoupled_weight_decay", {"wd": 0.01, "lr": -1.0, "lr_scaled": False}, r"'lr' parameter .* must be > 0"),
])
def test_bad_framework_parameters(convention, params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        penalty_to_prior(convention, n=100, **params)


def test_unknown_optimizer_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown convention 'torch.Adagrad'; known conventions: .*'torch.SGD'"):
        penalty_to_prior("torch.Adagrad", wd=0.01, n=10)
