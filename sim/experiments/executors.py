"""Where the work of a sweep or a calibration runs: this process, a local process pool, or a Dask
cluster, behind one small interface in the manner of `concurrent.futures`.

The local pool's workers end with the process that started them (a watchdog thread in each
worker notices when its parent is gone, however it went: even `kill -9`), ignore Ctrl-C (the
parent handles it and stops them), and a pool that loses a worker is replaced: the units that
were in flight run again on a new pool, up to `POOL_RESTARTS` times, as Dask does on a cluster.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sim.errors import SimError
from sim.files.sweep_store import SweepError

AHEAD_PER_WORKER = 2  # units per worker in flight, or finished and held by the caller (see `PoolExecutor.map`)
POOL_RESTARTS = 3  # new pools after lost workers, before the sweep gives up (finished parts are kept)
WATCH_SECONDS = 0.5  # how often a worker checks that its parent is alive
PROBE_SECONDS = 5.0  # how long a scheduler address may take to answer like a Dask scheduler
HANDSHAKE_LIMIT = 1 << 16  # bytes: a Dask handshake is about a hundred


class Executor:
    """Runs tasks (argument tuples of a function) and yields their results as they finish;
    `ordered` is the same in task order, as a map-like callable (for scipy's optimisers)."""

    note: Callable[[str], None] | None = None

    def map(self, tasks: list[tuple], function=None) -> Iterator[object]:
        raise NotImplementedError

    def ordered(self, function, items) -> list:
        tasks = [(i, item) for i, item in enumerate(items)]
        results = dict(self.map(tasks, _Indexed(function)))
        return [results[i] for i in range(len(tasks))]

    def close(self, abort: bool = False) -> None:
        pass


@dataclass(frozen=True)
class _Indexed:
    """function(item), returned with the item's position (picklable)."""

    function: Callable

    def __call__(self, index: int, item) -> tuple[int, object]:
        return index, self.function(item)


def _default():
    from sim.experiments.sweep import run_unit

    return run_unit


class SerialExecutor(Executor):
    def map(self, tasks, function=None):
        function = function or _default()
        for task in tasks:
            yield function(*task)


def start_worker(parent: int) -> None:
    """In each pool worker: leave Ctrl-C to the parent, and end when the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent while it started this process
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    threading.Thread(target=_watch_parent, args=(parent,), name="tft-watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # the parent died without closing the pool: nobody will read what this worker does


class PoolExecutor(Executor):
    """A local process pool; at most `AHEAD_PER_WORKER` units per worker are submitted ahead, so
    memory does not grow with the number of units."""

    def __init__(self, workers: int, note: Callable[[str], None] | None = None):
        self.workers = workers
        self.note = note
        self.pool = self._new_pool()

    def _new_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork where there is one: workers start at once and need not import the package again
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else None)
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
        )

    def _submit(self, function, task):
        """Submit a task; a worker started meanwhile is started with Ctrl-C blocked, so that a
        Ctrl-C while it starts reaches only the parent (the worker then ignores it)."""
        if not hasattr(signal, "pthread_sigmask"):
            return self.pool.submit(function, *task)
        before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return self.pool.submit(function, *task)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)

    def map(self, tasks, function=None, held: Callable[[], int] | None = None):
        """`held`, if given, counts the results the caller has received but not yet used (held in
        memory): new units are submitted only while those and the units in flight are fewer than
        `AHEAD_PER_WORKER` per worker, so the caller's memory is bounded too."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        function = function or _default()
        source = iter(tasks)
        pending: deque = deque()  # units to run again after a pool was lost
        running: dict = {}
        restarts = 0
        exhausted = False
        ahead = AHEAD_PER_WORKER * self.workers
        while pending or running or not exhausted:
            broken = False
            while len(running) < ahead:
                if pending:
                    task = pending.popleft()
                elif exhausted or (running and held is not None and len(running) + held() >= ahead):
                    break
                else:
                    task = next(source, None)
                if task is None:
                    exhausted = True
                    break
                try:
                    running[self._submit(function, task)] = task
                except BrokenProcessPool:
                    pending.appendleft(task)
                    broken = True
                    break
            done, _ = wait(running, return_when=FIRST_COMPLETED) if running else (set(), set())
            lost = []
            while done:
                future = done.pop()
                task = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost.append(task)
                    broken = True
                    continue
                del future  # the result is the caller's now: kept here, it would outlive its use
                yield result
                del result
            if not broken:
                continue
            # every unit in flight went down with the pool: keep what finished, run the rest again
            for future in wait(running)[0]:
                task = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost.append(task)
                    continue
                yield result
            restarts += 1
            if restarts > POOL_RESTARTS:
                raise SweepError(
                    f"worker processes died {restarts} times (killed, or out of memory?); finished parts are "
                    "kept: run the same command again to resume"
                )
            if self.note:
                self.note(f"a worker process died; running its {len(lost)} unit(s) again on a new pool")
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            pending.extendleft(reversed(lost))

    def close(self, abort: bool = False) -> None:
        if abort:  # Ctrl-C or an error: do not wait for the units in flight
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


SCHEDULER = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})")


def check_address(scheduler: str) -> tuple[str, int]:
    """Host and port of a `tcp://HOST:PORT` scheduler address, or a one-line SweepError."""
    match = SCHEDULER.fullmatch(scheduler)
    if not match or not 0 < int(match.group(2)) < 65536:
        scheme = scheduler.partition("://")[0] if "://" in scheduler else ""
        why = f"uses {scheme}://, which tft does not support" if scheme and scheme != "tcp" else "is not an address"
        raise SweepError(
            f"--scheduler: '{scheduler}' {why} (allowed: tcp://HOST:PORT, the address `dask scheduler` "
            "prints, usually port 8786)"
        )
    return match.group(1).strip("[]"), int(match.group(2))


def probe_scheduler(scheduler: str) -> None:
    """Refuse, within seconds, an address where no Dask scheduler answers: a closed port, a
    dashboard (it waits for a request and sends nothing), or any other server."""
    host, port = check_address(scheduler)
    expected = "expected a Dask scheduler, e.g. tcp://127.0.0.1:8786; 8787 is its dashboard"
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS) as connection:
            connection.settimeout(PROBE_SECONDS)
            header = _receive(connection, 8)
            (size,) = struct.unpack("<Q", header)
            if not 0 < size <= HANDSHAKE_LIMIT or b"pickle-protocol" not in _receive(connection, size):
                raise SweepError(f"--scheduler: {scheduler} answers, but not as a Dask scheduler ({expected})")
    except TimeoutError:
        raise SweepError(
            f"--scheduler: {scheduler} sent no Dask greeting within {PROBE_SECONDS:g} s ({expected})"
        ) from None
    except OSError as exc:
        raise SweepError(f"--scheduler: cannot reach {scheduler} ({exc.strerror or exc}; {expected})") from None


def _receive(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError(0, "the server closed the connection")
        data += chunk
    return data


def quiet_dask() -> None:
    """Dask logs every lost connection with tracebacks; the sweep says what happened in one line."""
    for name in ("distributed", "tornado", "asyncio"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


class DaskExecutor(Executor):
    def __init__(self, scheduler: str, quiet: bool = True):
        try:
            from distributed import Client
        except ImportError:
            raise SweepError("--scheduler needs Dask: pip install 'tft-sim[dask]'") from None
        if quiet:
            quiet_dask()
        probe_scheduler(scheduler)
        try:
            self.client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SweepError(f"--scheduler: cannot connect to {scheduler} ({type(exc).__name__})") from None

    def map(self, tasks, function=None):
        from distributed import as_completed

        futures = [self.client.submit(function or _default(), *task, pure=False) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        except Exception as exc:  # noqa: BLE001 - a lost scheduler or worker
            if isinstance(exc, SimError):
                raise
            raise SweepError(
                f"the Dask cluster failed ({type(exc).__name__}); finished parts are kept, run the same "
                "command again to resume"
            ) from None

    def close(self, abort: bool = False) -> None:
        try:
            self.client.close(timeout=5)
        except Exception:  # noqa: BLE001 - a scheduler already gone: nothing left to close
            pass


def make_executor(workers: int | None, scheduler: str | None, note: Callable[[str], None] | None = None) -> Executor:
    if scheduler:
        return DaskExecutor(scheduler)
    workers = workers or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else PoolExecutor(workers, note)
