"""Shrinkage priors and a sampled noise scale from sufficient statistics alone (issue 14, item 2).

The global-local priors (horseshoe, horseshoe+, regularized horseshoe, R2D2) read the data only through
the Gaussian likelihood's quadratic form, in the marginal (coefficients integrated out, gram form) or the
non-centred parameterisation: the same statistics give the same model, so ``fit_stats`` draws equal
``fit(X, y)`` draws bit for bit for the same seed. A sampled noise scale needs the scale of its prior:
the default (the unweighted sd of y) comes from unit-weight statistics to rounding, and weighted
statistics, which do not hold it, are refused with the fix.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import bayesreg as br
from bayesreg.datasets import load_dataset
from bayesreg.model.data import RegressionData
from bayesreg.model.stats_data import StatsData


@pytest.fixture(scope="module")
def diabetes():
    d = load_dataset("diabetes")
    return d.X, np.asarray(d.y, dtype=float)


def nuts(**kw):
    base = {"method": "nuts", "draws": 40, "tune": 40, "chains": 1, "random_seed": 5, "progressbar": False,
            "sampler": "pymc", "noise_sigma": None, "noise_prior": br.noise.HalfStudentT(4.0, 70.0)}
    return br.BayesianRegression(**{**base, **kw})


def assert_same_draws(a, b):
    assert set(a.idata_.posterior.data_vars) == set(b.idata_.posterior.data_vars)
    for name in a.idata_.posterior.data_vars:
        np.testing.assert_array_equal(b.idata_.posterior[name].values, a.idata_.posterior[name].values)


SHRINKAGE = [
    pytest.param({"prior": br.Horseshoe()}, id="horseshoe-marginal"),
    pytest.param({"prior": br.HorseshoePlus(), "parameterization": "noncentered"}, id="horseshoe-plus-noncentered",
                 marks=pytest.mark.slow),
    pytest.param({"prior": br.RegularizedHorseshoe(scale_global=0.05)}, id="regularized-horseshoe",
                 marks=pytest.mark.slow),
    pytest.param({"prior": br.R2D2()}, id="r2d2", marks=pytest.mark.slow),
]


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
@pytest.mark.parametrize("kw", SHRINKAGE)
def test_shrinkage_priors_from_statistics_give_identical_draws(diabetes, kw):
    X, y = diabetes
    memory = nuts(**kw).fit(X, y)
    est = nuts(**kw).fit_stats(br.SufficientStats.from_arrays(X, y))
    assert_same_draws(memory, est)
    assert "sigma" in est.idata_.posterior  # the noise scale was sampled
    # kappa_j reads the column variances: from the statistics they agree with the rows' to rounding
    np.testing.assert_allclose(est.shrinkage_factors(), memory.shrinkage_factors(), rtol=1e-12)


def test_default_noise_prior_scale_from_statistics(diabetes):
    """The default noise prior's scale, sd(y), from unit-weight statistics equals np.std(y) to rounding;
    weighted statistics (which hold only the weighted sd) are refused with the fix."""
    X, y = diabetes
    stats = StatsData.from_stats(br.SufficientStats.from_arrays(X, y))
    assert stats.y_scale == pytest.approx(RegressionData.from_xy(X, y).y_scale, rel=1e-14)
    assert stats.y_scale == pytest.approx(float(np.std(y)), rel=1e-14)
    weighted = br.SufficientStats.from_arrays(X, y, sample_weight=np.linspace(0.5, 2.0, len(y)))
    with pytest.raises(ValueError, match="unweighted sd of y, which weighted sufficient statistics"):
        br.BayesianRegression(prior=br.Horseshoe(), method="nuts", noise_sigma=None).fit_stats(weighted)
    with pytest.raises(ValueError, match=r"noise_prior=br.noise.HalfStudentT\(4, scale\)"):
        br.BayesianRegression(prior=br.Laplace(5.0), method="nuts", noise_sigma=None).fit_stats(weighted)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
def test_cli_streams_a_shrinkage_prior(capsys, tmp_path):
    """``bayesreg fit --data 'shards/*.parquet' --prior horseshoe``: NUTS from the streamed statistics, the
    same draws as ``fit_stats`` on ``SufficientStats.from_files`` with the same seed."""
    from bayesreg.cli import main

    rng = np.random.default_rng(3)
    n = 1500
    X = rng.normal(size=(n, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["y"] = 1.0 + X @ [1.5, 0.0, -1.0] + rng.normal(size=n)
    for i, part in enumerate(np.array_split(np.arange(n), 3)):
        df.iloc[part].to_parquet(tmp_path / f"s{i}.parquet", index=False)
    pattern = str(tmp_path / "*.parquet")
    code = main(["fit", "--data", pattern, "--target", "y", "--prior", "horseshoe", "--draws", "40", "--tune", "40",
                 "--chains", "1", "--seed", "9", "--quiet", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = pd.DataFrame(json.loads(out))
    est = br.BayesianRegression(prior=br.Horseshoe(), method="nuts", noise_sigma=None, draws=40, tune=40,
                                chains=1, random_seed=9, progressbar=False)
    est.fit_stats(br.SufficientStats.from_files(pattern, "y"))
    expected = est.idata_.posterior["coef"].mean(("chain", "draw")).values
    np.testing.assert_allclose(summary.loc[["coef[a]", "coef[b]", "coef[c]"], "mean"], expected, atol=5e-5)
    assert "sigma" in summary.index
