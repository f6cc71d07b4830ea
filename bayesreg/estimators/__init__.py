"""User-facing estimators: scikit-learn-style shells over the model and its two fits.

* :mod:`~bayesreg.estimators.regression`: :class:`BayesianRegression` (parameters, validation,
  ``fit``), inheriting :mod:`~bayesreg.estimators.prediction` and
  :mod:`~bayesreg.estimators.posterior_analysis`;
* :mod:`~bayesreg.estimators.presets`: ``LassoBayes``, ``RidgeBayes``, ... — configurations of
  :class:`BayesianRegression` through a penalty convention, not parallel code paths;
* :mod:`~bayesreg.estimators.dropout`: ``DropoutBayes``, the prior of dropout on the inputs;
* :mod:`~bayesreg.estimators.sklearn_compat`: the scikit-learn contract without depending on it.
"""

from bayesreg.estimators.dropout import DropoutBayes
from bayesreg.estimators.presets import ElasticNetBayes, GlmnetBayes, LassoBayes, LogisticBayes, RidgeBayes
from bayesreg.estimators.regression import METHODS, BayesianRegression
from bayesreg.estimators.sklearn_compat import NotFittedError

__all__ = [
    "BayesianRegression",
    "METHODS",
    "NotFittedError",
    "LassoBayes",
    "RidgeBayes",
    "ElasticNetBayes",
    "LogisticBayes",
    "GlmnetBayes",
    "DropoutBayes",
]
