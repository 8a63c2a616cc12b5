"""What the sweep machinery costs: the same sweep on one core in this process (the batched
engine's single-core figure), on a local pool of 2 workers, and on a local 2-worker Dask cluster.

The work: scenarios/sweeps/deescalation_2025.toml cut to 3 x 3 policy pairs (mirror, grit,
talks_reset), with its US initiative lever (2 values) and 3 x 3 uncertainty points, 20
replicates each: 162 points, 3,240 runs of 2016-2035 in project mode from 2025-03. Prints runs
per second for each backend and the ratios (targets: pool / one core >= 1.6; Dask within 25% of
the pool).

    python benchmarks/sweeps.py      # needs the sweep and dask extras: pip install '.[sweep,dask]'
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

from sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
POLICIES = '["mirror", "grit", "talks_reset"]'


def sweep_file(folder: Path) -> Path:
    text = (ROOT / "scenarios" / "sweeps" / "deescalation_2025.toml").read_text(encoding="utf-8")
    text = text.replace(
        'scenario = "../us_russia_2016_2025.toml"', f'scenario = "{ROOT / "scenarios" / "us_russia_2016_2025.toml"}"'
    )
    lines = []
    for line in text.splitlines():
        if line.startswith('"US.policy"'):
            line = f'"US.policy" = {POLICIES}'
        elif line.startswith('"RU.policy"'):
            line = f'"RU.policy" = {POLICIES}'
        lines.append(line)
    path = folder / "bench_sweep.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    missing = [name for name in ("pyarrow", "distributed") if importlib.util.find_spec(name) is None]
    if missing:
        print(f"benchmarks/sweeps.py: needs {' and '.join(missing)}: pip install '.[sweep,dask]'", file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = sweep_file(folder)
        one = run_sweep(path, folder / "one", workers=1, block=20)
        pool = run_sweep(path, folder / "pool", workers=2, block=20)
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            dask = run_sweep(path, folder / "dask", scheduler=cluster.scheduler_address, block=20)
    print(f"work: {one['runs']} runs ({one['runs'] // 20} points x 20 replicates), project mode 2025-03 to 2035-12")
    print(f"{'backend':<22} {'seconds':>8} {'runs/s':>8}")
    for name, report in (("one core, in process", one), ("local pool, 2 workers", pool), ("Dask, 2 workers", dask)):
        print(f"{name:<22} {report['seconds']:>8.1f} {report['runs_per_second']:>8.1f}")
    print(f"pool / one core: {pool['runs_per_second'] / one['runs_per_second']:.2f} (target >= 1.6)")
    print(f"Dask / pool:     {dask['runs_per_second'] / pool['runs_per_second']:.2f} (target >= 0.75)")


if __name__ == "__main__":
    main()
