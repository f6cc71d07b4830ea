"""``prior_to_penalty`` / ``bayesreg convert`` back to ``sklearn.QuantileRegressor(quantile, alpha)``.

A quantile fit is a pair: the Laplace prior ``b = s/(n alpha)`` and the likelihood
``AsymmetricLaplace(q, scale=s)``. Given the likelihood (or the quantile), the reverse conversion
returns the full ``QuantileRegressor`` parameters and the scale ``s`` it assumed, and the round trip
penalty -> (prior, likelihood) -> penalty is the identity (a hypothesis property).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bayesreg as br
from bayesreg.cli import main
from bayesreg.model.quantile import AsymmetricLaplace

CONV = "sklearn.QuantileRegressor"
PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=60)


@PROFILE
@given(q=st.floats(1e-6, 1 - 1e-6), alpha=st.floats(-6.0, 6.0).map(lambda e: 10.0**e),
       n=st.integers(1, 10**6).map(float), s=st.floats(-3.0, 3.0).map(lambda e: 10.0**e))
def test_round_trip_through_prior_and_likelihood(q, alpha, n, s):
    params = {"quantile": q, "alpha": alpha}
    prior = br.penalty_to_prior(CONV, n=n, noise_sigma=s, **params)
    lik = br.penalty_to_likelihood(CONV, noise_sigma=s, **params)
    back = br.prior_to_penalty(prior, CONV, n=n, likelihood=lik)
    assert set(back) == {"quantile", "alpha", "noise_sigma"}
    assert back["quantile"] == q and back["noise_sigma"] == s
    assert back["alpha"] == pytest.approx(alpha, rel=1e-13)
    # and forward again from the result: the same prior and likelihood
    assert br.penalty_to_likelihood(CONV, **back) == lik
    again = br.penalty_to_prior(CONV, n=n, **back)
    assert again.b == pytest.approx(prior.b, rel=1e-13)
    # the quantile alone (scale = noise_sigma) gives the same
    assert br.prior_to_penalty(prior, CONV, n=n, noise_sigma=s, quantile=q) == back


def test_the_scale_is_the_likelihoods_and_alpha_scales_with_it():
    prior = br.Laplace(0.01)
    one = br.prior_to_penalty(prior, CONV, n=100, likelihood=AsymmetricLaplace(0.25))
    assert one == {"quantile": 0.25, "alpha": pytest.approx(1.0), "noise_sigma": 1.0}
    three = br.prior_to_penalty(prior, CONV, n=100, likelihood=AsymmetricLaplace(0.25, scale=3.0))
    assert three["alpha"] == pytest.approx(3.0) and three["noise_sigma"] == 3.0
    # the same explicit noise_sigma is accepted; without a likelihood or quantile: alpha only, as before
    assert br.prior_to_penalty(prior, CONV, n=100, noise_sigma=3.0,
                               likelihood=AsymmetricLaplace(0.25, scale=3.0)) == three
    assert br.prior_to_penalty(prior, CONV, n=100) == {"alpha": pytest.approx(1.0)}


def test_contradictions_and_bad_likelihoods_are_refused():
    prior = br.Laplace(0.01)
    with pytest.raises(ValueError, match="'noise_sigma' parameter of sklearn.QuantileRegressor.*scale 3.0"):
        br.prior_to_penalty(prior, CONV, n=100, noise_sigma=2.0, likelihood=AsymmetricLaplace(0.25, scale=3.0))
    with pytest.raises(ValueError, match="'quantile' parameter of sklearn.QuantileRegressor.*0.25"):
        br.prior_to_penalty(prior, CONV, n=100, quantile=0.5, likelihood=AsymmetricLaplace(0.25))
    with pytest.raises(TypeError, match="'likelihood' parameter of sklearn.QuantileRegressor.*AsymmetricLaplace"):
        br.prior_to_penalty(prior, CONV, n=100, likelihood=br.Poisson())
    with pytest.raises(ValueError, match="'quantile' parameter of sklearn.QuantileRegressor must be in"):
        br.prior_to_penalty(prior, CONV, n=100, quantile=1.5)
    with pytest.raises(ValueError, match="L2 part"):
        br.prior_to_penalty(br.Gaussian(1.0), CONV, n=100, quantile=0.5)


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_convert_returns_quantile_alpha_and_the_assumed_scale(capsys):
    code, out, _ = _run(capsys, "convert", "--from", CONV, "--quantile", "0.9", "--alpha", "0.5", "--n", "442",
                        "--to", CONV)
    assert code == 0
    assert "= sklearn.QuantileRegressor(quantile=0.9, alpha=0.5)" in out
    assert "AsymmetricLaplace(quantile=0.9, scale=1)" in out
    code, out, _ = _run(capsys, "convert", "--from", CONV, "--quantile", "0.9", "--alpha", "0.5", "--n", "442",
                        "--noise-sigma", "2", "--to", CONV, "--json")
    to = json.loads(out)["to_params"]
    assert to["quantile"] == 0.9 and to["alpha"] == pytest.approx(0.5, rel=1e-14) and to["noise_sigma"] == 2.0
    # from another convention: the quantile is chosen with --to-quantile (else 0.5)
    code, out, _ = _run(capsys, "convert", "--from", "sklearn.Lasso", "--alpha", "0.5", "--n", "442",
                        "--to", CONV, "--to-quantile", "0.25")
    assert code == 0 and "= sklearn.QuantileRegressor(quantile=0.25, alpha=0.5)" in out
    code, out, _ = _run(capsys, "convert", "--from", "sklearn.Lasso", "--alpha", "0.5", "--n", "442", "--to", CONV)
    assert code == 0 and "quantile=0.5," in out
    code, _, err = _run(capsys, "convert", "--from", "sklearn.Lasso", "--alpha", "0.5", "--n", "442",
                        "--to", "sklearn.Lasso", "--to-quantile", "0.25")
    assert code != 0 and "--to-quantile" in err
