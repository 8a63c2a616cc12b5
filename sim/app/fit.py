"""A fit of `tft infer` as the source of the sides' behaviour on the page: the fit folders the page
offers, a fit read once per version of its file, and the words that say which fit and draw a fan uses.

The draw is `tft run --draw`'s: `all` (each run draws its own values by weight from its own seed),
`mean` (the posterior mean of the most probable pair) or a particle number."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from sim.experiments.posterior import ALL, MEAN
from sim.files.posterior_file import MANIFEST, POSTERIOR, Posterior, load_posterior, posterior_path
from sim.files.results import read_json

NO_FIT = ""  # the sidebar's sides, not a fit
PARTICLE = "particle"  # the page's word for a draw given by its particle number
DRAW_MODES = (ALL, MEAN, PARTICLE)
KEPT = 4  # fits held in memory, for every session of the server (a fit of 20,000 draws is a few MB)

_kept: OrderedDict[tuple, Posterior] = OrderedDict()
_kept_lock = threading.Lock()


def fit_folders(results: Path, also: str = NO_FIT) -> list[str]:
    """The fit folders under `results` (`<scenario>/<fit>/` with a posterior.csv), newest first by
    name within a scenario, and `also` (a fit named on the command line) if it is not among them."""
    found = sorted(
        (str(p.parent) for p in Path(results).glob(f"*/*/{POSTERIOR}") if p.is_file()),
        key=lambda folder: (Path(folder).parent.name, Path(folder).name),
    )
    if also and also not in found:
        found.insert(0, also)
    return found


def load_fit(folder: str | Path) -> Posterior:
    """The checked draws of a fit, read again only when its posterior.csv changed (by size and time)."""
    path = posterior_path(folder)
    try:
        info = path.stat()
        version = (str(path.resolve()), info.st_size, info.st_mtime_ns)
    except OSError:
        return load_posterior(path)  # its one-line error
    with _kept_lock:
        posterior = _kept.get(version)
        if posterior is not None:
            _kept.move_to_end(version)
            return posterior
    posterior = load_posterior(path)
    with _kept_lock:
        _kept[version] = posterior
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return posterior


def draw_mode(draw: str | int) -> str:
    """The page's toggle for a draw: all, mean or particle."""
    return PARTICLE if isinstance(draw, int) else draw


def draw_words(draw: str | int) -> str:
    if draw == ALL:
        return "one draw per run, by weight from the run's own seed (--draw all)"
    if draw == MEAN:
        return "the posterior mean of the most probable pair (--draw mean)"
    return f"particle {draw} for every run (--draw {draw})"


def describe_fit(folder: str, posterior: Posterior, draw: str | int) -> str:
    """Which fit and draw, in one line: 'fit results/toy/inference-3 (8 draws; most probable pair
    CN restraint, UK mirror), one draw per run ...'."""
    pair = ", ".join(f"{c} {f}" for c, f in zip(posterior.codes, posterior.top_pair(), strict=True))
    return f"fit {folder} ({len(posterior):,} draws; most probable pair {pair}), {draw_words(draw)}"


def fit_scenario_file(folder: str | Path) -> str:
    """The file name of the scenario the fit was made from (its manifest), or '' if it does not say."""
    try:
        scenario = read_json(Path(posterior_path(folder)).parent / MANIFEST).get("scenario", {})
        return Path(str(scenario.get("path", ""))).name if isinstance(scenario, dict) else ""
    except Exception:  # noqa: BLE001 - only a hint for the first scenario shown; the fit is checked when used
        return ""
