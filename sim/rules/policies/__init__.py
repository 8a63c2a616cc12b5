"""The policy catalogue: rules for answering what a side perceived the other did.

Every rule is one class with one decision method, registered once in `REGISTRY`.
"""

from sim.rules.policies import classic, graded  # noqa: F401  (registers the rules)
from sim.rules.policies.base import REGISTRY, Parameter, Policy, PolicyError, Response, Seen, parse_policy
from sim.rules.policies.match import classic_match

__all__ = ["REGISTRY", "Parameter", "Policy", "PolicyError", "Response", "Seen", "classic_match", "parse_policy"]
