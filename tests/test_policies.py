"""The policy catalogue: textbook transcripts in the two-move game, and properties every rule has."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.rules.policies import REGISTRY, Policy, PolicyError, Seen, classic_match, parse_policy
from tests.conftest import ROOT

CLASSIC = sorted(n for n, c in REGISTRY.items() if c.classic)
ALL_HOSTILE = [True]
ALTERNATING = [False, True]
ONE_HOSTILE = [False, False, True] + [False] * 20


def moves(text: str) -> list[bool]:
    return [c == "D" for c in text]


# Textbook play against scripted opponents (D = hostile, C = not), first 10 or 12 rounds.
TRANSCRIPTS = {
    "restraint": ("CCCCCCCCCC", "CCCCCCCCCC", "CCCCCCCCCCCC"),
    "mirror": ("CDDDDDDDDD", "CCDCDCDCDC", "CCCDCCCCCCCC"),
    "tit_for_two_tats": ("CCDDDDDDDD", "CCCCCCCCCC", "CCCCCCCCCCCC"),
    "grim_trigger": ("CDDDDDDDDD", "CCDDDDDDDD", "CCCDDDDDDDDD"),
    "win_stay_lose_shift": ("CDCDCDCDCD", "CCDDCCDDCC", "CCCDDDDDDDDD"),
    "gradual": ("CDCCDDDDCC", "CCDCCCDDDC", "CCCDCCCCCCCC"),
    "contrite_mirror": ("CDDDDDDDDD", "CCDCDCDCDC", "CCCDCCCCCCCC"),
    "generous_mirror:forgiveness=0": ("CDDDDDDDDD", "CCDCDCDCDC", "CCCDCCCCCCCC"),
    "generous_mirror:forgiveness=1": ("CCCCCCCCCC", "CCCCCCCCCC", "CCCCCCCCCCCC"),
}


@pytest.mark.parametrize("spec", sorted(TRANSCRIPTS))
def test_textbook_transcripts(spec):
    against_hostile, against_alternating, against_one = TRANSCRIPTS[spec]
    assert classic_match(spec, ALL_HOSTILE, 10, seed=1)[0] == moves(against_hostile)
    assert classic_match(spec, ALTERNATING, 10, seed=1)[0] == moves(against_alternating)
    assert classic_match(spec, ONE_HOSTILE, 12, seed=1)[0] == moves(against_one)


def test_every_classic_rule_has_a_transcript():
    assert {spec.split(":")[0] for spec in TRANSCRIPTS} == set(CLASSIC)


def test_generous_mirror_forgives_at_its_rate():
    forgiven = 0
    for seed in range(200):
        mine, _ = classic_match("generous_mirror:forgiveness=0.3", ALL_HOSTILE, 21, seed=seed)
        forgiven += mine[1:].count(False)
    share = forgiven / (200 * 20)
    assert 0.27 < share < 0.33  # binomial: sd about 0.007


def test_contrite_mirror_takes_its_punishment_under_noise():
    """After its own mistaken hostile move, contrite mirror does not answer the retaliation, so
    between two contrite players a mistake costs one exchange, not an endless echo."""
    echo = {"mirror": 0, "contrite_mirror": 0}
    for name in echo:
        for seed in range(300):
            first, second = classic_match(name, name, 40, noise=0.02, seed=seed)
            echo[name] += sum(a != b for a, b in zip(first, second, strict=True))
    assert echo["contrite_mirror"] < 0.5 * echo["mirror"]


def test_noise_flips_at_its_rate_and_same_seed_replays():
    first, _ = classic_match("restraint", "restraint", 5000, noise=0.1, seed=4)
    assert 0.09 < sum(first) / 5000 < 0.11
    assert classic_match("generous_mirror", "win_stay_lose_shift", 50, noise=0.1, seed=9) == classic_match(
        "generous_mirror", "win_stay_lose_shift", 50, noise=0.1, seed=9
    )


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_policy_is_declared_and_documented(name):
    cls = REGISTRY[name]
    assert cls.name == name and cls.title and cls.source
    assert cls.__doc__ and len(cls.__doc__.split()) > 12
    assert cls.memory_depth >= 0
    policy = cls()
    for parameter in cls.parameters:
        assert parameter.low <= parameter.default <= parameter.high
        assert policy.params[parameter.name] == parameter.default
    docs = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert f"`{name}`" in docs
    assert f"`{name}`" in (ROOT / "README.md").read_text(encoding="utf-8")


def _random_seen(rng: np.random.Generator) -> Seen:
    provocation = float(rng.choice([0.0, 3.0, 5.0]))
    overture = float(rng.choice([0.0, 0.0, 2.0]))
    seen = Seen.quiet(1)
    seen.provocation = np.array([provocation])
    seen.hostility = np.array([provocation + float(rng.choice([0.0, 2.0]))])
    seen.overture = np.array([overture])
    seen.conciliation = seen.overture.copy()
    seen.reciprocated = np.array([float(rng.choice([0.0, 1.0]))])
    seen.own_last = np.array([float(rng.choice([0.0, -3.0, 2.0]))])
    seen.restorable = np.array([bool(rng.integers(2))])
    seen.own_staff = np.array([100.0])
    seen.other_staff = np.array([float(rng.choice([50.0, 150.0]))])
    seen.draw = np.array([0.5])
    return seen


@pytest.mark.parametrize("name", sorted(n for n, c in REGISTRY.items() if math.isfinite(c.memory_depth)))
def test_declared_memory_depth_bounds_behaviour(name):
    """Two histories that agree on their last `memory_depth` months lead to the same decision."""
    cls = REGISTRY[name]
    depth = int(cls.memory_depth)
    generator = np.random.default_rng(11)
    for _ in range(50):
        shared = [_random_seen(generator) for _ in range(depth + 1)]
        decisions = []
        for _ in range(2):
            policy = cls()
            memory = policy.start(1)
            for seen in [_random_seen(generator) for _ in range(5)] + shared:
                response = policy.decide(seen, memory)
            decisions.append((response.severity[0], response.kind[0], response.size[0]))
        assert decisions[0][:2] == decisions[1][:2]
        assert decisions[0][2] == decisions[1][2] or (np.isnan(decisions[0][2]) and np.isnan(decisions[1][2]))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_reset_clears_memory_and_runs_are_independent(name):
    """A fresh start plays a history the same way twice; runs in one batch do not see each other."""
    generator = np.random.default_rng(5)
    history = [_random_seen(generator) for _ in range(12)]
    policy = REGISTRY[name]()
    outputs = []
    for _ in range(2):
        memory = policy.start(1)
        outputs.append([policy.decide(seen, memory).severity[0] for seen in history])
    assert outputs[0] == outputs[1]
    # the same history in run 1 of a two-run batch, with a quiet run 0 beside it
    memory = policy.start(2)
    batched = []
    for seen in history:
        pair = Seen(*(np.concatenate([getattr(Seen.quiet(1), f), getattr(seen, f)]) for f in Seen.__dataclass_fields__))
        batched.append(policy.decide(pair, memory).severity[1])
    assert batched == outputs[0]


def test_spec_strings():
    assert parse_policy("escalate:k=2").params == {"k": 2.0}
    assert repr(parse_policy("generous_mirror:forgiveness=0.25")) == "generous_mirror:forgiveness=0.25"
    for bad, message in [
        ("nope", "unknown policy 'nope'"),
        ("escalate:q=2", "unknown parameter 'q'"),
        ("escalate:k=9", "out of range"),
        ("escalate:k", "expected key=value"),
        ("grit:persistence=1.5", "whole number"),
    ]:
        with pytest.raises(PolicyError, match=message):
            parse_policy(bad)
    with pytest.raises(PolicyError, match="not defined in the two-move game"):
        classic_match("escalate", "mirror", 3)


def test_registry_holds_the_catalogue():
    assert set(REGISTRY) == {
        "restraint",
        "mirror",
        "tit_for_two_tats",
        "generous_mirror",
        "grim_trigger",
        "win_stay_lose_shift",
        "gradual",
        "contrite_mirror",
        "escalate",
        "parity",
        "grit",
        "talks_reset",
    }
    assert all(issubclass(c, Policy) for c in REGISTRY.values())
