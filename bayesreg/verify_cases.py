"""The cases of the main job, ``bayesreg verify --all`` (``make demo``): one row per convention."""

from __future__ import annotations

from typing import Any

__all__ = ["ALL_CASES"]

# (convention, data set, penalty parameters, verify_map options): the main job's cases
ALL_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("sklearn.Lasso", "diabetes", {"alpha": 1.0}, {}),
    ("sklearn.Lasso", "sparse_p_gt_n", {"alpha": 0.1}, {}),
    ("sklearn.Ridge", "diabetes", {"alpha": 1.0}, {}),
    ("sklearn.ElasticNet", "correlated", {"alpha": 0.1, "l1_ratio": 0.5}, {}),
    ("sklearn.LogisticRegression", "binary_synthetic", {"C": 0.05, "l1_ratio": 1.0}, {}),
    ("sklearn.LogisticRegression", "binary_synthetic", {"C": 1.0, "l1_ratio": 0.0}, {}),
    ("glmnet", "diabetes", {"lambda_": 1.0, "alpha": 1.0}, {}),
    ("glmnet", "diabetes", {"lambda_": 1.0, "alpha": 0.5}, {}),
    ("glmnet", "binary_synthetic", {"lambda_": 0.02, "alpha": 1.0, "family": "binomial"}, {}),
    ("statsmodels", "diabetes_std", {"alpha": 0.5, "L1_wt": 0.5}, {"noise_sigma": 50.0}),
    ("statsmodels", "binary_synthetic", {"alpha": 5.0, "model": "Logit"}, {}),
    ("sum", "diabetes_std", {"lam": 0.05, "penalty": "l1"}, {"noise_sigma": 50.0}),
    ("sum", "binary_synthetic", {"lam": 2.0, "penalty": "l2"}, {"likelihood": "logistic"}),
    ("mean", "diabetes_std", {"lam": 1e-4, "penalty": "l1"}, {"noise_sigma": 50.0}),
    ("mse", "diabetes_std", {"lam": 5.0, "penalty": "l1"}, {"noise_sigma": 50.0}),
    ("mse", "correlated", {"lam": 0.1, "penalty": "elasticnet", "l1_ratio": 0.5}, {}),
    ("mean_half", "binary_synthetic", {"lam": 5.0, "penalty": "l2"}, {"likelihood": "logistic"}),
    ("mean_half", "binary_synthetic", {"lam": 20.0, "penalty": "l1"}, {"likelihood": "logistic"}),
    ("weight_decay", "binary_synthetic", {"wd": 0.01}, {"likelihood": "logistic"}),
    ("weight_decay", "diabetes_std", {"wd": 1e-3}, {"noise_sigma": 50.0}),
    # training rules of the frameworks (bayesreg.conventions.frameworks) and dropout's exact prior
    ("torch.SGD", "binary_synthetic", {"wd": 0.01, "momentum": 0.9, "loss": "nll"}, {"likelihood": "logistic"}),
    ("keras.l2", "binary_synthetic", {"l2": 0.005, "loss": "nll"}, {"likelihood": "logistic"}),
    ("keras.l1", "diabetes_std", {"l1": 0.15}, {"noise_sigma": 50.0}),
    ("keras.SGD", "binary_synthetic", {"wd": 0.05, "momentum": 0.9, "loss": "nll"},
     {"likelihood": "logistic"}),
    ("decoupled_weight_decay", "diabetes_std", {"wd": 1e-4, "lr": 0.1, "lr_scaled": False},
     {"noise_sigma": 50.0}),
    ("dropout", "diabetes", {"keep_prob": 0.8}, {"noise_sigma": 50.0}),
    # count likelihoods (RAND Health Insurance Experiment, doctor visits)
    ("sklearn.PoissonRegressor", "randhie", {"alpha": 1e-3}, {}),
    ("glmnet", "randhie", {"lambda_": 0.01, "alpha": 1.0, "family": "poisson"}, {}),
    ("sklearn.QuantileRegressor", "diabetes", {"quantile": 0.9, "alpha": 0.5}, {}),
    # the multinomial (K = 3 wine cultivars), against the NumPy multinomial solver (glmnet's form)
    ("sklearn.LogisticRegression", "wine_std", {"C": 0.5, "l1_ratio": 0.0}, {"likelihood": "multinomial"}),
    ("sklearn.LogisticRegression", "wine_std", {"C": 0.1, "l1_ratio": 1.0}, {"likelihood": "multinomial"}),
    ("glmnet", "wine_std", {"lambda_": 0.05, "alpha": 0.5, "family": "multinomial"}, {}),
]
