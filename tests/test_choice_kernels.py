"""The kernels of a policy's choice of measures (sim.rules.options' offers, the repertoire's
choose_one): exact choices on small missions, the same compiled and as plain Python, read from a
state or from some of its runs (a look)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.domain import PostKind, PostStatus, PropertyStatus
from sim.rules.measures import CATALOGUE, NONE, MeasureKind
from sim.rules.repertoire import choose
from sim.rules.state import State, World

MODES = ("0", "1")  # TFT_JIT: plain Python, compiled
K = MeasureKind
OPEN, C, S = PostStatus.OPEN, PostStatus.CLOSED, PostStatus.SUSPENDED
IN_USE, SEIZED = PropertyStatus.IN_USE, PropertyStatus.SEIZED


def _world() -> World:
    # side 0: embassy 0, consulates 1 and 2, UN mission 3; side 1: embassy 4, consulate 5;
    # side 0 owns properties 0-2, side 1 property 3
    return World(
        sides=("AA", "BB"),
        post_ids=("a_emb", "a_con1", "a_con2", "a_un", "b_emb", "b_con"),
        post_owner=np.array([0, 0, 0, 0, 1, 1]),
        post_kind=np.array(
            [
                PostKind.EMBASSY,
                PostKind.CONSULATE,
                PostKind.CONSULATE,
                PostKind.UN_MISSION,
                PostKind.EMBASSY,
                PostKind.CONSULATE,
            ]
        ),
        head_post=np.array([0, 4]),
        property_ids=("p0", "p1", "p2", "q0"),
        property_owner=np.array([0, 0, 0, 1]),
        tour_months=np.array([24.0, 24.0]),
    )


def _state() -> State:
    """Five runs of side 0's mission, each posing one case."""
    staff = np.zeros((5, 6, 3), dtype=np.int64)
    # people at the embassy, the two consulates and the UN mission (diplomats, support, local)
    staff[:, 0] = [50, 20, 30]
    staff[:, 3] = [40, 40, 40]  # the UN mission is the largest post, and never closed
    staff[0, 1], staff[0, 2] = [5, 5, 5], [10, 3, 4]  # 15 and 17: the second consulate
    staff[1, 1], staff[1, 2] = [6, 0, 0], [1, 2, 3]  # 6 and 6: a tie goes to the first
    staff[2, 1], staff[2, 2] = [9, 9, 9], [1, 1, 1]  # the larger is closed: the smaller
    staff[3, 0], staff[3, 3] = [2, 0, 1], [1, 1, 0]  # a mission of five, no consulate open
    staff[4, 1], staff[4, 2] = [0, 0, 0], [0, 0, 0]  # empty but open: still a post to close
    status = np.full((5, 6), OPEN, dtype=np.int8)
    status[2, 1] = C
    status[3, 1:3] = [C, S]  # none open: nothing to close
    props = np.full((5, 4), IN_USE, dtype=np.int8)
    props[1, 0] = SEIZED
    props[2, :3] = SEIZED  # every one seized already
    props[3, 1] = SEIZED
    return State(
        staff=staff,
        post_status=status,
        property_status=props,
        staff_cap=np.full((5, 2), -1, dtype=np.int64),
        visa_rate=np.ones((5, 2)),
        travel_limit_km=np.full((5, 2), np.nan),
        banking=np.ones((5, 2), dtype=bool),
        local_hiring=np.ones((5, 2), dtype=bool),
        ambassador=np.ones((5, 2), dtype=bool),
    )


def _offer(kind, world, state, side, magnitude=0.0, size_hint=np.nan):
    runs = state.runs
    return CATALOGUE[kind].option(world, state, side, np.full(runs, magnitude), np.full(runs, size_hint))


def largest_open_post(world, state, side):
    return _offer(K.CLOSE_POST, world, state, side).post


def first_property(world, state, side, seized):
    return _offer(K.RETURN_PROPERTY if seized else K.SEIZE_PROPERTY, world, state, side).prop


def test_a_policy_never_takes_a_kind_without_an_offer():
    world, state = _world(), _state()
    assert _offer(K.CUT_STAFF, world, state, 0) is None  # a state's own measure
    assert _offer(K.RAISE_CAP, world, state, 0) is None
    assert _offer(K.REQUIRE_NOTICE, world, state, 0) is None  # a kind only the record takes


@pytest.mark.parametrize("mode", MODES)
def test_the_post_to_close_is_the_largest_open_consulate_the_first_among_equals(mode, monkeypatch):
    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    closing = _offer(K.CLOSE_POST, world, state, 0)
    assert closing.feasible.tolist() == [True, True, True, False, True]
    np.testing.assert_array_equal(closing.reach, [5.0] * 5)
    assert largest_open_post(world, state, 0).tolist() == [2, 1, 2, NONE, 1]
    assert largest_open_post(world, state, 1).tolist() == [5] * 5
    # some runs, read where they are, or from a copy once a field was read for them
    look = state.look(np.array([4, 0, 3]))
    assert largest_open_post(world, look, 0).tolist() == [1, 2, NONE]
    look.staff  # noqa: B018  (copied now)
    assert largest_open_post(world, look, 0).tolist() == [1, 2, NONE]


@pytest.mark.parametrize("mode", MODES)
def test_the_property_to_seize_or_return_is_the_first_that_can_be(mode, monkeypatch):
    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    assert first_property(world, state, 0, seized=False).tolist() == [0, 1, NONE, 0, 0]
    assert first_property(world, state, 0, seized=True).tolist() == [NONE, 0, 0, 1, NONE]
    assert first_property(world, state.look(np.array([3, 2])), 0, seized=True).tolist() == [1, 0]
    reopen = CATALOGUE[K.REOPEN_POST].option(world, state, 0, np.zeros(5), np.full(5, np.nan))
    assert reopen.post.tolist() == [NONE, NONE, 1, 1, NONE]  # closed by the host; not one suspended


@pytest.mark.parametrize("mode", MODES)
def test_a_choice_takes_the_first_kind_that_reaches_the_answer_else_the_most_severe(mode, monkeypatch):
    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    runs = state.runs
    nothing = np.full(runs, NONE)
    # side 1 answers against side 0's mission
    severity = np.array([-3.0, -5.0, -9.9, -9.9, 4.0])
    like = np.array([NONE, K.CLOSE_POST, NONE, K.SEIZE_PROPERTY, K.RETURN_PROPERTY])
    preferred = np.array([K.CAP_STAFF, NONE, NONE, NONE, NONE])
    hint = np.array([90.0] + [np.nan] * 4)
    choice = choose(world, state.look(np.arange(runs)), 1, severity, like, preferred, hint)
    # a cap of 90 cuts 162 of 252 people; the consulate; 170 of the 170 sent staff expelled reach
    # 9.69; in a mission of five nothing reaches 9.9: the most severe, the ambassador's expulsion
    # (6, above a cap of 0 at 5.1, the visa rate cut to 0 at 5, 4 expelled at 4.8, a property at 4);
    # run 4 has nothing to give back: talks
    assert choice.kind.tolist() == [K.CAP_STAFF, K.CLOSE_POST, K.EXPEL, K.EXPEL_AMBASSADOR, K.HOLD_TALKS]
    np.testing.assert_array_equal(choice.size, [90.0, np.nan, 170.0, np.nan, np.nan])
    assert choice.post.tolist() == [NONE, 1, NONE, NONE, NONE]
    assert choice.prop.tolist() == [NONE] * runs
    state.property_status[4, 2] = SEIZED
    state.banking[3, 0] = False  # frozen already: nothing changes for run 3
    choice = choose(world, state, 1, severity, like, preferred, hint)
    assert (choice.kind[3], choice.kind[4], choice.prop[4]) == (K.EXPEL_AMBASSADOR, K.RETURN_PROPERTY, 2)
    state.ambassador[3, 0] = False  # no ambassador to expel: capping at 0 is the most severe left
    choice = choose(world, state, 1, severity, like, preferred, hint)
    assert (choice.kind[3], choice.size[3]) == (K.CAP_STAFF, 0.0)
    nowhere = choose(world, state, 1, np.zeros(runs), nothing, nothing, np.full(runs, np.nan))
    assert nowhere.kind.tolist() == [NONE] * runs


def _housing(world: World) -> World:
    """The world with property 1 housed at consulate 2 and property 2 at consulate 1."""
    from dataclasses import replace

    return replace(world, property_post=np.array([-1, 2, 1, -1]))


@pytest.mark.parametrize("mode", MODES)
def test_a_closed_post_sends_its_sent_staff_to_the_embassy_and_vacates_what_it_houses(mode, monkeypatch):
    from sim.rules.staffing import vacate_post

    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _housing(_world()), _state()
    state.drawn_down[:, 2] = [2, 1]
    state.departure_carry[:, 2] = 0.5
    state.property_status[0, 1] = SEIZED
    state.property_status[2, 1] = IN_USE
    let_go = vacate_post(world, state, np.array([0, 2]), 2, PostStatus.CLOSED)
    assert let_go.tolist() == [4, 1]  # the local staff
    assert state.staff[[0, 2]][:, [0, 2]].tolist() == [[[60, 23, 30], [0, 0, 0]], [[51, 21, 30], [0, 0, 0]]]
    assert state.drawn_down[[0, 2]][:, [0, 2]].tolist() == [[[2, 1], [0, 0]], [[2, 1], [0, 0]]]
    assert state.departure_carry[[0, 2], 2].tolist() == [[0.0, 0.0]] * 2
    assert state.post_status[:, 2].tolist() == [C, OPEN, C, S, OPEN]
    # a seized property stays seized; one in use is vacated
    assert state.property_status[:, 1].tolist() == [SEIZED, IN_USE, PropertyStatus.VACATED, SEIZED, IN_USE]
    # sent home, local staff kept: only the sent staff are lost, nothing moves to the embassy
    let_go = vacate_post(world, state, np.array([1, 4]), 1, PostStatus.SUSPENDED, home=True, keep_local=True)
    assert let_go.tolist() == [6, 0]
    assert state.staff[[1, 4], 1].tolist() == [[0, 0, 0], [0, 0, 0]]
    assert state.staff[[1, 4], 0].tolist() == [[50, 20, 30]] * 2
    assert state.drawn_down[[1, 4], 0].tolist() == [[0, 0]] * 2


@pytest.mark.parametrize("mode", MODES)
def test_a_cap_cuts_local_staff_first_then_support_then_diplomats_in_proportion(mode, monkeypatch):
    from sim.rules.staffing import cut_to_ceiling

    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    # run 0 has 252 people: 100 (embassy) + 15 + 17 + 120 (UN mission); 52 of its 79 local staff
    # go, the largest remainders rounded up; run 4 has 220: its 70 local staff and 50 of its 60
    # support staff go
    cut = cut_to_ceiling(world, state, np.array([0, 1, 4]), 0, np.array([200, 1000, 100]))
    assert cut.tolist() == [52, 0, 120]
    assert state.staff[0, :4].tolist() == [[50, 20, 10], [5, 5, 2], [10, 3, 1], [40, 40, 14]]
    assert state.staff[4, :4].tolist() == [[50, 3, 0], [0, 0, 0], [0, 0, 0], [40, 7, 0]]
    assert state.staff[1, :4].tolist() == [[50, 20, 30], [6, 0, 0], [1, 2, 3], [40, 40, 40]]


@pytest.mark.parametrize("mode", MODES)
def test_a_cap_a_policy_would_set_cuts_someone_and_lowers_the_cap(mode, monkeypatch):
    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    state.staff_cap[:, 0] = [-1, 200, 300, -1, 100]
    spec = CATALOGUE[K.CAP_STAFF]
    magnitude = np.array([6.0, 6.0, 6.0, 3.0, 3.0])  # 10 people below the staff, then 1
    hint = np.array([np.nan, np.nan, np.nan, 5.0, np.nan])
    option = spec.option(world, state.look(np.arange(5)), 0, magnitude, hint)
    # staff 252, 232, 250, 5, 220: 222 is above a cap of 200; a cap of 5 in a mission of five
    # cuts nobody; 219 is above a cap of 100
    np.testing.assert_array_equal(option.size, [242.0, 222.0, 240.0, 5.0, 219.0])
    assert option.feasible.tolist() == [True, False, True, False, False]
    np.testing.assert_array_equal(option.reach, [6.0, 6.0, 6.0, 1.0, 3.0])
    # a scenario's cap must lower the cap there is
    from dataclasses import replace

    from sim.rules.measures import Measure, infeasibility

    cap = Measure(K.CAP_STAFF, actor=1, target=0, month=0, size=200.0)
    refused = "a cap of 200 does not lower the current cap of 200; use raise_cap or lift_cap (allowed: below 200)"
    assert infeasibility(world, state, cap, run=1) == refused
    assert infeasibility(world, state, replace(cap, size=199.0), run=1) is None
    assert infeasibility(world, state, replace(cap, size=5000.0), run=0) is None  # no cap yet


def test_a_look_sums_a_mission_once_until_its_staff_are_copied():
    world, state = _world(), _state()
    look = state.look(np.array([0, 4]))
    first = look.mission_staff(world, 0)
    assert first.tolist() == [[105, 68, 79], [90, 60, 70]]
    assert look.mission_staff(world, 0) is first and not first.flags.writeable
    assert look.staff_total(world, 0).tolist() == [252, 220]
    look.staff[0, 0, 0] = 0  # copied for the look, and changed there (a measure tried on it)
    assert look.mission_staff(world, 0).tolist() == [[55, 68, 79], [90, 60, 70]]
    assert state.mission_staff(world, 0)[0].tolist() == [105, 68, 79]


@pytest.mark.parametrize("mode", MODES)
def test_posts_and_properties_of_each_runs_own_taken_at_once_as_one_by_one(mode, monkeypatch):
    from sim.rules.measures import Measure, apply_measure

    monkeypatch.setenv("TFT_JIT", mode)
    world = _housing(_world())
    rows = np.array([0, 1, 4, 2])
    posts, props = np.array([2, 1, 1, 2]), np.array([0, 2, 1, 1])
    for kind, where in ((K.CLOSE_POST, posts), (K.SUSPEND_POST, posts), (K.SEIZE_PROPERTY, props)):
        actor = 0 if kind == K.SUSPEND_POST else 1
        together, apart = _state(), _state()
        measure = Measure(kind, actor, 0, month=3)
        at = (where, NONE) if kind != K.SEIZE_PROPERTY else (NONE, where)
        effect = apply_measure(world, together, measure, rows, at=at)
        changes, severities = [], []
        for run, target in zip(rows, where, strict=True):
            one = Measure(
                kind, actor, 0, month=3, **({"prop": target} if kind == K.SEIZE_PROPERTY else {"post": target})
            )
            alone = apply_measure(world, apart, one, np.array([run]))
            changes.append(int(alone.staff_change[0]))
            severities.append(float(alone.severity[0]))
        for name, value in vars(together).items():
            np.testing.assert_array_equal(value, getattr(apart, name), err_msg=f"{kind.label} {name}")
        assert effect.staff_change.tolist() == changes and effect.severity.tolist() == severities
    # what each left: consulate 2 closed in runs 0 and 2 and consulate 1 in runs 1 and 4; suspended
    # by the side itself; the properties seized
    assert together.property_status[rows].tolist() == [
        [SEIZED, IN_USE, IN_USE, IN_USE],
        [SEIZED, IN_USE, SEIZED, IN_USE],
        [IN_USE, SEIZED, IN_USE, IN_USE],
        [SEIZED, SEIZED, SEIZED, IN_USE],
    ]
    closed = _state()
    apply_measure(world, closed, Measure(K.CLOSE_POST, 1, 0, month=3), rows, at=(posts, NONE))
    assert closed.post_status[rows, posts].tolist() == [C, C, C, C]
    assert closed.property_status[rows].tolist()[:2] == [[IN_USE, PropertyStatus.VACATED, IN_USE, IN_USE]] + [
        [SEIZED, IN_USE, PropertyStatus.VACATED, IN_USE]
    ]
    suspended = _state()
    apply_measure(world, suspended, Measure(K.SUSPEND_POST, 0, 0, month=3), rows, at=(posts, NONE))
    assert suspended.post_status[rows, posts].tolist() == [S, S, S, S]


@pytest.mark.parametrize("mode", MODES)
def test_each_offer_sizes_and_finds_its_kind_where_a_run_can_take_it(mode, monkeypatch):
    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    state.visa_rate[:, 0] = [1.0, 0.5, 0.0, 0.25, 0.75]
    state.banking[:, 0] = [True, False, True, False, True]
    state.travel_limit_km[:, 0] = [np.nan, 25.0, np.nan, np.nan, 40.0]
    state.staff_cap[:, 0] = [-1, 10, -1, 0, 5]
    # visas: a magnitude of 2.5 takes half a point off the rate (not below 0); giving back takes
    # at least a fifth of a point (not above 1)
    deny = _offer(K.DENY_VISAS, world, state, 0, 2.5)
    np.testing.assert_array_equal(deny.size, [0.5, 0.0, 0.0, 0.0, 0.25])
    assert deny.feasible.tolist() == [True, True, False, True, True]
    np.testing.assert_array_equal(deny.reach, [2.5, 2.5, 0.0, 1.25, 2.5])
    restore = _offer(K.RESTORE_VISAS, world, state, 0, 0.5)
    np.testing.assert_array_equal(restore.size, [1.0, 0.7, 0.2, 0.45, 0.95])
    assert restore.feasible.tolist() == [False, True, True, True, True]
    # conditions switched on or off, where they are not already
    assert _offer(K.FREEZE_BANKING, world, state, 0).feasible.tolist() == [True, False, True, False, True]
    assert _offer(K.RESTORE_BANKING, world, state, 0).feasible.tolist() == [False, True, False, True, False]
    limit = _offer(K.RESTRICT_TRAVEL, world, state, 0)
    assert limit.feasible.tolist() == [True, False, True, True, False]
    np.testing.assert_array_equal(limit.size, [40.0] * 5)
    assert _offer(K.LIFT_TRAVEL_LIMIT, world, state, 0).feasible.tolist() == [False, True, False, False, True]
    assert _offer(K.LIFT_CAP, world, state, 0).feasible.tolist() == [False, True, False, True, True]
    assert _offer(K.HOLD_TALKS, world, state, 0).feasible.tolist() == [True] * 5
    # people: a magnitude of 6 expels 10 (3 x (1 + log10 10)), or the 4 sent staff of a mission of five
    expel = _offer(K.EXPEL, world, state, 0, 6.0)
    np.testing.assert_array_equal(expel.size, [10.0, 10.0, 10.0, 4.0, 10.0])
    np.testing.assert_array_equal(expel.reach[[0, 1, 2, 4]], [6.0] * 4)
    assert 4.8 < expel.reach[3] < 4.81
    departure = _offer(K.FORCE_DEPARTURE, world, state, 0, 6.0)  # base 2: 100 people
    np.testing.assert_array_equal(departure.size, [100.0, 100.0, 100.0, 4.0, 100.0])
    # a ban on local hires where they are allowed: as severe as the local staff it removes
    state.local_hiring[:, 0] = [True, True, False, True, True]
    state.staff[4, 0, 2] = state.staff[4, 3, 2] = 0
    ban = _offer(K.BAN_LOCAL_HIRES, world, state, 0)
    assert ban.feasible.tolist() == [True, True, False, True, True]
    assert ban.reach[4] == 2.0  # nobody local left: its severity when it removes nobody


@pytest.mark.parametrize("mode", MODES)
def test_a_propensity_draws_among_the_kinds_a_run_can_take_by_weight_and_fit(mode, monkeypatch):
    from sim.rules.instruments import parse_instruments
    from sim.rules.repertoire import choose_instruments

    monkeypatch.setenv("TFT_JIT", mode)
    world, state = _world(), _state()
    runs = state.runs
    severity = np.full(runs, -5.0)
    half = np.full(runs, 0.5)
    u = np.array([0.4, 0.6, 0.6, 0.6, 0.9])
    # expelling 5 reaches 3 x (1 + log10 5) = 5.10 (fit 0.9988), closing the largest open consulate
    # 5 (fit 1): with equal weights a draw below 0.4997 expels; run 3 has no consulate open
    instruments = parse_instruments("expel=1,close_post=1;like=0;package=1")
    first, second = choose_instruments(world, state, 1, severity, np.full(runs, NONE), instruments, (half, u, half, u))
    assert first.kind.tolist() == [K.EXPEL, K.CLOSE_POST, K.CLOSE_POST, K.EXPEL, K.CLOSE_POST]
    np.testing.assert_array_equal(first.size[[0, 3]], [5.0, 4.0])  # run 3 has 4 sent staff
    assert first.post[[1, 2, 4]].tolist() == [1, 2, 1]
    # a package's second kind is drawn without the first: the other one, or none in run 3
    assert second.kind.tolist() == [K.CLOSE_POST, K.EXPEL, K.EXPEL, NONE, K.EXPEL]
    # without a package, or hostile answers only
    instruments = parse_instruments("expel=1,close_post=1;like=0;package=0")
    first, second = choose_instruments(world, state, 1, -severity, np.full(runs, NONE), instruments, (half, u, half, u))
    assert first.kind.tolist() == second.kind.tolist() == [NONE] * runs
    # a spread so narrow that its square is 0: a kind that misses the answer weighs nothing (as
    # numpy's division by 0 gave), so nothing is drawn in runs 1-4; run 0 takes the kind in kind
    instruments = parse_instruments("expel=1,close_post=1;like=1;package=1;spread=1e-200")
    like = np.array([K.CLOSE_POST, NONE, NONE, NONE, NONE])
    first, second = choose_instruments(world, state, 1, severity, like, instruments, (half, u, half, u))
    assert first.kind.tolist() == [K.CLOSE_POST, NONE, NONE, NONE, NONE]
    assert second.kind.tolist() == [NONE] * runs
