"""The perturbation kernel of the inference: pyabc's multivariate normal kernel, with a floor on
its variances and a share of proposals drawn from the prior.

pyabc fits each pair's kernel to the pair's particles of the last generation (covariance times
Silverman's factor), and weighs a particle by prior / proposal density, where the proposal
density sums the kernels of every pair a particle could have come from. With 49 pairs and a few
hundred particles, a pair holds about ten particles in twelve or more dimensions, so its kernel
is nearly singular: proposals near a lone particle get a density many orders above the prior's,
and a proposal that lands away from every particle gets a weight just as many orders larger. A
fit of the 2016-2022 record to 2019-12 so kept an effective sample size of 2-4 of 500 from its
second generation on, and its family probabilities rested on two or three particles.

Three defences:
- a floor of (ridge x prior width)^2 on each parameter's variance (`RIDGE`, 1%), which keeps every
  kernel proper (without it, a pair left with fewer particles than parameters gave a density that
  rounds to 0, an infinite weight, and a fit that stopped in its fourth generation);
- the weighted covariance without numpy's small-sample correction, which divides by 1 - sum of
  squared weights and so by 0 when one particle holds nearly all of a pair's weight;
- a defensive mixture (Hesterberg 1995): a share `DEFENSIVE` of each pair's proposals is drawn
  from the pair's prior, and the proposal density is share x prior + (1 - share) x kernel. The
  prior / proposal ratio of any particle is then at most 1 / share, so no particle can outweigh
  the others by orders of magnitude, whatever the kernel; and the fit keeps exploring the whole
  prior of a pair that few particles reached.

This module imports pyabc, so it is imported only when a fit runs (the abc extra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats as st
from pyabc.parameters import Parameter
from pyabc.transition import MultivariateNormalTransition
from pyabc.transition.exceptions import NotEnoughParticles


class DefensiveTransition(MultivariateNormalTransition):
    """pyabc's MultivariateNormalTransition with a floor on each parameter's variance, mixed with
    the pair's uniform prior. `supports`: each parameter's (low, high) as the prior draws it."""

    def __init__(self, supports: dict[str, tuple[float, float]], ridge: float, share: float):
        super().__init__()
        self.supports = dict(supports)
        self.ridge = ridge
        self.share = share

    def fit(self, X, w: np.ndarray) -> None:
        if len(X) == 0:
            raise NotEnoughParticles("Fitting not possible.")
        self._X_arr = X.to_numpy(dtype=float)
        w = np.asarray(w, dtype=float) / np.sum(w)
        # the weighted covariance with weights summing to 1 (no small-sample correction): numpy's
        # unbiased estimate divides by 1 - sum of squared weights, which is 0 when one particle
        # holds nearly all of a pair's weight (a fit of the 2016-2022 record stopped so)
        centred = self._X_arr - w @ self._X_arr
        sample = (centred * w[:, None]).T @ centred
        factor = self.bandwidth_selector(1.0 / np.sum(w**2), self._X_arr.shape[1])
        floor = np.array([(self.ridge * (self.supports[n][1] - self.supports[n][0])) ** 2 for n in X.columns])
        self.cov = sample * factor**2 * self.scaling + np.diag(floor)
        self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)
        self._range = np.arange(len(X))
        self._low = np.array([self.supports[n][0] for n in X.columns])
        self._high = np.array([self.supports[n][1] for n in X.columns])
        self._density = 1.0 / float(np.prod(self._high - self._low))

    def rvs_single(self) -> Parameter:
        # one uniform draw decides the component, so the global random state (which the fit
        # seeds per generation) advances the same way whichever component is chosen
        if np.random.uniform() < self.share:
            return Parameter(pd.Series(np.random.uniform(self._low, self._high), index=self.X.columns))
        return super().rvs_single()

    def _pdf_single(self, x: np.ndarray):
        inside = bool(np.all((x >= self._low) & (x <= self._high)))
        prior = self._density if inside else 0.0
        return self.share * prior + (1.0 - self.share) * super()._pdf_single(x)
