"""The policy catalogue: rules for answering what a side perceived the other did.

Every rule is one class, registered once in `REGISTRY`, with its decision beside it as a kernel over
one run (`sim.rules.policies.kernel`).
"""

from sim.rules.policies import classic, graded  # noqa: F401  (registers the rules)
from sim.rules.policies.base import REGISTRY, Parameter, Policy, PolicyError, Response, Seen, parse_policy
from sim.rules.policies.match import classic_match

__all__ = ["REGISTRY", "Parameter", "Policy", "PolicyError", "Response", "Seen", "classic_match", "parse_policy"]
