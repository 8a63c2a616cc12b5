"""The figure of a validation folder: each model's F1 per fold, with its interval, from
validation.csv (the fitted behaviour beside the nulls and mirror/mirror)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.files.results import read_csv_rows, read_manifest
from sim.files.safe import save_figure
from sim.plots.result import record_figures

VALIDATION_FIGURE = "validation.png"
MODEL_ORDER = ("fitted", "mirror_mirror", "answer_once", "expel_only", "base_rate")


def plot_validation(directory: str | Path, metric: str = "f1", tolerance: str = "1") -> list[Path]:
    import matplotlib.pyplot as plt
    import numpy as np

    directory = Path(directory)
    manifest = read_manifest(directory)
    rows = [r for r in read_csv_rows(directory / "validation.csv") if r["metric"] == metric]
    rows = [r for r in rows if r["tolerance_months"] == tolerance]
    folds = list(dict.fromkeys(r["fold"] for r in rows))
    models = [m for m in MODEL_ORDER if any(r["model"] == m for r in rows)]
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.8 / max(len(models), 1)
    for j, model in enumerate(models):
        by_fold = {r["fold"]: r for r in rows if r["model"] == model}
        x = np.arange(len(folds)) + (j - (len(models) - 1) / 2) * width
        value = np.array([float(by_fold[f]["value"]) if f in by_fold else np.nan for f in folds])
        low = np.array([float(by_fold[f]["low"]) if f in by_fold else np.nan for f in folds])
        high = np.array([float(by_fold[f]["high"]) if f in by_fold else np.nan for f in folds])
        ax.bar(x, value, width, label=model, alpha=0.85 if model == "fitted" else 0.55)
        ax.errorbar(x, value, yerr=[value - low, high - value], fmt="none", ecolor="black", capsize=2, lw=0.8)
    ax.set_xticks(np.arange(len(folds)), folds)
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"{metric} at ±{tolerance} month(s), test months")
    ax.set_title(manifest.get("title", directory.name), fontsize=10)
    ax.legend(fontsize=8, ncol=len(models), loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    fig.tight_layout()
    save_figure(fig, directory / VALIDATION_FIGURE)
    plt.close(fig)
    record_figures(directory, manifest, [VALIDATION_FIGURE])
    return [directory / VALIDATION_FIGURE]
