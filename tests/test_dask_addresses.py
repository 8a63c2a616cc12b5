"""Dask scheduler addresses: a wrong port, a server that is not Dask and an unsupported protocol
are one line within seconds; losing the scheduler midway is one line, not Dask's logging; the
documented cluster commands keep every port on loopback."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import ROOT, TOY

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")


@pytest.fixture
def sweep_path(tmp_path) -> Path:
    (tmp_path / "toy.toml").write_text(TOY, encoding="utf-8")
    path = tmp_path / "d.toml"
    path.write_text(
        '[sweep]\nname = "d"\nscenario = "toy.toml"\nmode = "behavioural"\nuntil = "2040-12"\nreplicates = 300\n'
        '[levers]\n"CN.policy" = ["mirror", "grit", "restraint", "escalate"]\n',
        encoding="utf-8",
    )
    return path


class Server:
    """A TCP server on a free loopback port that sends `greeting` (or nothing) to each client."""

    def __init__(self, greeting: bytes = b""):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.greeting = greeting
        self.clients: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.socket.accept()
            except OSError:
                return
            self.clients.append(client)
            if self.greeting:
                client.sendall(self.greeting)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.socket.close()


@pytest.mark.parametrize(
    "greeting, expected",
    [
        (b"", "sent no Dask greeting within"),  # a dashboard waits for a request
        (b"\xff" * 64, "answers, but not as a Dask scheduler"),  # would ask Dask to allocate exabytes
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "answers, but not as a Dask scheduler"),
    ],
)
def test_a_server_that_is_not_a_scheduler_is_one_line_within_seconds(sweep_path, tmp_path, greeting, expected):
    server = Server(greeting)
    started = time.perf_counter()
    try:
        outcome = CliRunner().invoke(
            cli,
            [
                "sweep",
                str(sweep_path),
                "--results",
                str(tmp_path / "r"),
                "--scheduler",
                f"tcp://127.0.0.1:{server.port}",
            ],
        )
    finally:
        server.close()
    assert time.perf_counter() - started < 20
    assert outcome.exit_code == 2 and expected in outcome.stderr and "8786" in outcome.stderr, outcome.output
    assert "\n" not in outcome.stderr.strip()
    assert not (tmp_path / "r").exists()


def test_a_closed_port_is_one_line(sweep_path, tmp_path):
    port = free_port()
    outcome = CliRunner().invoke(cli, ["sweep", str(sweep_path), "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert outcome.exit_code == 2 and "cannot reach" in outcome.stderr and "\n" not in outcome.stderr.strip()


@pytest.mark.parametrize("address", ["tls://127.0.0.1:8786", "inproc://127.0.0.1/1/2", "ucx://h:1", "tcp://h:99999"])
def test_unsupported_addresses_say_what_is_expected(sweep_path, tmp_path, address):
    outcome = CliRunner().invoke(
        cli, ["sweep", str(sweep_path), "--results", str(tmp_path / "r"), "--scheduler", address]
    )
    assert outcome.exit_code == 2 and "allowed: tcp://HOST:PORT" in outcome.stderr, outcome.output
    assert "internal error" not in outcome.stderr and "\n" not in outcome.stderr.strip()


def test_the_documented_cluster_keeps_every_port_on_loopback():
    text = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")
    commands = [line for line in text.splitlines() if re.search(r"\bdask (scheduler|worker)\b", line)]
    assert len(commands) >= 2
    for command in commands:
        assert "--host 127.0.0.1" in command, command
        assert "--dashboard-address 127.0.0.1:" in command or "--no-dashboard" in command, command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_losing_the_scheduler_is_one_line(sweep_path, tmp_path):
    dask = Path(sys.executable).parent / "dask"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(dask), "worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        command = [sys.executable, "-m", "sim", "sweep", str(sweep_path), "--results", str(tmp_path / "r")]
        command += ["--scheduler", address, "--block", "2", "--quiet"]
        deadline = time.time() + 60
        sweep = None
        while time.time() < deadline:
            sweep = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            parts = tmp_path / "r" / "d"
            while sweep.poll() is None and not list(parts.glob("*/runs/part-*.parquet")):
                time.sleep(0.05)
            if sweep.poll() is None:
                break
            time.sleep(1)  # the scheduler was not up yet
        scheduler.kill()
        scheduler.wait()
        out, err = sweep.communicate(timeout=120)
    finally:
        for process in (scheduler, worker):
            process.kill()
            process.wait()
    lines = err.strip().splitlines()
    assert sweep.returncode == 2 and len(lines) == 1, err
    assert "the Dask cluster failed" in lines[0] and "run the same command again to resume" in lines[0]
