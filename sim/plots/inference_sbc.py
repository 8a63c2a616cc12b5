"""The figure of a `tft sbc` folder, drawn from sbc.csv and sbc_families.csv: the coverage of
each value's 90% credible interval (with its 90% binomial interval) beside the nominal 90%, the
posterior interval's width as a share of the prior's, and the true family's posterior
probability per side beside the prior's."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.errors import ResultsError  # noqa: E402
from sim.files.results import MANIFEST, read_csv_rows, read_manifest  # noqa: E402
from sim.files.safe import save_figure  # noqa: E402
from sim.plots.figures import SIDE_COLOURS, plain_text  # noqa: E402
from sim.plots.result import record_figures  # noqa: E402

SBC_FIGURE = "sbc.png"


def _number(row: dict, column: str, path: Path) -> float:
    try:
        return float(row[column])
    except (KeyError, ValueError):
        raise ResultsError(
            f"{path}: {column}: '{row.get(column)}' is not a number (expected a file tft sbc wrote)"
        ) from None


@plain_text
def plot_sbc(directory: str | Path) -> list[Path]:
    """Draw sbc.png of a `tft sbc` folder."""
    directory = Path(directory)
    manifest = read_manifest(directory) if (directory / MANIFEST).is_file() else {}
    path = directory / "sbc.csv"
    rows = read_csv_rows(path)
    if not rows:
        raise ResultsError(f"{path}: has no value")
    families = read_csv_rows(directory / "sbc_families.csv")
    names = [r["parameter"] for r in rows][::-1]
    coverage = [_number(r, "coverage", path) for r in rows][::-1]
    low = [_number(r, "coverage_low", path) for r in rows][::-1]
    high = [_number(r, "coverage_high", path) for r in rows][::-1]
    ratio = [_number(r, "median_width_ratio", path) for r in rows][::-1]
    level = float(manifest.get("level", 0.9))
    threshold = float(manifest.get("unidentified_ratio", 0.8))
    height = max(4.0, 0.22 * len(rows) + 1.5)
    fig, axes = plt.subplots(1, 3, figsize=(14, height), gridspec_kw={"width_ratios": [3, 3, 2]})
    y = range(len(names))
    ax = axes[0]
    ax.errorbar(
        coverage,
        y,
        xerr=[
            [c - lo for c, lo in zip(coverage, low, strict=True)],
            [h - c for c, h in zip(coverage, high, strict=True)],
        ],
        fmt="o",
        color="#333333",
        markersize=4,
    )
    ax.axvline(level, color="#b2182b", linewidth=1, label=f"nominal {level:.0%}")
    ax.set_yticks(list(y), names, fontsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("share of records whose 90% interval holds the true value (90% binomial interval)", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("coverage of the 90% credible intervals", fontsize=9)
    ax = axes[1]
    colours = ["#bbbbbb" if r > threshold else "#2166ac" for r in ratio]
    ax.barh(list(y), ratio, color=colours)
    ax.axvline(threshold, color="#b2182b", linewidth=1, label=f"not identified above {threshold:g}")
    ax.set_yticks(list(y), [""] * len(names))
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("median width of the posterior 90% interval / the prior's", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("how much the record narrows each value", fontsize=9)
    ax = axes[2]
    fpath = directory / "sbc_families.csv"
    sides = [r["side"] for r in families]
    true = [_number(r, "mean_probability_of_true_family", fpath) for r in families]
    prior = [_number(r, "prior", fpath) for r in families]
    ax.bar(sides, true, color=[SIDE_COLOURS[i % len(SIDE_COLOURS)] for i in range(len(sides))])
    for i, p in enumerate(prior):
        ax.hlines(p, i - 0.4, i + 0.4, color="black", linewidth=1.5, label="prior" if i == 0 else None)
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean posterior probability of the true family", fontsize=8)
    if sides:
        ax.legend(fontsize=7)
    ax.set_title("which family made the record", fontsize=9)
    fig.suptitle(manifest.get("title", directory.name), fontsize=10)
    fig.tight_layout()
    save_figure(fig, directory / SBC_FIGURE)
    plt.close(fig)
    if manifest:
        record_figures(directory, manifest, [SBC_FIGURE])
    return [directory / SBC_FIGURE]
