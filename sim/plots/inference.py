"""The figure of an inference folder, drawn from its files: the posterior probability of each
policy family per side, and the marginal posterior density of each behaviour value."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.errors import ResultsError  # noqa: E402
from sim.files.results import MANIFEST, read_csv_rows, read_manifest  # noqa: E402
from sim.files.safe import save_figure  # noqa: E402
from sim.plots.figures import SIDE_COLOURS, plain_text  # noqa: E402
from sim.plots.result import record_figures  # noqa: E402

INFERENCE_FIGURE = "inference.png"
BINS = 20


def _number(text: str, path: Path, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ResultsError(f"{path}: {column}: '{text}' is not a number (expected a file tft infer wrote)") from None


@plain_text
def plot_inference(directory: str | Path) -> list[Path]:
    """Draw inference.png of a `tft infer` folder from families.csv and posterior.csv."""
    directory = Path(directory)
    manifest = read_manifest(directory) if (directory / MANIFEST).is_file() else {}
    families = read_csv_rows(directory / "families.csv")
    posterior = read_csv_rows(directory / "posterior.csv")
    if not posterior:
        raise ResultsError(f"{directory / 'posterior.csv'}: has no particle")
    sides = list(dict.fromkeys(r["side"] for r in families if r["scope"] == "side"))
    weights = np.array([_number(r["weight"], directory / "posterior.csv", "weight") for r in posterior])
    top = next(r["family"] for r in families if r["scope"] == "pair")
    # every value each side has, then the parameters of the most probable pair's families
    keys = [c for c in posterior[0] if c.count(".") == 1 and not c.endswith(".family")]
    top_family = dict(zip(sides, top.split("/"), strict=False))
    keys += [c for c in posterior[0] if c.count(".") == 2 and top_family.get(c.split(".")[0]) == c.split(".")[1]]
    keys = [k for k in keys if any(r[k] != "" for r in posterior)]
    columns = 3
    rows = 1 + -(-len(keys) // columns)
    fig = plt.figure(figsize=(4.2 * columns, 2.6 * rows))
    grid = fig.add_gridspec(rows, columns)
    for i, side in enumerate(sides[:2]):
        ax = fig.add_subplot(grid[0, i])
        chosen = [r for r in families if r["scope"] == "side" and r["side"] == side]
        values = [_number(r["probability"], directory / "families.csv", "probability") for r in chosen]
        ax.barh([r["family"] for r in chosen][::-1], values[::-1], color=SIDE_COLOURS[i])
        ax.set_xlim(0, 1)
        ax.set_title(f"{side}: posterior probability of each family", fontsize=9)
        ax.tick_params(labelsize=8)
    pairs = [r for r in families if r["scope"] == "pair"][:8]
    ax = fig.add_subplot(grid[0, 2])
    ax.barh([r["family"] for r in pairs][::-1], [float(r["probability"]) for r in pairs][::-1], color="#555555")
    ax.set_xlim(0, 1)
    ax.set_title("most probable pairs", fontsize=9)
    ax.tick_params(labelsize=8)
    for n, key in enumerate(keys):
        ax = fig.add_subplot(grid[1 + n // columns, n % columns])
        kept = [(float(r[key]), w) for r, w in zip(posterior, weights, strict=True) if r[key] != ""]
        values, w = np.array([v for v, _ in kept]), np.array([w for _, w in kept])
        side = key.split(".")[0]
        colour = SIDE_COLOURS[sides.index(side) % len(SIDE_COLOURS)] if side in sides else "#555555"
        ax.hist(values, bins=BINS, weights=w / w.sum(), color=colour, alpha=0.8)
        low, high = _weighted_quantiles(values, w, (0.05, 0.95))
        mean = float(np.dot(values, w) / w.sum())
        ax.axvspan(low, high, color=colour, alpha=0.12)
        ax.axvline(mean, color="black", linewidth=1)
        ax.set_title(f"{key}: mean {mean:.3g}, 90% {low:.3g} to {high:.3g}", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(manifest.get("title", directory.name), fontsize=10)
    fig.tight_layout()
    save_figure(fig, directory / INFERENCE_FIGURE)
    plt.close(fig)
    if manifest:
        record_figures(directory, manifest, [INFERENCE_FIGURE])
    return [directory / INFERENCE_FIGURE]


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: tuple[float, ...]) -> list[float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return [float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)]) for q in levels]
