"""How long the page takes to show the new 1,000-run fan after a change, measured in a real browser.

Starts `tft app` on a free loopback port, opens it in headless Chromium (Playwright with the
system's Chromium, as tests/test_page.py does), switches misperception on for both sides so that
runs differ, then changes the US policy again and again (each change a choice not made before, so
nothing comes from the page's cache) and times each one from the click on the new policy to the
moment the caption of the complete fan (1,000 of 1,000 runs) of that choice is on the page. Then it
goes back to a choice already shown, which the page serves from its cache. Prints every change,
the median and spread, and the load average of the machine before and after.

    .venv/bin/python benchmarks/app_latency.py [--workers 2] [--rounds 2] [--chromium /usr/bin/chromium]

Needs the app extra and playwright (pip install -e '.[app,test]') and Chromium (apt-get install
chromium). The machine's other work counts: run it on a quiet machine to measure the page alone.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ("escalate", "grit", "generous_mirror", "parity", "tit_for_two_tats", "gradual", "mirror")
FAN_DONE = "1,000 of 1,000 runs"
# the text of the fan's caption (the first caption that starts with "Fan of"), or ""
FAN_CAPTION = """() => {
  const found = [...document.querySelectorAll('.tft-caption')].find(e => e.innerText.startsWith('Fan of'));
  return found ? found.innerText : '';
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(workers: int, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "sim", "app", "--port", str(port), "--workers", str(workers)]
    command += ["--scenarios", str(ROOT / "scenarios"), "--results", tempfile.mkdtemp(prefix="tft-latency-")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("tft app did not start") from None
            time.sleep(0.3)


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by a process and its descendants (Linux /proc): the server and its
    worker processes. Unlike the wall-clock time this does not grow with the machine's other work."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += used.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def fan_caption(tab) -> str:
    return tab.evaluate(FAN_CAPTION)


def wait_for_new_fan(tab, before: str) -> str:
    """Wait until the fan's caption is a complete fan other than `before`; return it."""
    tab.wait_for_function(
        f"() => {{ const t = ({FAN_CAPTION})(); return t !== {before!r} && t.includes({FAN_DONE!r}); }}",
        timeout=120_000,
        polling=20,
    )
    return fan_caption(tab)


def pick(tab, label: str, option: str) -> float:
    """Open the select `label`, click `option`; the time of the click."""
    tab.locator(".v-select", has_text=label).first.click()
    item = tab.get_by_role("option", name=option, exact=True)
    item.wait_for()
    clicked = time.perf_counter()
    item.click()
    return clicked


def nudge(tab, label: str) -> None:
    slider = tab.locator(".v-input", has_text=label).get_by_role("slider")
    slider.focus()
    slider.press("ArrowRight")


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return (
        f"median {statistics.median(ordered):.2f} s, quartiles {quartiles[0]:.2f} to {quartiles[2]:.2f} s, "
        f"range {ordered[0]:.2f} to {ordered[-1]:.2f} s over {len(ordered)} changes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of policy changes (each round a new RU error)")
    parser.add_argument("--chromium", default=os.environ.get("TFT_CHROMIUM", "/usr/bin/chromium"))
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    log = tempfile.NamedTemporaryFile(prefix="tft-latency-", suffix=".log", delete=False)
    server, url = start_server(options.workers, log)
    times: list[float] = []
    shown: list[float] = []
    cpu: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=options.chromium, args=["--no-sandbox"])
            tab = browser.new_page(viewport={"width": 1500, "height": 1100})
            tab.set_default_timeout(120_000)
            tab.goto(url)
            tab.locator(".tft-caption", has_text=FAN_DONE).first.wait_for()
            for code in ("US", "RU"):  # runs differ from here on
                nudge(tab, f"{code} perception error")
            before = wait_for_new_fan(tab, fan_caption(tab))
            print(f"{os.cpu_count()} cores, load average {load_before[0]:.2f} when started; {options.workers} workers")
            for round_ in range(options.rounds):
                if round_:
                    nudge(tab, "RU perception error")  # a new set of choices for this round
                    before = wait_for_new_fan(tab, before)
                for policy in POLICIES:
                    if f"(behavioural: US {policy}" in before:
                        continue
                    used = cpu_seconds(server.pid)
                    clicked = pick(tab, "US policy", policy)
                    after = wait_for_new_fan(tab, before)
                    times.append(time.perf_counter() - clicked)
                    tab.locator(".tft-status", has_text="Up to date").wait_for()  # the run below the fan too
                    cpu.append(cpu_seconds(server.pid) - used)
                    shown.append(float(after.rsplit("on the page ", 1)[1].split(" s ")[0]))
                    print(
                        f"US {policy:<17} {times[-1]:5.2f} s from the click to the fan on the page "
                        f"(the page counts {shown[-1]:.2f} s); {cpu[-1]:.2f} CPU s for the whole change; "
                        f"load average {os.getloadavg()[0]:.2f}"
                    )
                    before = after
            clicked = pick(tab, "US policy", POLICIES[0])  # a choice this round already showed
            before = wait_for_new_fan(tab, before)
            again = time.perf_counter() - clicked
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"click to the full fan: {summary(times)}")
    print(f"as the page counts it (change to figure): {summary(shown)}")
    print(f"CPU seconds of the server and its workers per change (fan, figure, the run below it): {summary(cpu)}")
    print(f"a choice shown before (from the page's cache): {again:.2f} s")
    print(f"load average {os.getloadavg()[0]:.2f} at the end (1 min; 5 min {os.getloadavg()[1]:.2f})")


if __name__ == "__main__":
    main()
