"""A decision as it is carried out (sim.rules.execution): execution error, what it answers and the
kind it answers like for like; the same compiled and as plain Python."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules import execution  # noqa: F401  (its kernel registers)
from sim.rules.compiled import python_twins, twins

NONE = -1


@pytest.mark.parametrize("compiled", [False, True])
def test_an_act_turned_by_execution_error_and_the_kind_it_answers_like_for_like(compiled):
    carry_out_one = (twins() if compiled else python_twins())["carry_out_one"]
    flip = np.array([True, True, False, False, False, False])
    severity = np.array([0.0, -4.0, -4.0, 3.0, 3.0, 0.0])
    kind = np.array([NONE, 2, 2, 10, 10, NONE])
    size = np.array([np.nan, 7.0, 7.0, np.nan, np.nan, np.nan])
    provocation = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    overture = np.array([0.5, 0.0, 0.0, 2.0, 0.0, 1.0])
    like_hostile = np.array([0, 3, 4, 5, 6, 7])
    like_conciliatory = np.array([10, 11, 12, 13, 14, 15])
    error, answering, like = np.empty(6, dtype=bool), np.empty(6), np.empty(6, dtype=np.int64)
    for r in range(6):
        severity[r], kind[r], size[r], error[r], answering[r], like[r] = carry_out_one(
            *(flip[r], 2.5, severity[r], kind[r], size[r]),
            *(provocation[r], overture[r], like_hostile[r], like_conciliatory[r]),
        )
    # a quiet month turned into an unintended hostile act; an intended act not carried out; an act
    # that answers a provocation; a step that reciprocates an overture, one that does not; nothing
    assert severity.tolist() == [-2.5, 0.0, -4.0, 3.0, 3.0, 0.0]
    assert kind.tolist() == [NONE, NONE, 2, 10, 10, NONE]
    np.testing.assert_array_equal(size, [np.nan, np.nan, 7.0, np.nan, np.nan, np.nan])
    assert error.tolist() == [True, False, False, False, False, False]
    assert answering.tolist() == [1.0, 0.0, 3.0, 2.0, 0.0, 1.0]
    assert like.tolist() == [0, NONE, 4, 13, NONE, NONE]
