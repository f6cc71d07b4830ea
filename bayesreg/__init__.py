"""bayesreg: Bayesian regression where the link between priors and penalties is exact."""
from bayesreg._blas import configure_pytensor_blas

configure_pytensor_blas()

from bayesreg.priors import ElasticNet, Gaussian, Laplace, Prior  # noqa: E402

__all__ = ["Laplace", "Gaussian", "ElasticNet", "Prior"]
__version__ = "0.1.0"
