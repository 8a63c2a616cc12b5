"""The page in a real browser: `tft app` is started on a free loopback port and headless Chromium
(the system's, as Playwright cannot download its own here) changes a policy and sees the fan
change, uploads a broken scenario file and sees its one-line error, steps a run, compares two
policy pairs, clicks a heatmap cell of a small sweep folder made first, downloads the results
folder, and takes the sides' behaviour from a fit (one of another scenario's sides refused in one
line). Every request the page makes must go to the loopback address.

Set TFT_APP_SCREENSHOTS=docs/figures to keep the screenshots of the main views there.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, TOY, event

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("TFT_CHROMIUM", "/usr/bin/chromium")


def _need(found: bool, what: str) -> None:
    """Missing pieces skip the test on a developer's machine, and fail it in CI (which installs them)."""
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test needs {what}, which .ci/run installs")
        pytest.skip(f"needs {what}")


try:
    import solara  # noqa: F401
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    _need(False, "the app extra and playwright (pip install -e '.[app,test]')")

SWEEP = """
[sweep]
name = "toy_sweep"
scenario = "toy.toml"
mode = "behavioural"
replicates = 4
seed = 3
fans = true

[design]
kind = "grid"

[levers]
"CN.policy" = ["mirror", "grit"]

[uncertainties]
perception_error = { low = 0.0, high = 0.2, points = 2 }
"""
MISSING_FAN = 0  # CN mirror, no misperception
SHOCK = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-6.0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`tft app` on a free loopback port, with a small sweep folder among its results."""
    _need(Path(CHROMIUM).is_file(), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from sim.experiments.sweep import run_sweep

    root = tmp_path_factory.mktemp("page")
    (root / "toy.toml").write_text(TOY + SHOCK, encoding="utf-8")
    (root / "toy_sweep.toml").write_text(SWEEP, encoding="utf-8")
    sweep = run_sweep(root / "toy_sweep.toml", root / "results", workers=1)["folder"]
    (sweep / f"point-{MISSING_FAN}-quantiles.csv").unlink()  # as if the sweep had not kept this one
    fits = _fits(root / "results")
    port = _free_port()
    command = [sys.executable, "-m", "sim", "app", "--port", str(port), "--scenarios", str(ROOT / "scenarios")]
    command += ["--results", str(root / "results"), "--workers", "2"]
    log = (root / "server.log").open("w")
    process = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("tft app did not start: " + (root / "server.log").read_text(encoding="utf-8")[-2000:])
            time.sleep(0.3)
    yield {"url": url, "root": root, "sweep": sweep, **fits}
    workers = _children(process.pid)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    deadline = time.monotonic() + 10
    while [pid for pid in workers if Path(f"/proc/{pid}").exists()] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(workers) >= 2, "the fan's worker processes were not found"
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == [], "worker processes outlived the server"


def _fits(results: Path) -> dict[str, Path]:
    """Two fits of four draws: one of the US and Russia, one of the toy dyad's sides."""
    from tests.test_posterior import COLUMNS, INSTRUMENTS, write_posterior

    renamed = [c.replace("CN.", "US.").replace("UK.", "RU.") for c in COLUMNS]
    sides = {"US": INSTRUMENTS["CN"], "RU": INSTRUMENTS["UK"]}
    return {
        "fit": write_posterior(results / "us_russia_2016_2022" / "inference-page", columns=renamed, instruments=sides),
        "toy_fit": write_posterior(results / "toy" / "inference-toy"),
    }


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def browser(server):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh session of the page; afterwards, every request it made must have stayed on this machine."""
    height = 1500 if os.environ.get("TFT_APP_SCREENSHOTS") else 1100
    context = browser.new_context(viewport={"width": 1500, "height": height}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)
    requests, failures = [], []
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    tab.goto(server["url"])
    caption(tab, "1,000 of 1,000 runs")
    yield tab
    context.close()
    outside = [u for u in requests if not re.match(r"^(http|ws)://127\.0\.0\.1:\d+/|^(data|blob):", u)]
    assert outside == [], "the page fetched something from outside this machine"
    assert failures == []


def caption(tab, text: str):
    """Wait for a figure caption containing `text` and return its text."""
    found = tab.locator(".tft-caption", has_text=text).first
    found.wait_for()
    return found.inner_text()


def shoot(tab, name: str) -> None:
    folder = os.environ.get("TFT_APP_SCREENSHOTS")
    if folder:
        tab.screenshot(path=str(Path(folder) / f"app-{name}.png"))


def choose(tab, label: str, option: str) -> None:
    tab.locator(".v-select", has_text=label).first.click()
    tab.get_by_role("option", name=option, exact=True).click()


def test_changing_a_policy_changes_the_fan(page):
    first = caption(page, "Fan of")
    assert "behavioural: US mirror vs RU mirror" in first and "every run is the same" in first
    for code in ("US", "RU"):  # misperception on both sides: runs differ
        slider = page.locator(".v-input", has_text=f"{code} perception error").get_by_role("slider")
        slider.focus()
        slider.press("ArrowRight")  # 0.01: enough for the runs to differ
    page.wait_for_timeout(500)
    expect(page.locator(".tft-status")).to_have_text("Up to date")
    before = caption(page, "1,000 of 1,000 runs")
    assert "every run is the same" not in before
    started = time.perf_counter()
    choose(page, "US policy", "escalate")
    after = caption(page, "US escalate:k=1.5 vs RU mirror): 1,000 of 1,000 runs")
    seconds = time.perf_counter() - started
    print(f"\nfan of 1,000 runs on the page {seconds:.2f} s after the policy changed ({after.split('; ')[-1]})")
    ends = re.compile(r"mission in 2025-12: median [\d,]+ \(90% of runs [\d,]+ to [\d,]+\)")
    assert ends.findall(before) != ends.findall(after) and len(ends.findall(after)) == 2
    assert "every run is the same" not in after
    caption(page, "US escalate:k=1.5 vs RU mirror): staff of both missions")  # the run below the fan
    shoot(page, "explore")
    choose(page, "US policy", "mirror")  # back to the choice shown before: its figures were kept
    again = caption(page, "(behavioural: US mirror vs RU mirror): 1,000 of 1,000 runs")
    assert again.endswith("(drawn before for the same choices and kept).")
    assert ends.findall(again) == ends.findall(before)


def test_a_broken_upload_shows_its_one_line_error(page, tmp_path):
    broken = TOY.replace('start = "2020-01"', 'start = "2020-13"')
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Upload a scenario file").click()
    chooser.value.set_files(files=[{"name": "broken.toml", "mimeType": "text/plain", "buffer": broken.encode()}])
    error = page.locator(".tft-error").first
    expect(error).to_contain_text("broken.toml")
    message = error.inner_text().strip()
    assert "\n" not in message and "run.start" in message and "2020-13" in message
    assert "tft-upload" not in message  # the file is named as uploaded, not by where the server keeps it
    expect(page.locator(".v-select", has_text="Scenario file")).to_contain_text("us_russia_2016_2025.toml")
    good = TOY + SHOCK
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Upload a scenario file").click()
    chooser.value.set_files(files=[{"name": "toy.toml", "mimeType": "text/plain", "buffer": good.encode()}])
    caption(page, "Toy dyad (behavioural: CN mirror vs UK mirror): 1,000 of 1,000 runs")
    expect(page.locator(".tft-error")).to_have_count(0)


def test_stepping_a_run(page):
    page.get_by_role("button", name="replay", exact=True).click()
    caption(page, "The replay of")
    page.get_by_role("tab", name="Step through a run").click()
    month = page.locator(".tft-month")
    expect(month).to_contain_text("0 of 120 months done")
    for done in (1, 2, 3):
        page.get_by_role("button", name="Step", exact=True).click()
        expect(month).to_contain_text(f"{done} of 120 months done")
    expect(month).to_contain_text("Month 2016-03")
    expect(page.locator(".tft-table-posts")).to_contain_text("Embassy Moscow")
    expect(page.locator(".tft-table-conditions")).to_contain_text("visa_rate")
    page.get_by_role("button", name="▶").click()
    page.wait_for_function("() => / ([4-9]|1[0-9]) of 120 months/.test(document.querySelector('.tft-month').innerText)")
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="▶")).to_be_visible()
    while (done := int(re.search(r"(\d+) of 120", month.inner_text())[1])) < 12:
        page.get_by_role("button", name="Step", exact=True).click()
        expect(month).to_contain_text(f"{done + 1} of 120 months done")
    if done > 12:  # played past December: start again and step there
        page.get_by_role("button", name="Reset").click()
        expect(month).to_contain_text("0 of 120 months done")
        for done in range(1, 13):
            page.get_by_role("button", name="Step", exact=True).click()
            expect(month).to_contain_text(f"{done} of 120 months done")
    # December 2016: the election-interference finding and the closure of the two Russian compounds
    measures = page.locator(".tft-table-measures")
    expect(measures).to_contain_text("Election interference (US finding)")
    expect(measures).to_contain_text("pioneer_point")
    expect(page.locator(".tft-table-properties")).to_contain_text("seized")
    shoot(page, "step")
    page.get_by_role("button", name="Reset").click()
    expect(month).to_contain_text("0 of 120 months done")


def test_comparing_two_pairs(page):
    page.get_by_role("tab", name="Compare two policy pairs").click()
    page.get_by_role("button", name="Compare on the same seeds").click()
    table = page.locator(".tft-table-comparison")
    expect(table).to_contain_text("B: US grit:step=3,persistence=2 vs RU mirror")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    first = rows.nth(0).locator("td").all_inner_texts()
    second = rows.nth(1).locator("td").all_inner_texts()
    assert first[:4] == ["A: US mirror vs RU mirror", "200", "0%", "never"]
    assert second[:3] == ["B: US grit:step=3,persistence=2 vs RU mirror", "200", "100%"]
    caption(page, "Pair B: US grit")
    shoot(page, "compare")


def test_clicking_a_heatmap_cell_shows_its_point(page, server):
    page.get_by_role("tab", name="Sweep folder").click()
    expect(page.locator(".v-select", has_text="Sweep folder")).to_contain_text(str(server["sweep"]))
    choose(page, "Outcome", "hostile_measures")
    page.locator(".tft-cell[title='perception_error = 0, CN.policy = mirror']").click()
    card = page.get_by_text(re.compile(rf"^Point {MISSING_FAN}: CN.policy = mirror, perception_error = 0$"))
    expect(card).to_be_visible()
    missing = page.locator(".tft-no-fan")
    expect(missing).to_contain_text(f"no fan of point {MISSING_FAN} (point-{MISSING_FAN}-quantiles.csv)")
    expect(missing).to_contain_text("Set fans = true under [sweep] in the sweep file")
    assert not (server["sweep"] / f"point-{MISSING_FAN}-quantiles.csv").exists()  # nothing was re-run
    cell = page.locator(".tft-cell[title='perception_error = 0.2, CN.policy = grit']")
    cell.click()
    card = page.get_by_text(re.compile(r"^Point \d+: CN.policy = grit, perception_error = 0.2$"))
    expect(card).to_be_visible()
    point = int(re.search(r"Point (\d+)", card.inner_text())[1])
    assert caption(page, f"Fan of point {point}") == f"Fan of point {point}: read from point-{point}-quantiles.csv."
    expect(page.locator(".tft-no-fan")).to_have_count(0)
    caption(page, "Robustness of each lever combination")
    expect(page.locator(".tft-table-point-outcomes")).to_contain_text("restored_half")
    shoot(page, "sweep")


def test_downloading_the_results_folder(page, server):
    with page.expect_download() as download:
        page.get_by_text("Download the results folder (.zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = archive.namelist()
    run_id = names[0].split("/")[0]
    assert {f"{run_id}/{n}" for n in ("manifest.json", "quantiles.csv", "runs.csv", "fan.png")} <= set(names)
    manifest = json.loads(archive.read(f"{run_id}/manifest.json"))
    assert manifest["runs"] == 1000 and manifest["mode"] == "behavioural"
    assert manifest["command_line"][:3] == ["tft", "run", str(ROOT / "scenarios" / "us_russia_2016_2025.toml")]
    written = server["root"] / "results" / "us_russia_2016_2025" / run_id
    expect(page.locator(".tft-written")).to_contain_text(str(written))
    shutil.rmtree(written)


def test_a_fit_gives_the_sides_behaviour(page, server):
    choose(page, "Fit (tft infer)", str(server["fit"]))
    drawn = caption(page, "(--draw all): 1,000 of 1,000 runs")
    assert drawn.startswith(
        "Fan of United States – Russia diplomatic tit-for-tat, 2016–2025 (behavioural each run's own draw of the "
        f"posterior), behaviour from the fit {server['fit']} (4 draws; most probable pair US grit, RU mirror), "
        "one draw per run"
    ), drawn
    expect(page.locator(".tft-fit")).to_contain_text(f"Behaviour from the fit {server['fit']}")
    with page.expect_download() as download:
        page.get_by_text("Download the results folder (.zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    run_id = archive.namelist()[0].split("/")[0]
    assert len(archive.read(f"{run_id}/draws.csv").decode().splitlines()) == 1001
    manifest = json.loads(archive.read(f"{run_id}/manifest.json"))
    assert manifest["posterior"]["draw"] == "all" and manifest["command_line"][-4:-2] == [
        "--posterior",
        str(server["fit"]),
    ]
    shutil.rmtree(server["root"] / "results" / "us_russia_2016_2025" / run_id)
    page.get_by_role("button", name="mean", exact=True).click()
    mean = caption(page, "(--draw mean): 1,000 of 1,000 runs")
    assert "(behavioural: US grit:" in mean and "the posterior mean of the most probable pair" in mean
    shoot(page, "fit")
    choose(page, "Fit (tft infer)", str(server["toy_fit"]))
    error = page.locator(".tft-error").first
    expect(error).to_contain_text("draws of sides CN, UK, the scenario has US, RU")
    assert "\n" not in error.inner_text().strip()
    choose(page, "Fit (tft infer)", "none: the sides below")
    caption(page, "(behavioural: US mirror vs RU mirror): 1,000 of 1,000 runs")
    expect(page.locator(".tft-error")).to_have_count(0)
