"""What becomes of a policy's decision before it is queued, as a kernel (sim.rules.compiled):
execution error, the provocation or overture it answers, and the kind it answers like for like."""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import kernel
from sim.rules.state import NONE


@kernel
def carry_out(flip, error_severity, decided, seen, like_kinds, error, answering, like):
    """In each run: where the side's execution `flip`s, a quiet month produces an unintended hostile
    act of error_severity (an `error`) and an intended act is not carried out (`decided`: severity,
    kind and size per run, changed in place). The act answers the provocation (a hostile act) or the
    overture (`seen`: provocation, overture); it answers like for like the kind of the act answered
    (`like_kinds`: hostile, conciliatory), a conciliatory step only when it reciprocates an overture
    (a unilateral step restores in the documented order)."""
    severity, kind, size = decided
    provocation, overture = seen
    like_hostile, like_conciliatory = like_kinds
    for r in range(severity.shape[0]):
        error[r] = False
        if flip[r]:
            if severity[r] == 0:
                error[r] = True
                severity[r] = -error_severity[r]
            else:
                severity[r] = 0.0
            kind[r] = NONE
            size[r] = np.nan
        if severity[r] < 0:
            answering[r] = provocation[r]
            like[r] = like_hostile[r]
        else:
            answering[r] = overture[r]
            like[r] = like_conciliatory[r] if severity[r] > 0 and overture[r] > 0 else NONE
