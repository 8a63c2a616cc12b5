"""The figures of an inference folder, drawn from its files: the posterior probability of each
policy family per side and the marginal posterior density of each behaviour value
(inference.png), and the posterior predictive fan of staff and hostile acts beside the record
(predictive.png)."""

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
PREDICTIVE_FIGURE = "predictive.png"
STATISTICS = {"staff_total": "staff of the mission", "acts": "hostile acts since the start"}
BINS = 20


def _number(text: str, path: Path, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ResultsError(f"{path}: {column}: '{text}' is not a number (expected a file tft infer wrote)") from None


@plain_text
def plot_inference(directory: str | Path) -> list[Path]:
    """Draw inference.png of a `tft infer` folder from families.csv and posterior.csv, and
    predictive.png from predictive.csv and validation.png from validation.csv where the folder has them."""
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
    drawn = [INFERENCE_FIGURE]
    if (directory / "predictive.csv").is_file():
        drawn.append(_plot_predictive(directory, manifest))
    if manifest:
        record_figures(directory, manifest, drawn)
    paths = [directory / name for name in drawn]
    if manifest and (directory / "validation.csv").is_file():
        from sim.plots.validation import plot_validation

        paths += plot_validation(directory)
    return paths


def _plot_predictive(directory: Path, manifest: dict) -> str:
    """The fan of the posterior predictive runs (5-95% and 25-75% bands, median) and the record,
    per side and statistic; a dashed line marks the end of the training window."""
    path = directory / "predictive.csv"
    rows = read_csv_rows(path)
    if not rows:
        raise ResultsError(f"{path}: has no row")
    sides = list(dict.fromkeys(r["side"] for r in rows))
    dates = list(dict.fromkeys(r["date"] for r in rows))
    where = {d: i for i, d in enumerate(dates)}
    train = manifest.get("train_until")
    fig, axes = plt.subplots(
        len(STATISTICS), len(sides), figsize=(6 * len(sides), 3.4 * len(STATISTICS)), squeeze=False
    )
    for row_index, (statistic, label) in enumerate(STATISTICS.items()):
        for side_index, side in enumerate(sides):
            ax = axes[row_index][side_index]
            mine = [r for r in rows if r["statistic"] == statistic and r["side"] == side]
            x = [where[r["date"]] for r in mine]
            q = {c: [_number(r[c], path, c) for r in mine] for c in ("q05", "q25", "q50", "q75", "q95", "record")}
            colour = SIDE_COLOURS[side_index % len(SIDE_COLOURS)]
            draws = mine[0]["draws"] if mine else "?"
            ax.fill_between(x, q["q05"], q["q95"], color=colour, alpha=0.15, label=f"5-95% of {draws} posterior runs")
            ax.fill_between(x, q["q25"], q["q75"], color=colour, alpha=0.35, label="25-75%")
            ax.plot(x, q["q50"], color=colour, linewidth=1.2, label="median")
            ax.plot(x, q["record"], color="black", linewidth=1.4, label="record")
            if train in where:
                ax.axvline(where[train], color="#555555", linestyle="--", linewidth=1, label="end of training")
            ticks = [i for i, d in enumerate(dates) if d.endswith("-01")]
            ax.set_xticks(ticks, [dates[i][:4] for i in ticks], fontsize=7)
            ax.tick_params(labelsize=7)
            ax.set_title(f"{side}: {label}", fontsize=9)
            if row_index == 0 and side_index == 0:
                ax.legend(fontsize=7)
    fig.suptitle(f"Posterior predictive: {manifest.get('title', directory.name)}", fontsize=10)
    fig.tight_layout()
    save_figure(fig, directory / PREDICTIVE_FIGURE)
    plt.close(fig)
    return PREDICTIVE_FIGURE


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: tuple[float, ...]) -> list[float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return [float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)]) for q in levels]
