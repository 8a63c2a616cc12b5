"""`tft plot` reads folders that may come from anyone: crafted or damaged manifests, CSV files
and parts give one line and exit status 2 (or, if still drawable, figures), never an internal
error or a traceback. Explicit cases first, then random mutations of real folders (hypothesis)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import cli
from tests.conftest import TOY, event

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One folder of each kind tft plot draws: a run, an ensemble, a sweep, a calibration."""
    root = tmp_path_factory.mktemp("plot_input")
    extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-5.0)
    extra += event(date="2020-05", actor="UK", kind="expel", size=4, post="cn_embassy")
    (root / "toy.toml").write_text(TOY + extra, encoding="utf-8")
    (root / "s.toml").write_text(
        '[sweep]\nname = "s"\nscenario = "toy.toml"\nmode = "behavioural"\nreplicates = 3\nseed = 1\n'
        '[levers]\n"CN.policy" = ["mirror", "grit"]\n'
        "[uncertainties]\nperception_error = { low = 0.0, high = 0.2, points = 2 }\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    results = root / "results"
    toy = str(root / "toy.toml")
    commands = {
        "run": ["run", toy, "--run-id", "run"],
        "ensemble": ["run", toy, "--run-id", "ensemble", "--mode", "behavioural", "-n", "3"],
        "sweep": ["sweep", str(root / "s.toml"), "--id", "sweep", "--workers", "1", "-q"],
        "calibration": ["calibrate", toy, "--policy", "mirror", "--screen", "1", "--refine", "0", "-n", "2", "-q"],
    }
    for name, command in commands.items():
        outcome = runner.invoke(cli, [*command, "--results", str(results)])
        assert outcome.exit_code == 0, (name, outcome.output)
    return {
        "run": results / "toy" / "run",
        "ensemble": results / "toy" / "ensemble",
        "sweep": results / "s" / "sweep",
        "calibration": next((results / "toy").glob("calibration-*")),
    }


def plot(folder: Path, *extra: str):
    outcome = CliRunner().invoke(cli, ["plot", str(folder), *extra])
    assert outcome.exit_code in (0, 2), outcome.output
    if outcome.exit_code == 2:
        message = outcome.stderr.strip()
        assert "\n" not in message and message.startswith("Error: "), message
        assert "internal error" not in message and "Traceback" not in outcome.output, message
    return outcome


def copy(folders: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    target = tmp_path / kind
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folders[kind], target, ignore=shutil.ignore_patterns(".lock"))
    return target


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


CRAFTED = {
    "manifest is a list": ("run", "manifest.json", lambda p: p.write_text("[1, 2]"), "not a JSON object"),
    "manifest nested deeply": ("run", "manifest.json", lambda p: p.write_text("[" * 100000), "manifest.json"),
    "manifest title a number": ("run", "manifest.json", lambda p: edit_json(p, lambda d: d.update(title=5)), None),
    "manifest files a string": (
        "run",
        "manifest.json",
        lambda p: edit_json(p, lambda d: d.update(files="staff.png")),
        "files",
    ),
    "title with TeX": ("run", "manifest.json", lambda p: edit_json(p, lambda d: d.update(title="$x^$ {")), None),
    "staff not a number": (
        "run",
        "trajectories.csv",
        lambda p: p.write_text(p.read_text().replace(",1", ",abc", 1)),
        "expected a number",
    ),
    "month 13": ("run", "trajectories.csv", lambda p: p.write_text(p.read_text().replace("2020-01", "2020-13")), "13"),
    "dates across millennia": (
        "run",
        "trajectories.csv",
        lambda p: p.write_text(p.read_text().replace("2020-01", "0001-01").replace("2020-12", "9999-12")),
        "months",
    ),
    "infinite size": (
        "run",
        "events.csv",
        lambda p: p.write_text(p.read_text().replace(",4,", ",1e308,").replace(",4,", ",1e308,")),
        None,
    ),
    "NUL byte": ("run", "events.csv", lambda p: p.write_bytes(p.read_bytes() + b"\x00\n"), "events.csv"),
    "not UTF-8": ("run", "observations.csv", lambda p: p.write_bytes(b"\xff\xfe" + p.read_bytes()), "UTF-8"),
    "short row": ("run", "trajectories.csv", lambda p: p.write_text(p.read_text() + "2020-01,CN\n"), "fewer cells"),
    "huge field": ("run", "events.csv", lambda p: p.write_text(p.read_text() + '"' + "x" * 200_000 + '"\n'), None),
    "quantiles without p50": (
        "ensemble",
        "quantiles.csv",
        lambda p: p.write_text(p.read_text().replace("p50", "p51")),
        "p50",
    ),
    "three sides": (
        "ensemble",
        "quantiles.csv",
        lambda p: p.write_text(p.read_text() + "2020-01,XX,CN,3,1.0,1,1,1,1,1\n"),
        "sides",
    ),
    "design point not a number": (
        "sweep",
        "design.csv",
        lambda p: p.write_text(p.read_text().replace("\n0,", "\nzero,", 1)),
        "design.csv",
    ),
    "summary outcome not a number": (
        "sweep",
        "summary.csv",
        lambda p: p.write_text(p.read_text().replace(",0.0,", ",abc,", 1)),
        None,
    ),
    "summary without a design column": (
        "sweep",
        "summary.csv",
        lambda p: p.write_text(p.read_text().replace("perception_error", "perception", 1)),
        "summary.csv",
    ),
    "manifest points a string": (
        "sweep",
        "manifest.json",
        lambda p: edit_json(p, lambda d: d.update(points="many")),
        "points",
    ),
    "manifest sweep a list": ("sweep", "manifest.json", lambda p: edit_json(p, lambda d: d.update(sweep=[])), "sweep"),
    "inputs block zero": ("sweep", "inputs.json", lambda p: edit_json(p, lambda d: d.update(block=0)), "block"),
    "part truncated": (
        "sweep",
        "runs/part-000001-000000.parquet",
        lambda p: p.write_bytes(p.read_bytes()[:50]),
        "damaged",
    ),
    "calibration measures without actor": (
        "calibration",
        "measures.csv",
        lambda p: p.write_text(p.read_text().replace("actor", "who", 1)),
        "actor",
    ),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_folders_are_one_line_or_drawn(folders, tmp_path, case):
    kind, name, change, expected = CRAFTED[case]
    folder = copy(folders, kind, tmp_path)
    change(folder / name)
    outcome = plot(folder)
    if expected is not None:
        assert outcome.exit_code == 2 and expected in outcome.stderr, outcome.output


def test_a_crafted_point_is_one_line(folders, tmp_path):
    folder = copy(folders, "sweep", tmp_path)
    assert plot(folder, "--point", "999").exit_code == 2
    edit_json(folder / "manifest.json", lambda d: d.update(run_seeds=["-1"]))
    assert "run_seeds" in plot(folder, "--point", "0").stderr


CELLS = st.sampled_from(
    [
        "",
        "abc",
        "nan",
        "inf",
        "-inf",
        "1e308",
        "-1",
        "99999999999999999999999",
        "2020-13",
        "0000-01",
        "9999-12",
        "2020-02-30",
        "$x^$",
        "\x00",
        "é",
        "x" * 3000,
        "0",
        "1.5",
        "CN",
        "UK",
        "XX",
        "true",
    ]
) | st.text(max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutations(draw, folders: dict[str, Path]):
    kind = draw(st.sampled_from(sorted(folders)))
    names = sorted(
        str(p.relative_to(folders[kind])) for p in folders[kind].rglob("*") if p.is_file() and p.suffix != ".png"
    )
    name = draw(st.sampled_from([n for n in names if not n.startswith(".")]))
    how = draw(st.sampled_from(["cell", "column", "line", "bytes", "truncate", "json"]))
    return kind, name, how, draw(st.randoms(use_true_random=False))


def mutate(path: Path, how: str, random, cell: str, value) -> None:
    data = path.read_bytes()
    if path.suffix == ".json" and how in ("json", "cell"):
        try:
            document = json.loads(data)
        except ValueError:
            document = {}
        if isinstance(document, dict) and document and random.random() < 0.8:
            key = random.choice(sorted(document))
            if isinstance(document[key], dict) and document[key] and random.random() < 0.5:
                document[key][random.choice(sorted(document[key]))] = value
            else:
                document[key] = value
        else:
            document = value
        path.write_text(json.dumps(document))
    elif path.suffix == ".csv" and how in ("cell", "column", "line"):
        lines = data.decode("utf-8").split("\n")
        row = random.randrange(len(lines))
        cells = lines[row].split(",")
        column = random.randrange(len(cells))
        if how == "cell":
            cells[column] = cell
        elif how == "column":
            del cells[column]
        else:
            cells = cells[: random.randrange(len(cells) + 1)]
        lines[row] = ",".join(cells)
        path.write_text("\n".join(lines))
    elif how == "truncate" or how in ("cell", "column", "line", "json"):
        path.write_bytes(data[: random.randrange(len(data) + 1)])
    else:
        at = random.randrange(len(data) + 1)
        path.write_bytes(data[:at] + bytes(random.randrange(256) for _ in range(random.randrange(1, 9))) + data[at:])


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_mutations_of_folders_are_one_line_or_drawn(folders, tmp_path, data):
    kind, name, how, random = data.draw(mutations(folders))
    folder = copy(folders, kind, tmp_path)
    mutate(folder / name, how, random, data.draw(CELLS), data.draw(JSON_VALUES))
    extra = ["--point", str(data.draw(st.integers(-1, 5)))] if kind == "sweep" and data.draw(st.booleans()) else []
    plot(folder, *extra)
