"""Draw docs/figures/policies_behavioural.png: a few policies on the 2016-2022 scenario in
behavioural mode (only the record's shocks forced), both sides playing the same rule, with
perception error 0.05 and 200 runs each. Run from the repository root:

    python scripts/compare_policies.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.engines.drivers import simulate_batch  # noqa: E402
from sim.experiments.choices import make_plan  # noqa: E402
from sim.files.scenario_file import load_scenario  # noqa: E402
from sim.rules.rng import run_keys  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ("restraint", "mirror", "generous_mirror", "grit", "escalate:k=1.5")
RUNS = 200
STYLES = ("-", "--", "-.", ":", "-")


def main(out: Path = ROOT / "docs" / "figures" / "policies_behavioural.png") -> None:
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2022.toml")
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2), sharex=True)
    for i, policy in enumerate(POLICIES):
        codes = scenario.codes
        plan = make_plan(
            scenario,
            "behavioural",
            policies={c: policy for c in codes},
            overrides=[(c, "perception_error", 0.05) for c in codes],
        )
        ensemble = simulate_batch(scenario, plan, run_keys(scenario.seed, RUNS), log_events=False)
        x = np.array([np.datetime64(m, "M") for m in ensemble.months])
        for side, ax in enumerate(axes):
            staff = ensemble.figures["staff_total"][:, :, side]
            q25, q50, q75 = np.percentile(staff, [25, 50, 75], axis=1)
            colour = plt.cm.tab10(i)
            ax.fill_between(x, q25, q75, step="post", color=colour, alpha=0.15, lw=0)
            ax.step(x, q50, where="post", color=colour, lw=2.4 - 0.3 * i, ls=STYLES[i], label=policy)
    for side, ax in enumerate(axes):
        ax.set_title(
            f"{scenario.codes[side]} mission in {scenario.codes[1 - side]}: staff_total "
            f"(median, 50% band, {RUNS} runs)",
            fontsize=10,
        )
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes[0].set_ylabel("staff (people)")
    axes[1].legend(title="both sides play", fontsize=9)
    fig.suptitle("Behavioural mode on the 2016-2022 record: only the shocks forced, perception error 0.05")
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "figures" / "policies_behavioural.png")
