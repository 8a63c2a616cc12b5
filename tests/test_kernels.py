"""Rules written as loops over runs (sim.rules.compiled) give the same numbers compiled and as plain
Python, and the allocation they share keeps its definition."""

from __future__ import annotations

import os
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.allocation import allocate
from sim.rules.domain import Category, PostKind, PostStatus
from sim.rules.rng import run_keys
from sim.rules.rotation import restaff, rotate, tours
from sim.rules.state import CapScope, State, World, figure_dtype
from tests.conftest import ROOT, event_table

MODES = ("0", "1")  # TFT_JIT: plain Python, compiled


def jit(mode: str, fn, *args):
    """fn(*args) with TFT_JIT set to `mode`."""
    before = os.environ.get("TFT_JIT")
    os.environ["TFT_JIT"] = mode
    try:
        return fn(*args)
    finally:
        if before is None:
            del os.environ["TFT_JIT"]
        else:
            os.environ["TFT_JIT"] = before


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(st.integers(0, 60), min_size=1, max_size=7), min_size=1, max_size=4).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    ),
    wanted=st.lists(st.integers(0, 400), min_size=4, max_size=4),
)
def test_allocation_is_largest_remainder_with_ties_to_the_lower_column(rows, wanted):
    counts = np.array(rows, dtype=np.int64)
    n = np.array(wanted[: len(rows)], dtype=np.int64)
    shares = jit("0", allocate, counts, n)
    np.testing.assert_array_equal(shares, jit("1", allocate, counts, n))
    for count, share, people in zip(counts, shares, n, strict=True):
        total = int(count.sum())
        given_out = min(int(people), total)
        assert int(share.sum()) == given_out
        assert (share <= count).all() and (share >= 0).all()
        if total == 0:
            continue
        quota = [Fraction(int(c) * given_out, total) for c in count]
        floors = [q.numerator // q.denominator for q in quota]
        extra = [int(s) - f for s, f in zip(share, floors, strict=True)]
        assert set(extra) <= {0, 1}
        # the extra people go to the largest remainders, the lower column first among equals
        order = sorted(range(len(count)), key=lambda j: (-(quota[j] - floors[j]), j))
        assert [extra[j] for j in order] == sorted(extra, reverse=True)


def _world() -> World:
    # side 0: embassy, consulate, media bureau; side 1: embassy, consulate; a narrower cap on
    # side 0's consulate (all categories) and one on side 1's sent staff
    return World(
        sides=("AA", "BB"),
        post_ids=("a_emb", "a_con", "a_media", "b_emb", "b_con"),
        post_owner=np.array([0, 0, 0, 1, 1]),
        post_kind=np.array(
            [PostKind.EMBASSY, PostKind.CONSULATE, PostKind.MEDIA_BUREAU, PostKind.EMBASSY, PostKind.CONSULATE]
        ),
        head_post=np.array([0, 3]),
        property_ids=(),
        property_owner=np.zeros(0, dtype=np.int64),
        tour_months=np.array([24.0, 30.0]),
        cap_scopes=(
            CapScope(0, (1,), (Category.DIPLOMATS, Category.SUPPORT, Category.LOCAL)),
            CapScope(1, None, (Category.DIPLOMATS, Category.SUPPORT)),
        ),
    )


def _state(runs: int, seed: int) -> State:
    rng = np.random.default_rng(seed)
    staff = rng.integers(0, 80, size=(runs, 5, 3)).astype(np.int64)
    return State(
        staff=staff,
        post_status=rng.choice([PostStatus.OPEN, PostStatus.OPEN, PostStatus.CLOSED], size=(runs, 5)).astype(np.int8),
        property_status=np.zeros((runs, 0), dtype=np.int8),
        staff_cap=rng.choice([-1, 150, 250, 400], size=(runs, 2)).astype(np.int64),
        visa_rate=rng.choice([1.0, 0.5, 0.0, 1.25], size=(runs, 2)),
        travel_limit_km=np.full((runs, 2), np.nan),
        banking=np.ones((runs, 2), dtype=bool),
        local_hiring=rng.random((runs, 2)) < 0.7,
        ambassador=np.ones((runs, 2), dtype=bool),
        scoped_cap=rng.choice([-1, 20, 60, 120], size=(runs, 2)).astype(np.int64),
        drawn_down=rng.integers(0, 3, size=(runs, 5, 2)).astype(np.int64),
    )


def _counts(world: World, state: State) -> np.ndarray:
    """Each run's count under each cap: the two missions' (bodies aside), then each narrower cap's."""
    missions = [state.staff[:, world.posts_of(side)].sum(axis=(1, 2)) for side in (0, 1)]
    scopes = [(state.staff * world.scope_cells[s][None]).sum(axis=(1, 2)) for s in range(len(world.cap_scopes))]
    return np.stack(missions + scopes, axis=1)


def _months(mode: str, monkeypatch) -> tuple[State, list[np.ndarray], bool]:
    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state(40, 5)
    establishment = np.full((5, 3), 70, dtype=np.int64)
    tour = tours(world, state.runs, (np.linspace(24, 36, state.runs), np.nan))
    caps = np.concatenate([state.staff_cap, state.scoped_cap], axis=1)
    changes, bound = [], False
    for _ in range(30):
        changes.append(rotate(world, state, tour))
        before = _counts(world, state)
        changes.append(restaff(world, state, establishment, (0, 1), (np.linspace(3, 24, state.runs), 12.0), tour))
        after = _counts(world, state)
        # arrivals never take a count above its cap (a count already above it stays where it was)
        assert ((caps < 0) | (after <= np.maximum(caps, before))).all()
        bound |= bool(((caps >= 0) & (after == caps) & (before < caps)).any())
    return state, changes, bound


def test_rotation_and_restaffing_compiled_equal_plain_python_under_binding_caps(monkeypatch):
    plain, plain_changes, bound = _months("0", monkeypatch)
    compiled, compiled_changes, _ = _months("1", monkeypatch)
    for name, values in vars(plain).items():
        np.testing.assert_array_equal(values, getattr(compiled, name), err_msg=name)
    for first, second in zip(plain_changes, compiled_changes, strict=True):
        np.testing.assert_array_equal(first, second)
    assert bound  # some arrivals were cut to exactly the room a cap left


@pytest.mark.slow
def test_an_ensemble_is_the_same_compiled_and_as_plain_python(monkeypatch):
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2025.toml")
    overrides = [
        (side, key, value)
        for side in scenario.codes
        for key, value in (("perception_error", 0.1), ("crisis_rate", 1.5))
    ]
    plan = make_plan(
        scenario, "behavioural", policies={c: "escalate:k=1.5" for c in scenario.codes}, overrides=overrides
    )
    keys = run_keys(11, 12)
    runs = {}
    for mode in MODES:
        monkeypatch.setenv("TFT_JIT", mode)
        runs[mode] = simulate_batch(scenario, plan, keys)
    for name, values in runs["0"].figures.items():
        np.testing.assert_array_equal(values, runs["1"].figures[name], err_msg=name)
    assert event_table(runs["0"]) == event_table(runs["1"])
    np.testing.assert_array_equal(runs["0"].acts, runs["1"].acts)
    assert (runs["0"].acts.sum(axis=(1, 2)) > 0).all()  # every run's policies acted


def test_the_compiled_rules_are_cached_under_a_digest_of_every_rules_module(tmp_path, monkeypatch):
    from sim.rules import compiled

    rules = tmp_path / "rules"
    rules.mkdir()
    for path in compiled.RULES.rglob("*.py"):
        target = rules / path.relative_to(compiled.RULES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    # numba sees a change to a function's own file only: a change to a rule another kernel calls,
    # or to a constant in another module, must still give another folder
    assert compiled.sources_digest(rules) == compiled.sources_digest()
    domain = rules / "domain.py"
    domain.write_text(domain.read_text().replace("OPEN = 0", "OPEN = 3"))
    assert compiled.sources_digest(rules) != compiled.sources_digest()
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    folder = compiled.cache_folder()
    assert folder.parent == tmp_path / "cache" and folder.is_dir()
    assert folder.name.startswith(f"rules-{compiled.sources_digest()}-numba")


@pytest.mark.parametrize("mode", MODES)
def test_a_mission_past_what_32_bits_count_safely_stops_the_run(mode, monkeypatch):
    from sim.errors import CapacityError
    from sim.rules.state import STAFF_LIMIT

    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state(3, 2)
    state.staff[:] = 0
    state.drawn_down[:] = 0
    state.staff_cap[:] = -1
    state.scoped_cap[:] = -1
    state.staff[1, 3, 2] = STAFF_LIMIT  # side 1's local staff: at the limit, still counted
    rotate(world, state)
    state.drawn_down[1, 4, 0] = 1  # one more, drawn down, is past it
    with pytest.raises(CapacityError, match=f"grew to {STAFF_LIMIT + 1:,} staff"):
        rotate(world, state)


def test_staff_and_counts_are_kept_in_the_narrowest_types_that_hold_them():
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2022.toml")
    plan = make_plan(scenario, "replay")
    batch = simulate_batch(scenario, plan, run_keys(1, 1))
    state = scenario.initial_state(2)
    assert state.staff.dtype == np.int32 and state.drawn_down.dtype == np.int32
    kinds = {name: values.dtype for name, values in batch.figures.items()}
    for name in ("diplomats", "support", "local", "staff_total", "staff_cap"):
        assert kinds[name] == np.int32, name
    for name in ("posts_open", "posts_suspended", "posts_closed", "properties_held", "properties_lost"):
        assert kinds[name] == np.int8, name  # 12 posts, 8 properties
    assert kinds["visa_rate"] == np.float64 and kinds["banking"] == np.bool_
    for count, kind in ((127, np.int8), (128, np.int16), (2**15 - 1, np.int16), (2**15, np.int32)):
        many = SimpleNamespace(post_ids=range(count), property_ids=range(count))
        assert figure_dtype(many, "posts_open") == kind and figure_dtype(many, "properties_held") == kind, count


def test_a_kernel_run_as_python_reads_its_arrays_as_memoryviews(monkeypatch):
    from sim.rules import compiled

    seen = []

    @compiled.kernel
    def probe_kernel(values, world_arrays, out):
        seen.append((type(values), type(world_arrays[0]), type(np.zeros(2, np.int64))))
        out[0] = values[0, 1] + 1

    try:
        monkeypatch.setenv("TFT_JIT", "0")
        out = np.zeros(1, dtype=np.int64)
        compiled.pick(probe_kernel, 1)(np.arange(6).reshape(2, 3), (np.zeros(2),), out)
        assert out[0] == 2
        assert seen == [(memoryview, memoryview, memoryview)]
    finally:
        compiled._KERNELS.pop("probe_kernel")
        compiled._PYTHON.clear()


def test_kernels_that_make_no_arrays_borrow_theirs_and_those_that_do_count_them():
    """A kernel compiled without reference counting (`_nrt`) cannot make an array, and one
    compiled with it pays for counting at each inline rule: only the kernels registered as
    `allocates` count."""
    import numba

    import sim.rules.measures  # noqa: F401  (every rules module registers its kernels)
    import sim.rules.repertoire  # noqa: F401
    import sim.rules.rotation  # noqa: F401
    from sim.rules.compiled import _ALLOCATING, _uncounted, twins

    made = twins()
    if not _uncounted(numba):
        pytest.skip("this numba has no option to compile without reference counting")
    assert _ALLOCATING == {"allocate_rows", "cut_runs", "remove_sent_runs"}
    for name in ("choose_runs", "rotate_runs", "restaff_runs", "answer_runs"):
        assert made[name].targetoptions.get("_nrt") is False, name
    for name in _ALLOCATING:
        assert "_nrt" not in made[name].targetoptions, name
