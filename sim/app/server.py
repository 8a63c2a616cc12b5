"""Serving the page: Solara's ASGI application under uvicorn, on the loopback address by default.

Everything the browser loads comes from this server (the `solara-assets` package holds Solara's
front end), and Solara's telemetry and version check are off, so the page works with no
internet access.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.app import config
from sim.errors import SimError

APP = "sim.app.page"


class AppError(SimError):
    """The page cannot start: its extra is not installed, or the address is taken."""


def require() -> None:
    try:
        import solara  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise AppError(f"tft app needs the app extra: pip install 'tft-sim[app]' (missing: {exc.name})") from None


def prepare(scenarios: Path, results: Path, workers: int, posterior: str = "", draw: str | int = "all") -> None:
    """Settings for the page, in the environment the page reads them from (set before Solara loads)."""
    os.environ[config.SCENARIOS] = str(scenarios)
    os.environ[config.RESULTS] = str(results)
    os.environ[config.WORKERS] = str(workers)
    os.environ[config.POSTERIOR] = posterior
    os.environ[config.DRAW] = str(draw)
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    # the page's assets are installed with it; never fetch them from a CDN
    os.environ.setdefault("SOLARA_ASSETS_PROXY", "False")


def serve(
    host: str,
    port: int,
    scenarios: Path,
    results: Path,
    workers: int,
    ready=None,
    posterior: str = "",
    draw: str | int = "all",
) -> None:
    """Run the server until interrupted. `ready(url)` is called once it listens; `posterior` and
    `draw`: the fit the page opens with (checked by the caller)."""
    require()
    _check_address(host, port)
    prepare(scenarios, results, workers, posterior, draw)
    import solara.server.settings
    import uvicorn

    solara.server.settings.main.mode = "production"
    config.pool()  # start the worker processes now, so the first fan is not kept waiting for them
    server = uvicorn.Server(
        uvicorn.Config("solara.server.starlette:app", host=host, port=port, log_level="warning", access_log=False)
    )
    if ready is not None:
        _on_start(server, lambda: ready(f"http://{host}:{port}/"))
    try:
        server.run()  # until Ctrl-C or SIGTERM
    finally:
        config.stop_pool()


def _on_start(server, callback) -> None:
    """Call `callback` once uvicorn has bound its socket."""
    original = server.startup

    async def startup(*args, **kwargs):
        await original(*args, **kwargs)
        if server.started:
            callback()

    server.startup = startup


def _check_address(host: str, port: int) -> None:
    import socket

    try:
        with socket.socket() as probe:
            probe.bind((host, port))
    except OSError as exc:
        raise AppError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror}); choose another --port "
            "(0: any free one) or --host"
        ) from None


def free_port(host: str) -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
