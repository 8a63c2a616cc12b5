"""Compiling the rules once, in a small process of its own, before local workers start.

The first ensemble after an install (or after a change to `sim/rules/`) compiles the rules
(`sim.rules.compiled`). Left to the workers, each compiles them itself at once: the same seconds
on every core, and LLVM's memory while it compiles on top of each worker's own (about 70 MB more
than a worker that loads the cached code). Instead, before the pool starts, one fresh process that
imports only what a unit of the work needs simulates a couple of its runs, compiling (and caching)
every rule they call; the workers then load the rules from numba's cache. When that process is
done, it marks the cache folder complete, so later ensembles skip this step. (Complete for the work
of that unit: a rule, or a type of argument, that only other work needs is compiled by the first
process that needs it, as before, which costs far less memory than compiling every rule.)

Nothing the warm-up computes is kept. If it fails, the workers compile as they would have (and
report any real error themselves). The parent does not import numba to find the cache folder, so
workers it forks run single runs as Python, as they do without a warm-up.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

WARM_RUNS = 2  # runs of a unit of the work simulated to compile the rules
COMPLETE = "complete"  # the marker a warm-up leaves in the cache folder
WARM_SECONDS = 600  # a warm-up that takes longer is given up (the workers compile)
CHILD = "import sys; from sim.experiments.warm import _child; _child(sys.stdin.buffer.read())"


def _folder() -> Path | None:
    """The cache folder of the compiled rules (None: none is writable, each process compiles)."""
    from sim.rules.compiled import cache_folder

    return cache_folder()


def compiled_before(function: Callable, task: tuple) -> bool:
    """Compile the rules by calling `function(*task)` (a small unit of the work, picklable, of at
    least two runs: a single run runs the rules as Python) in a fresh process, unless the cache is
    already complete, nothing can be cached, or the rules run as Python (`TFT_JIT=0`). True when
    the warm-up ran and compiled; False otherwise, whatever went wrong (the workers then compile)."""
    if os.environ.get("TFT_JIT", "").strip() == "0":
        return False
    try:
        folder = _folder()
    except ImportError:  # no numba: the rules run as Python
        return False
    if folder is None or os.path.lexists(folder / COMPLETE):
        return False
    root = str(Path(__file__).resolve().parents[2])  # where this package is imported from
    paths = os.environ.get("PYTHONPATH")
    env = dict(os.environ, PYTHONPATH=root + (os.pathsep + paths if paths else ""))
    try:
        done = subprocess.run(
            [sys.executable, "-P", "-c", CHILD],  # -P: never a `sim` in the working folder
            env=env,
            input=pickle.dumps((function, task), protocol=pickle.HIGHEST_PROTOCOL),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=WARM_SECONDS,
        )
    except (OSError, subprocess.SubprocessError):  # no interpreter to start, or it took too long
        return False
    return done.returncode == 0


def _child(payload: bytes) -> None:
    function, task = pickle.loads(payload)
    function(*task)
    folder = _folder()
    if folder is None or "numba" not in sys.modules:  # nothing was compiled (the rules ran as Python)
        raise SystemExit(3)
    # a marker with nothing in it, never written through a link planted at its name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        os.close(os.open(folder / COMPLETE, flags, 0o644))
    except FileExistsError:
        pass
