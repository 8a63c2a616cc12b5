"""Where the page finds scenario files and results, how many worker processes it uses, and the fit
it opens with.

`tft app` sets these in the environment before the server imports the page, so the page also
runs under `solara run sim.app.page` with the same variables.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

SCENARIOS = "TFT_APP_SCENARIOS"
RESULTS = "TFT_APP_RESULTS"
WORKERS = "TFT_APP_WORKERS"
POSTERIOR = "TFT_APP_POSTERIOR"  # a fit chosen when the page opens ('' none)
DRAW = "TFT_APP_DRAW"  # its draw: all, mean or a particle number


@dataclass(frozen=True)
class Config:
    scenarios: Path
    results: Path
    workers: int
    posterior: str = ""
    draw: str | int = "all"


def default_workers() -> int:
    """Two worker processes where there are two cores or more: the fan's runs split in two halves
    about the time a change takes to show; more workers add start-up and transfer for little."""
    return min(2, os.cpu_count() or 1)


def config() -> Config:
    return Config(
        scenarios=Path(os.environ.get(SCENARIOS, "scenarios")),
        results=Path(os.environ.get(RESULTS, "results")),
        workers=int(os.environ.get(WORKERS, default_workers())),
        posterior=os.environ.get(POSTERIOR, ""),
        draw=_draw(os.environ.get(DRAW, "all")),
    )


def _draw(text: str) -> str | int:
    return int(text) if text.isdigit() else text


_pool_lock = threading.Lock()
_pool: list[Executor | None] = []


def pool() -> Executor | None:
    """The worker processes every session of this server shares (None: runs in the server)."""
    from sim.app.ensemble import start_pool

    with _pool_lock:
        if not _pool:
            _pool.append(start_pool(config().workers))
        return _pool[0]


def pool_workers() -> int:
    """How many processes the shared pool has (1: the fan runs in the server)."""
    return config().workers if pool() is not None else 1


def stop_pool() -> None:
    """End the worker processes (when the server stops)."""
    with _pool_lock:
        if _pool and _pool[0] is not None:
            _pool[0].shutdown(wait=True, cancel_futures=True)
        _pool.clear()
