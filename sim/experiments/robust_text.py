"""robust.md: the statements of robust.csv and the PRIM boxes in sentences a policy reader follows.
Every number in it is a cell of robust.csv, prim-trajectory.csv, prim-boxes.csv or robust-depends.csv."""

from __future__ import annotations

from sim.experiments.prim import Discovery
from sim.experiments.robust import ALL, WITHIN, SweepRuns
from sim.experiments.robust_depends import depends_text

MEANING = {
    "restored_half": "both missions back to at least half their start size",
    "restored_three_quarters": "both missions back to at least three quarters of their start size",
    "restored_sent_half": "both missions' sent staff back to at least half their start number",
    "restored_sent_three_quarters": "both missions' sent staff back to three quarters of their start number",
    "posts_restored": "every post open at the start open again",
    "properties_restored": "no property held at the start still seized",
    "talks_hold": "talks held, and no hostile measure in the 12 months after",
    "spiral": "no spiral (success is a run without one)",
}
TOP = 10  # lever combinations in each outcome's table


def meaning(spec: str) -> str:
    match = WITHIN.fullmatch(spec)
    if match:
        return f"{match.group(1).replace('months_to_', '').replace('_', ' ')} reached within {match.group(2)} months"
    return MEANING.get(spec, spec)


def _pct(cell) -> str:
    return "n/a" if cell == "" else f"{100 * float(cell):.0f}%"


def _num(cell) -> str:
    return "n/a" if cell == "" else f"{float(cell):.2f}"


def _with_interval(row: dict, as_share: bool = True) -> str:
    show = _pct if as_share else _num
    if row["low"] == "":
        return show(row["value"])
    return f"{show(row['value'])} ({show(row['low'])} to {show(row['high'])})"


def report_text(runs: SweepRuns, rows: list[dict], found: dict, settings: dict, depends: dict) -> str:
    k, s, r = runs.rows.shape
    level = "posterior" if runs.posterior else "runs"
    index = {(row["outcome"], row["lever"], row["option"], row["level"], row["statistic"]): row for row in rows}
    lines = [
        f"# Robust statements: {runs.name}",
        "",
        f"`{runs.folder}`: {k} lever combinations x {s} uncertainty points x {r} runs ({k * s * r:,} runs, "
        f"{int(runs.failed().sum())} failed), read from the sweep's files. Uncertainties: "
        f"{', '.join(runs.uncertainties) or 'none'}"
        + (f"; per-run parameters: {', '.join(runs.parameters)}" if runs.parameters else "")
        + (". Each run drew its parameters from a posterior (`draw`)." if runs.posterior else ".")
        + f" Baseline: {settings['baseline']}.",
        "",
        "A combination *succeeds at a point* when most of its runs there succeed. Intervals are 95%: the wider of "
        f"a bootstrap over points and runs within points ({settings['resamples']} resamples) and, for shares, the "
        "exact binomial interval of the count. Regret at a point: the share of runs that succeed under the best "
        "combination there minus this combination's. Every figure below is a row of robust.csv.",
    ]
    for spec, subjects in found.items():
        best = subjects[0][1]
        lines += ["", f"## {spec}: {meaning(spec)}", ""]

        def cell(option, statistic, lever=ALL, at="space", spec=spec):
            return index[(spec, lever, option, at, statistic)]

        base = settings["baseline"]
        lines.append(
            f"- Most robust: **{best}**. It succeeds at {_with_interval(cell(best, 'succeeds'))} of the points and "
            f"in {_with_interval(cell(best, 'rate', at=level))} of the runs; it beats the baseline at "
            f"{_with_interval(cell(best, 'beats_baseline'))} of the points (worse at "
            f"{_pct(cell(best, 'worse_than_baseline')['value'])}); no combination does better at "
            f"{_with_interval(cell(best, 'best'))} of them. Its regret is "
            f"{_with_interval(cell(best, 'regret_mean'), False)} "
            f"on average and at most {_num(cell(best, 'regret_max')['value'])}."
        )
        lines.append(
            f"- The baseline succeeds at {_with_interval(cell(base, 'succeeds'))} of the points and in "
            f"{_with_interval(cell(base, 'rate', at=level))} of the runs."
        )
        lines += ["", _table(runs, spec, index, level), ""]
        lines += _lever_lines(runs, spec, index)
        for role, option, result in subjects:
            lines += ["", _prim_text(option, result, settings["threshold"], role)]
        lines += ["", *depends_text(depends[spec])]
    return "\n".join(lines) + "\n"


def _table(runs: SweepRuns, spec: str, index: dict, level: str) -> str:
    labels = [runs.label(o) for o in runs.options]

    def value(label, statistic, at="space"):
        cell = index[(spec, ALL, label, at, statistic)]["value"]
        return float(cell) if cell != "" else float("nan")

    ranked = sorted(labels, key=lambda o: (-value(o, "succeeds"), value(o, "regret_max"), -value(o, "rate")))
    unit = "draws" if level == "posterior" else "runs"
    head = [
        f"| lever combination | succeeds at points | {unit} that succeed | beats baseline | best | regret mean "
        "| regret max |",
        "|---|---|---|---|---|---|---|",
    ]
    body = []
    for label in ranked[:TOP]:
        c = {s: index[(spec, ALL, label, "space", s)] for s in ("succeeds", "beats_baseline", "best")}
        body.append(
            f"| {label} | {_with_interval(c['succeeds'])} | {_with_interval(index[(spec, ALL, label, level, 'rate')])} "
            f"| {_pct(c['beats_baseline']['value'])} | {_pct(c['best']['value'])} "
            f"| {_num(index[(spec, ALL, label, 'space', 'regret_mean')]['value'])} "
            f"| {_num(index[(spec, ALL, label, 'space', 'regret_max')]['value'])} |"
        )
    more = [f"({len(ranked) - TOP} more in robust.csv.)"] if len(ranked) > TOP else []
    return "\n".join(head + body + more)


def _lever_lines(runs: SweepRuns, spec: str, index: dict) -> list[str]:
    lines = []
    for name, values in runs.levers:
        parts = []
        for value in values:
            row = index[(spec, name, value, "space", "succeeds")]
            beats = index[(spec, name, value, "space", "beats_baseline")]
            regret = index[(spec, name, value, "space", "regret_mean")]
            parts.append(
                f"{value} {_with_interval(row)} (beats the baseline's value at {_pct(beats['value'])}, "
                f"regret {_num(regret['value'])})"
            )
        lines.append(
            f"- {name}, over the points and every value of the other levers, succeeds: " + "; ".join(parts) + "."
        )
    return lines


def _prim_text(best: str, result: Discovery | str, threshold: float, role: str = "most robust") -> str:
    if isinstance(result, str):
        return f"Where {'it' if role == 'most robust' else best} fails: {result}."
    box = result.box
    share = result.of_interest / result.cases
    if not box.restricted:
        return (
            f"Where {best} fails: it fails in {share:.0%} of its {result.cases} runs, and no restriction of the box "
            "PRIM chose has a quasi-p-value of at most 0.05: its failures are not gathered in any region of the "
            "space searched."
        )
    limits = []
    full = result.trajectory[0]
    for j in box.restricted:
        parts = []
        if box.low[j] > full.low[j]:
            parts.append(f"at least {box.low[j]:.3g}")
        if box.high[j] < full.high[j]:
            parts.append(f"at most {box.high[j]:.3g}")
        limits.append(
            f"{result.names[j]} {' and '.join(parts)} (of {full.low[j]:.3g} to {full.high[j]:.3g}; "
            f"quasi-p {result.pvalues[j]:.2g})"
        )
    where = (
        f"It fails in {box.density:.0%} of the runs (density) where {', and '.join(limits)}; that box holds "
        f"{box.coverage:.0%} of its failures (coverage) and {box.mass:.0%} of its runs (mass) "
        f"(peeling step {result.chosen} of {len(result.trajectory) - 1}, pasted, then the restrictions with a "
        "quasi-p-value above 0.05 lifted; prim-trajectory.csv has every step's coverage and density)."
    )
    head = f"Where it fails (PRIM, scenario discovery): {best} fails in {share:.0%} of its {result.cases} runs."
    if box.density < threshold:
        return (
            f"{head} No region of the space searched makes it fail in {threshold:.0%} of its runs (the density "
            f"asked for); the box below is where its failures are densest: a tendency, not a condition. {where}"
        )
    return f"{head} {where}"
