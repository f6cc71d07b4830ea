"""The README's library example runs as written (it samples with NUTS: slow)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_library_example_runs():
    block = re.search(r"## Library\n\n```python\n(.*?)```", README.read_text("utf-8"), re.S)
    assert block is not None, "README has no library example"
    # the only change: no progress bar (rich's console may hold a stream pytest has closed)
    code = block.group(1).replace('method="nuts"', 'method="nuts", progressbar=False')
    assert code != block.group(1)
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["est"].certificate_.passed
    assert namespace["report"].passed
    assert namespace["post"].diagnostics_ == []          # the plug-in noise scale samples cleanly
    assert namespace["keep"].features == (0, 1)


def test_readme_choosing_the_penalty_example_runs():
    import matplotlib

    matplotlib.use("Agg")
    block = re.search(r"## Choosing the penalty: path, cross-validation, LOO\n\n```python\n(.*?)```",
                      README.read_text("utf-8"), re.S)
    assert block is not None
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102
    path, cv, loo = namespace["path"], namespace["cv"], namespace["loo"]
    assert path.passed and path.coef_.shape == (40, 10)
    assert cv.value_1se >= cv.value_min and cv.full_path.passed
    assert loo.elpd_loo.shape == (40,) and loo.value_best > 0


@pytest.mark.slow
def test_readme_empirical_bayes_example_runs():
    block = re.search(r"## Choosing λ: empirical Bayes\n.*?```python\n(.*?)```", README.read_text("utf-8"), re.S)
    assert block is not None, "README has no empirical Bayes example"
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102
    eb, sk, bl = namespace["eb"], namespace["sk"], namespace["bl"]
    assert eb.certificate.passed and sk.certificate.passed and bl.certificate.passed
    assert eb.prior.sigma == pytest.approx(295.3, abs=0.05)
    assert eb.noise_sigma == pytest.approx(54.2, abs=0.05)
    assert eb.log_evidence == pytest.approx(-2403.91, abs=0.005)
    assert eb.to_penalty("sklearn.Ridge")["alpha"] == pytest.approx(0.0337, abs=5e-5)
    assert abs(bl.lam - 0.237) <= 4 * bl.lam_mcse + 0.0005
    assert np.argmax(namespace["curve"]) == 1


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
def test_readme_multinomial_example_runs():
    block = re.search(r"## More than two classes: the multinomial\n.*?```python\n(.*?)```",
                      README.read_text("utf-8"), re.S)
    assert block is not None, "README has no multinomial example"
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102
    est, lasso, post = namespace["est"], namespace["lasso"], namespace["post"]
    assert est.coef_.shape == (3, 13) and list(est.classes_) == [0, 1, 2]
    assert lasso.certificate_.passed and np.sum(lasso.coef_ == 0) > 0
    lo, hi = namespace["lo"], namespace["hi"]
    assert lo.dims == ("class", "feature") and bool((lo < hi).all())
    assert post.idata_.posterior["intercept"].dims == ("chain", "draw", "class")
