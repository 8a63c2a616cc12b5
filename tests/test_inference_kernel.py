"""The inference's perturbation kernel: proper, bounded importance weights, whatever the particles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.inference_kernel import DefensiveTransition

SUPPORTS = {"a": (0.0, 1.0), "b": (-0.5, 4.5)}  # b: a whole number 0-4, drawn on [low - 0.5, high + 0.5]


def kernel(share: float = 0.2) -> DefensiveTransition:
    return DefensiveTransition(SUPPORTS, ridge=0.01, share=share)


def test_one_particle_holding_all_the_weight_gives_a_proper_kernel():
    X = pd.DataFrame({"a": [0.2, 0.8, 0.5], "b": [1.0, 3.0, 2.0]})
    k = kernel()
    k.fit(X, np.array([1.0, 1e-18, 1e-18]))
    assert np.all(np.isfinite(k.cov)) and np.all(np.linalg.eigvalsh(k.cov) > 0)
    # the floor alone: (1% of each prior width)^2 on the diagonal, the sample spread being ~0
    assert np.diag(k.cov) == pytest.approx([1e-4, 25e-4], rel=1e-6)
    k.fit(X.iloc[:1], np.array([1.0]))
    assert np.all(np.isfinite(k.cov))


def test_the_proposal_density_never_falls_below_the_priors_share():
    X = pd.DataFrame({"a": [0.2, 0.21], "b": [1.0, 1.0]})
    k = kernel(0.2)
    k.fit(X, np.array([0.5, 0.5]))
    prior = 1 / (1.0 * 5.0)
    far = pd.Series({"a": 0.95, "b": 4.0})
    near = pd.Series({"a": 0.2, "b": 1.0})
    assert k.pdf(far) == pytest.approx(0.2 * prior, rel=1e-9)  # the kernel's part is nil there
    assert k.pdf(near) > 100 * prior  # near the particles, the kernel dominates
    # so the weight prior / proposal of any particle is at most 1 / share
    assert prior / k.pdf(far) == pytest.approx(5.0)
    assert k.pdf(pd.Series({"a": 1.5, "b": 1.0})) < 1e-12  # outside the prior's support: only the kernel's tail


def test_a_share_of_proposals_come_from_the_prior():
    X = pd.DataFrame({"a": [0.2, 0.21], "b": [1.0, 1.0]})
    k = kernel(0.3)
    k.fit(X, np.array([0.5, 0.5]))
    np.random.seed(4)
    draws = pd.DataFrame([k.rvs_single() for _ in range(2000)])
    far = ((draws["a"] - 0.2).abs() > 0.1) | ((draws["b"] - 1.0).abs() > 0.5)
    # a prior draw lands away from the particles with probability 1 - 0.2 x 0.2; a kernel draw almost never
    assert 0.3 * 0.97 * 0.85 < far.mean() < 0.3 * 1.15
    assert draws["a"].between(-0.1, 1.1).all()
