"""Tables written column by column are, byte for byte, the tables written row by row."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.experiments.summary import RUN_COLUMNS, run_columns, run_rows
from sim.files.columns import ENSEMBLE_TRAJECTORY_COLUMNS, trajectory_rows, write_trajectories
from sim.files.results import CsvWriter, column_cells
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys
from sim.rules.state import TRAJECTORY_COLUMNS


def by_rows(path, columns, rows) -> str:
    with CsvWriter(path, columns) as writer:
        writer.write(rows)
    return path.read_text(encoding="utf-8")


def test_cells_of_every_kind_as_rows_write_them(tmp_path):
    values = [
        np.array([3, 1, 2**40, 1]),
        np.array([0.1, np.nan, 1 / 3, -0.0]),  # nan is an empty cell; -0.0 stays "-0"
        np.array([True, False, True, True]),
        np.array(["a", "b,c", 'q"x', "n\nl"]),  # quoted as the csv module quotes them
        np.array(["r\rr", "", "x", "r\rr"]),
        np.array([2**64 - 1, 5, 5, 0], dtype=np.uint64),
        np.array([-7, 0, 12, -7], dtype=np.int32),
        np.array([7, 300, -2, 7], dtype=np.int16),
        np.array([0.25, np.inf, np.nan, 1e-7]),  # no -0.0: formatted as numbers, not objects
        np.array([1234567.0, -np.inf, 0.1, 2.5e20]),
        np.array([0.5, 1 / 3, 0.5, np.nan], dtype=np.float32),
    ]
    names = [f"c{i}" for i in range(len(values))]
    with CsvWriter(tmp_path / "columns.csv", names) as writer:
        assert writer.write_columns(values) == 4
    rows = [{n: v[i].item() for n, v in zip(names, values, strict=True)} for i in range(4)]
    assert (tmp_path / "columns.csv").read_text(encoding="utf-8") == by_rows(tmp_path / "rows.csv", names, rows)
    assert column_cells(np.array([-0.0, 0.0, 2.5])).tolist() == ["-0", "0", "2.5"]


def test_a_column_count_unlike_the_header_is_refused(tmp_path):
    with (
        CsvWriter(tmp_path / "x.csv", ("a", "b")) as writer,
        pytest.raises(ValueError, match="3 columns given for a header of 2"),
    ):
        writer.write_columns([np.array([1]), np.array([2]), np.array([3])])


@pytest.mark.parametrize("with_run", [False, True])
def test_trajectories_and_runs_by_columns_equal_them_by_rows(toy_file, tmp_path, monkeypatch, with_run):
    from sim.files import columns

    monkeypatch.setattr(columns, "BLOCK_ROWS", 50)  # several blocks of runs per chunk
    scenario = load_scenario(toy_file())
    noise = [("CN", "perception_error", 0.3), ("UK", "execution_error", 0.2), ("CN", "crisis_rate", 2.0)]
    plan = make_plan(scenario, "behavioural", overrides=noise)
    ensemble = simulate_batch(scenario, plan, run_keys(5, 7 if with_run else 1))
    header = ENSEMBLE_TRAJECTORY_COLUMNS if with_run else TRAJECTORY_COLUMNS
    with CsvWriter(tmp_path / "t.csv", header) as writer:
        assert write_trajectories(writer, ensemble, with_run, first_run=10) == len(ensemble.keys) * 12 * 2
    expected = by_rows(tmp_path / "t_rows.csv", header, trajectory_rows(ensemble, with_run, 10))
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == expected
    with CsvWriter(tmp_path / "r.csv", RUN_COLUMNS) as writer:
        writer.write_columns(run_columns(ensemble, 10))
    expected = by_rows(tmp_path / "r_rows.csv", RUN_COLUMNS, run_rows(ensemble, 10))
    assert (tmp_path / "r.csv").read_text(encoding="utf-8") == expected
    if with_run:  # the runs differ, so the order of the rows is tested
        assert len(set(expected.splitlines())) == 1 + 7 * 2
