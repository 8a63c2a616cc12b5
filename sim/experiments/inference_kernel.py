"""The perturbation kernel of the inference: pyabc's multivariate normal kernel with a floor.

pyabc fits each pair's kernel to the pair's particles of the last generation (covariance times
Silverman's factor). A pair left with fewer particles than it has parameters gets a singular
covariance: a proposal is then scored, in floating point, against a density that can round to 0,
and the importance weight prior / proposal density becomes infinite (a fit on the 2016-2022
record stopped so in its fourth generation). Adding (ridge x prior width)^2 to each parameter's
variance (`sim.experiments.inference.RIDGE`, 1%) keeps every kernel proper, and changes little for
a pair with enough particles, whose kernel is far wider.

This module imports pyabc, so it is imported only when a fit runs (the abc extra).
"""

from __future__ import annotations

import numpy as np
import scipy.stats as st
from pyabc.transition import MultivariateNormalTransition


class FlooredTransition(MultivariateNormalTransition):
    """pyabc's MultivariateNormalTransition with a floor on each parameter's variance."""

    def __init__(self, widths: dict[str, float], ridge: float):
        super().__init__()
        self.widths = dict(widths)
        self.ridge = ridge

    def fit(self, X, w: np.ndarray) -> None:
        super().fit(X, w)
        floor = np.array([(self.ridge * self.widths[name]) ** 2 for name in X.columns])
        self.cov = self.cov + np.diag(floor)
        self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)
