"""The catalogue's policies as one kernel (sim.rules.policies.kernel): every rule numbered once, each
reading only what it declares, the same numbers compiled and as Python."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.entries import MeasureKind
from sim.rules.policies import REGISTRY, Seen, base, parse_policy

SPECS = [
    "restraint",
    "mirror",
    "tit_for_two_tats",
    "generous_mirror",
    "generous_mirror:forgiveness=0.8",
    "grim_trigger",
    "win_stay_lose_shift",
    "gradual",
    "gradual:calm=2.5",
    "contrite_mirror",
    "escalate",
    "escalate:k=3.3",
    "parity",
    "grit",
    "grit:step=0.5,persistence=5",
    "talks_reset",
    "talks_reset:package=2,step=7",
]


def test_every_rule_of_the_catalogue_has_its_own_number():
    assert {spec.split(":")[0] for spec in SPECS} == set(REGISTRY)
    assert sorted(cls.code for cls in REGISTRY.values()) == list(range(len(REGISTRY)))


def test_a_rule_is_given_the_fields_of_seen_in_their_order():
    names = list(Seen.__dataclass_fields__)
    for name in names:
        assert getattr(base, name.upper()) == names.index(name)
    assert list(base.SEEN_KINDS) == names
    for cls in REGISTRY.values():
        assert set(cls.reads) <= set(names[5:]), cls.name


def _history(runs: int, months: int, seed: int) -> list[Seen]:
    """Months of what a side saw: magnitudes often 0 and sometimes equal, both signs of its own act,
    staff either way round."""
    rng = np.random.default_rng(seed)

    def magnitude():
        return rng.choice([0.0, 0.0, 0.3, 1.0, 2.5, 3.0, 7.0], size=runs)

    return [
        Seen(
            magnitude(),
            magnitude(),
            magnitude(),
            magnitude(),
            magnitude(),
            rng.random(runs) < 0.6,
            rng.choice([-3.0, -1.0, 0.0, 0.0, 2.0], size=runs),
            rng.random(runs) < 0.2,
            rng.integers(0, 50, runs).astype(float),
            rng.integers(0, 50, runs).astype(float),
            rng.random(runs),
        )
        for _ in range(months)
    ]


def _played(spec: str, history: list[Seen]) -> tuple[np.ndarray, ...]:
    return _played_with(parse_policy(spec), history)


def _played_with(policy: base.Policy, history: list[Seen]) -> tuple[np.ndarray, ...]:
    """Severity, kind and size of each month's answer (a row per month) and the memory at the end,
    floats as their bits."""
    memory = policy.start(len(history[0].provocation))
    answers = [policy.decide(seen, memory) for seen in history]
    severity, kind, size = (np.array([getattr(a, name) for a in answers]) for name in ("severity", "kind", "size"))
    return severity.view(np.int64), kind, size.view(np.int64), memory.view(np.int64)


@pytest.mark.parametrize("spec", SPECS)
def test_compiled_and_python_rules_give_the_same_bits(spec, monkeypatch):
    """As Python, a rule that read a field it does not declare would index an empty array and fail."""
    pytest.importorskip("numba")
    history = _history(runs=29, months=40, seed=3)
    monkeypatch.setenv("TFT_JIT", "0")
    python = _played(spec, history)
    monkeypatch.setenv("TFT_JIT", "1")
    compiled = _played(spec, history)
    for a, b in zip(python, compiled, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(np.unique(python[0])) > (1 if spec != "restraint" else 0)  # the history made the rule answer


def test_a_policy_outside_the_catalogue_writes_its_own_decide():
    class Own(base.Policy):
        name, title, source, memory_depth = "own", "Own", "a test", 0

    with pytest.raises(NotImplementedError, match="policy 'own' has no rule in the catalogue"):
        Own().decide(Seen.quiet(2), Own().start(2))


def test_the_rules_pinned_on_one_history():
    """A few decisions worked out by hand from the rules' text."""
    quiet = Seen.quiet(1)

    def seen(**fields):
        return Seen(
            **{name: np.array([fields.get(name, getattr(quiet, name)[0])]) for name in Seen.__dataclass_fields__}
        )

    gradual = parse_policy("gradual:calm=1.5")
    memory = gradual.start(1)
    # two provocations: one month of answer after the first; after the second, two months, then two of calm
    months = [seen(provocation=2.0), seen(), seen(), seen(), seen(provocation=4.0), seen(), seen(), seen(), seen()]
    assert [gradual.decide(s, memory).severity[0] for s in months] == [-2.0, 1.5, 1.5, 0.0, -4.0, -4.0, 1.5, 1.5, 0.0]
    grit = parse_policy("grit:step=2,persistence=2")
    memory = grit.start(1)
    months = [seen(restorable=True)] * 3 + [seen(restorable=True, overture=5.0), seen(restorable=True, provocation=1.0)]
    assert [grit.decide(s, memory).severity[0] for s in months] == [2.0, 2.0, 0.0, 5.0, -1.0]
    parity = parse_policy("parity").decide(seen(provocation=1.0, own_staff=40.0, other_staff=60.0), np.zeros((1, 0)))
    assert (parity.severity[0], parity.kind[0], parity.size[0]) == (-1.0, int(MeasureKind.CAP_STAFF), 40.0)


@pytest.mark.parametrize("mode", ["0", "1"])
def test_parameters_that_differ_between_runs_are_each_runs_own(mode, monkeypatch):
    """A batch whose runs have their own parameters (draws from a posterior) decides in each run as
    that run alone with its values."""
    if mode == "1":
        pytest.importorskip("numba")
    monkeypatch.setenv("TFT_JIT", mode)
    history = _history(runs=3, months=30, seed=8)
    cases = {
        "escalate": {"k": [1.0, 2.0, 3.5]},
        "grit": {"step": [0.5, 3.0, 9.0], "persistence": [1.0, 2.0, 12.0]},
        "talks_reset": {"package": [1.0, 6.0, 24.0], "step": [0.5, 3.0, 9.0]},
        "gradual": {"calm": [0.0, 1.0, 5.0]},
        "generous_mirror": {"forgiveness": [0.0, 0.5, 1.0]},
    }
    for name, values in cases.items():
        batch = parse_policy(name)
        batch.params = {key: np.array(column) for key, column in values.items()}
        together = _played_with(batch, history)[0]
        for run in range(3):
            alone = parse_policy(name + ":" + ",".join(f"{key}={column[run]}" for key, column in values.items()))
            own = [Seen(*(getattr(seen, f)[run : run + 1] for f in Seen.__dataclass_fields__)) for seen in history]
            np.testing.assert_array_equal(_played_with(alone, own)[0][:, 0], together[:, run], err_msg=f"{name} {run}")


@pytest.mark.parametrize("mode", ["0", "1"])
def test_a_grudge_answers_a_provocation_it_cannot_read_as_numpy_would(mode, monkeypatch):
    """grim_trigger answers the larger of the provocation and its grudge; a nan provocation gives
    nan (np.maximum's rule), whichever way the comparison falls."""
    if mode == "1":
        pytest.importorskip("numba")
    monkeypatch.setenv("TFT_JIT", mode)
    policy = parse_policy("grim_trigger")
    memory = policy.start(2)
    first, second = Seen.quiet(2), Seen.quiet(2)
    first.provocation = np.array([2.0, 2.0])
    second.provocation = np.array([np.nan, 1.0])
    assert policy.decide(first, memory).severity.tolist() == [-2.0, -2.0]
    answer = policy.decide(second, memory).severity
    assert np.isnan(answer[0]) and answer[1] == -2.0
