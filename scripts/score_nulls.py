"""Print F1 at tolerances 0, 1 and 3 months of the null models and mirror/mirror on the 2016-2022
record, trained to 2019-12 and scored on 2020-01..2022-12, with 95% bootstrap intervals over runs
and over 6-month blocks of the record (docs/validation.md). Run from the repository root:

    python scripts/score_nulls.py [--runs 200] [--seed SEED]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.experiments.acts import recorded_acts
from sim.experiments.validation import Fold, baseline_rows
from sim.files.scenario_file import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2022.toml")
    seed = scenario.seed if args.seed is None else args.seed
    fold = Fold.of("origin-2019-12", "2019-12", "2020-01", "2022-12")
    by_runs, by_blocks = (
        {
            (r["model"], r["tolerance_months"]): r
            for r in baseline_rows(scenario, fold, args.runs, seed, method=method)
            if r["metric"] == "f1"
        }
        for method in ("runs", "blocks")
    )
    recorded = [a for a in recorded_acts(scenario) if fold.test.holds(a.month)]
    print(
        f"{scenario.name}: trained to 2019-12, scored 2020-01..2022-12 ({len(recorded)} recorded acts), "
        f"{args.runs} runs per model, seed {seed}"
    )
    print("F1 with 95% percentile bootstrap intervals: over runs, and over 6-month blocks of the record\n")
    print("| model         | tolerance (months) |    F1 | runs interval | blocks interval |")
    print("|---------------|-------------------:|------:|--------------:|----------------:|")
    for (model, tolerance), row in by_runs.items():
        block = by_blocks[(model, tolerance)]
        print(
            f"| {model:<13} | {tolerance:>18} | {row['value']:.3f} | "
            f"{row['low']:.3f} – {row['high']:.3f} |   {block['low']:.3f} – {block['high']:.3f} |"
        )


if __name__ == "__main__":
    main()
