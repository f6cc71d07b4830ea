r"""Fitting data that do not fit in memory, mixed into :class:`bayesreg.BayesianRegression`.

* :meth:`ScaleMixin.fit_stats`: a Gaussian model from its sufficient statistics alone
  (:class:`bayesreg.SufficientStats`, from arrays, chunks, files or Dask). The model, the MAP and NUTS
  are the very ones :meth:`~bayesreg.BayesianRegression.fit` uses in the sufficient-statistics form:
  the statistics are all they read, so the results equal the in-memory fit (the same numbers give the
  same draws for the same seed).
* :meth:`ScaleMixin.fit_dask`: a Dask DataFrame or Array (or persisted :class:`bayesreg.DaskRows`).
  Gaussian: one statistics pass, then :meth:`fit_stats`. GLMs (logistic, and any likelihood with
  ``nll_eta``/``eta_derivatives``): the certified MAP by distributed proximal Newton
  (:mod:`bayesreg.inference.distributed`) and, with ``method="laplace"``, the PSIS-corrected Laplace
  approximation (:mod:`bayesreg.inference.laplace_psis`).

Hierarchical priors and the noise-scale priors plug in unchanged through the sufficient-statistics
model form (they add variables to the model, the likelihood term reads the statistics).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from bayesreg.model.rows import RowsData, RowSource
from bayesreg.model.stats_data import StatsData
from bayesreg.model.suffstats import SufficientStats

__all__ = ["ScaleMixin"]


class ScaleMixin:
    """``fit_stats`` and ``fit_dask`` (module docstring); the host class is ``BayesianRegression``."""

    def fit_stats(self, stats: SufficientStats) -> Any:
        """Fit a Gaussian model by exact MAP or NUTS from its sufficient statistics alone.

        Parameters
        ----------
        stats : SufficientStats
            E.g. ``SufficientStats.from_files("shards/*.parquet", target="y")``. Feature names come
            from the statistics (``x0, x1, ...`` when they have none).

        Returns
        -------
        self

        Notes
        -----
        Every convention works (glmnet's standardisation and sd(y) come from the statistics, weighted
        when they are); ``standardize=True`` uses their column sds. The InferenceData of a NUTS fit has no
        ``log_likelihood`` group (that needs the rows).
        """
        prior, lik = self._check_params()
        if not isinstance(stats, SufficientStats):
            raise TypeError(f"The 'stats' parameter of fit_stats must be a bayesreg.SufficientStats; got "
                            f"{type(stats).__name__}.")
        if lik.name != "gaussian":
            raise ValueError(f"fit_stats needs the Gaussian likelihood (its posterior depends on the data only "
                             f"through the sufficient statistics); got likelihood={self.likelihood!r}. For a "
                             "GLM at scale use fit_dask (distributed MAP, Laplace + PSIS).")
        if self.form == "rows":
            raise ValueError("fit_stats has no rows: the 'form' parameter must be 'auto' or 'suffstats'; got 'rows'.")
        if self.method == "laplace":
            raise ValueError("method='laplace' approximates GLM posteriors; a Gaussian posterior from its "
                             "statistics is sampled exactly: use method='nuts' (or 'map').")
        self.__dict__.pop("classes_", None)
        return self._fit_data(StatsData.from_stats(stats, fit_intercept=self.fit_intercept), prior, lik)

    def fit_dask(self, data: Any, target: str | None = None, *, y: Any = None, sample_weight: Any = None,
                 features: Any = None) -> Any:
        """Fit a Dask collection without gathering it.

        Parameters
        ----------
        data : dask.dataframe.DataFrame, dask.array.Array or DaskRows
            A DataFrame (``target``, and ``sample_weight`` as a column name, ``features`` to pick
            columns) or an Array X (``y``, ``sample_weight`` as arrays), or rows already persisted
            with :meth:`bayesreg.DaskRows.from_dask` (reuse them across fits).

        Returns
        -------
        self

        Notes
        -----
        Gaussian: a statistics pass (:meth:`SufficientStats.from_dask`) and :meth:`fit_stats`.
        Logistic: y must be 0/1; ``method="map"`` (certified, distributed proximal Newton) or
        ``"laplace"`` (PSIS-corrected Laplace approximation); NUTS would need a pass over every row
        per leapfrog step and is refused.
        """
        prior, lik = self._check_params()
        if lik.name == "gaussian" and not isinstance(data, RowSource):
            stats = SufficientStats.from_dask(data, target, y=y, weights=sample_weight, features=features)
            return self.fit_stats(stats)
        if isinstance(data, RowSource):
            rows = data
        else:
            from bayesreg.model.dask_data import DaskRows

            rows = DaskRows.from_dask(data, target, y=y, weights=sample_weight, features=features)
        return self.fit_rows(rows)

    def fit_rows(self, rows: RowSource) -> Any:
        """Fit rows held by a :class:`~bayesreg.model.rows.RowSource` (Dask workers or memory); see :meth:`fit_dask`."""
        prior, lik = self._check_params()
        if lik.name == "gaussian":
            return self.fit_stats(rows.stats())
        if self.method == "nuts":
            raise ValueError("method='nuts' is not offered for rows on a cluster (every leapfrog step would be a "
                             "pass over all rows). Use method='laplace' (Laplace approximation at the certified MAP "
                             "corrected by PSIS, with its Pareto k-hat check) or method='map'; or fit NUTS in "
                             "memory with fit(X, y) on data that fit.")
        summary = rows.summary()
        if lik.binary and not summary.binary:
            raise ValueError("y must contain only 0 and 1 for the logistic likelihood at scale (labels are not "
                             "re-encoded on the workers).")
        from bayesreg.inference.distributed import find_map_rows

        data = RowsData(rows, self.fit_intercept)
        prior = self._standardized(self._resolve_prior(prior, data), data)
        self.prior_ = prior
        self.n_features_in_ = data.n_features
        self.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
        if lik.binary:
            self.classes_ = np.array([0, 1])
        result = find_map_rows(rows, prior, lik, fit_intercept=self.fit_intercept, tol=self.tol)
        self._store_map(result)
        self.n_passes_ = result.n_passes
        if self.method == "laplace":
            self._laplace_psis(rows, prior, lik, result)
        return self

    def _store_map(self, result: Any) -> None:
        """Store a MAP ``result`` (``coef_``, ``intercept_``, ``certificate_``, ``objective_``, ``n_iter_``);
        warn (``RuntimeWarning``, at the fitting method's caller) when its certificate did not pass."""
        self.coef_ = result.coef
        self.intercept_ = result.intercept
        self.certificate_ = result.certificate
        self.objective_ = result.objective
        self.n_iter_ = result.n_iter
        if not result.certificate.passed:
            warnings.warn(f"MAP not certified optimal: {result.certificate}", RuntimeWarning, stacklevel=3)

    def _laplace_psis(self, rows: RowSource, prior: Any, lik: Any, result: Any) -> None:
        """Laplace + PSIS at the certified MAP ``result``; sets ``laplace_``, ``pareto_k_`` and, when
        reliable, ``idata_`` and the posterior-mean ``coef_``; otherwise warns and keeps the MAP."""
        from bayesreg.inference.diagnostics import ConvergenceWarning
        from bayesreg.inference.laplace_psis import laplace_psis

        options = self._sampling_options()
        approx = laplace_psis(rows, prior, lik, result.coef, result.intercept, fit_intercept=self.fit_intercept,
                              draws=int(options["draws"]) * int(options["chains"]),
                              random_seed=options["random_seed"])
        self.laplace_ = approx
        self.pareto_k_ = approx.pareto_k
        self.__dict__.pop("idata_", None)
        if not approx.reliable:
            warnings.warn(approx.problem() + " coef_ is the MAP.", ConvergenceWarning, stacklevel=3)
            return
        mean = approx.mean()
        p = rows.n_features
        self.coef_ = mean[:p]
        self.intercept_ = float(mean[p]) if self.fit_intercept else 0.0
        self.idata_ = approx.to_idata(random_seed=options["random_seed"])
