"""Rotation: exact, whole counts; complete replacement at visa rate 1; a slow shrink under denial."""

from __future__ import annotations

import numpy as np

from sim.files.scenario_file import load_scenario
from sim.rules.measures import Measure, MeasureKind, apply_measure
from sim.rules.rotation import rotate
from tests.conftest import TOY


def test_full_visas_change_nothing(toy_file):
    scenario = load_scenario(toy_file())
    world, state = scenario.world(), scenario.initial_state()
    before = state.staff.copy()
    for _ in range(60):
        rotate(world, state)
    assert (state.staff == before).all()


def test_visa_denial_shrinks_sent_staff_exactly(toy_file):
    scenario = load_scenario(toy_file())
    world, state = scenario.world(), scenario.initial_state()
    cn = world.side_index("CN")
    deny = Measure(kind=MeasureKind.DENY_VISAS, actor=1 - cn, target=cn, month=0, size=0.0)
    apply_measure(world, state, deny, np.arange(1))
    totals = []
    for _ in range(12):
        rotate(world, state)
        totals.append(int(state.staff_total(world, cn)[0]))
    # Tours of 12 months, no replacements: each post and sent category loses a twelfth of its
    # current staff a month, fractions carried; the 45 local staff stay. Worked by hand per cell:
    cells = [[40, 0.0], [20, 0.0], [10, 0.0], [5, 0.0]]
    expected = []
    for _ in range(12):
        for cell in cells:
            cell[1] += cell[0] / 12
            leaving = int(cell[1])
            cell[1] -= leaving
            cell[0] -= leaving
        expected.append(45 + sum(c[0] for c in cells))
    assert totals == expected
    assert totals[:3] == [116, 110, 104]


def test_cap_limits_replacements(toy_file):
    scenario = load_scenario(toy_file())
    world, state = scenario.world(), scenario.initial_state()
    cn = world.side_index("CN")
    state.staff_cap[0, cn] = 100  # below the 120 present, as if the host had just capped it
    for _ in range(24):
        rotate(world, state)
    # departures are replaced only up to the cap; local staff do not rotate
    assert int(state.staff_total(world, cn)[0]) <= 100
    assert state.staff[0, world.posts_of(cn), 2].sum() == 45


def test_a_sides_tour_as_a_behaviour_value_is_the_scenarios_tour(toy_file):
    """`[behaviour.CN] tour_months` (or --set, or a posterior's draw) replaces the mission's
    `tour_months` and nothing else: the run is the one of a scenario written with that tour."""
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.rules.rng import run_keys

    denial = '\n[[events]]\ndate = "2020-03-01"\nactor = "UK"\nkind = "deny_visas"\nsize = 0.25\nsource = "t"\n'
    written = load_scenario(toy_file(denial, text=TOY.replace("tour_months = 12", "tour_months = 7"), name="w.toml"))
    drawn = load_scenario(toy_file(denial + "\n[behaviour.CN]\ntour_months = 7\n", name="drawn.toml"))
    default = load_scenario(toy_file(denial, name="default.toml"))
    keys = run_keys(1, 1)
    runs = [simulate_batch(s, make_plan(s, "replay"), keys) for s in (written, drawn, default)]
    for name, values in runs[0].figures.items():
        np.testing.assert_array_equal(runs[1].figures[name], values, err_msg=name)
    world_side = written.world().side_index("CN")
    seven, twelve = (r.figures["staff_total"][-1, 0, world_side] for r in (runs[0], runs[2]))
    assert seven < twelve < 120, (seven, twelve)  # a shorter tour shrinks a mission denied visas faster
