"""What a moving market does to the default case (issue 10, item 3): variants and numbers.

Writes variants of a copy of the baseline next to it (`extends`), runs each with the
command line (200 replications by default) and prints, per component, the share of
futures closed by the end (with its Monte Carlo s.e.) and the 10th, 50th and 90th
percentiles of the cumulative shortfall value. The variants:

- `base`: the copy as it is;
- `walk`, `regimes`: plus the fitted demand process (benchmarks/fit_demand_process.py);
- `shares`: each component's domestic_supply written as the import share it implies at
  the same dates (1 - supply / demand), so the gap follows the market;
- `shares_walk`, `shares_regimes`: both;
- `recommended`: `shares_regimes` with the assumed 2025 mix shift (+MIX_SHIFT on the
  shares from 2025-07-01, cars' components) and a per-replication shift.

Run from the repository root, with a copy of the baseline outside it:

    cp scenarios/baseline.yaml /tmp/mkt/base.yaml
    PYTHONPATH=$PWD python benchmarks/market_effect.py /tmp/mkt/base.yaml [-n 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.scenario import load_scenario

WALK = {"kind": "log_random_walk", "start_year": 2026, "drift": -0.1371, "volatility": 0.5122}
REGIMES = {
    "kind": "regimes", "start_year": 2026, "initial": "normal",
    "regimes": [{"id": "normal", "growth": {"dist": "normal", "mean": 0.078, "sd": 0.2285}},
                {"id": "shock", "growth": -0.67}],
    "transitions": {"normal": {"normal": 0.75, "shock": 0.25}, "shock": {"normal": 1.0}},
}
MIX_SHIFT = 0.05  # import share added from 2025-07-01 (assumed size; see model.md)
MIX_FROM = dt.date(2025, 7, 1)
TRUCKS_ONLY = {"cardan_axles"}  # not moved by the passenger-car brand mix
SHIFT = {"dist": "triangular", "min": -0.1, "mode": 0.0, "max": 0.1}


def implied_shares(path: Path, mix: float = 0.0) -> list[dict[str, Any]]:
    """Component overrides: domestic_supply cleared, import_share = 1 - supply / demand
    at the supply's dates (plus `mix` from MIX_FROM for cars' components)."""
    out = []
    for c in load_scenario(path).components:
        shares = {}
        for day, supply in sorted(c.domestic_supply.items()):
            demand = c.demand.get(day)
            if demand is None or demand <= 0:
                raise SystemExit(f"{c.id}: no demand point at {day} to turn supply into a share")
            extra = mix if day >= MIX_FROM and c.id not in TRUCKS_ONLY else 0.0
            shares[day.isoformat()] = round(min(1.0, 1.0 - supply / demand + extra), 6)
        item: dict[str, Any] = {"id": c.id, "domestic_supply": None, "import_share": shares}
        if mix:
            item["import_share_shift"] = SHIFT
        out.append(item)
    return out


def variants(base: Path) -> dict[str, dict[str, Any]]:
    """Variant name -> the YAML tree extending `base`."""
    shares, mixed = implied_shares(base), implied_shares(base, MIX_SHIFT)
    out: dict[str, dict[str, Any]] = {"base": {}}
    for name, process in (("walk", WALK), ("regimes", REGIMES)):
        out[name] = {"scenario": {"demand_process": process}}
        out[f"shares_{name}"] = {"scenario": {"demand_process": process}, "components": shares}
    out["shares"] = {"components": shares}
    out["recommended"] = {"scenario": {"demand_process": REGIMES}, "components": mixed}
    return out


def run(base: Path, name: str, tree: dict[str, Any], n: int) -> Path:
    """Write the variant, run it, return its results folder."""
    path = base.with_name(f"{base.stem}_{name}.yaml")
    path.write_text(yaml.safe_dump({"extends": base.name, **tree, "scenario": {
        "name": f"market_{name}", **tree.get("scenario", {})}}, sort_keys=False))
    out = base.parent / f"out_{name}"
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    subprocess.run([sys.executable, "-m", "simulator", "run", str(path), "-n", str(n),
                    "--out", str(out), "--no-charts", "--no-report", "--no-progress"],
                   check=True, env=env, capture_output=True)
    return out


def numbers(out: Path) -> pd.DataFrame:
    """Per component: P(closed by end) and its s.e., cumulative shortfall value quantiles."""
    closed = pd.read_parquet(out / "analysis" / "close_times.parquet").set_index("component")
    kpis = pd.read_parquet(out / "kpis.parquet")
    q = kpis.groupby("component")["cumulative_shortfall_value"].quantile([0.1, 0.5, 0.9])
    q = q.unstack() / 1e9
    q.columns = ["p10_bn", "p50_bn", "p90_bn"]
    return closed[["share_closed", "se"]].join(q)


def markdown(frame: pd.DataFrame) -> str:
    """A small markdown table (pandas' own needs the tabulate package)."""
    rows = [["component", *frame.columns], ["---"] * (len(frame.columns) + 1)]
    rows += [[str(i), *map(str, r)] for i, r in zip(frame.index, frame.values, strict=True)]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="a copy of scenarios/baseline.yaml")
    parser.add_argument("-n", type=int, default=200, help="replications")
    args = parser.parse_args()
    tables = {}
    for name, tree in variants(args.base.resolve()).items():
        tables[name] = numbers(run(args.base.resolve(), name, tree, args.n))
    order = list(tables["base"].index)
    print("P(closed by end), % (s.e.)")
    print(markdown(pd.DataFrame({k: [f"{100 * t.loc[c, 'share_closed']:.0f} "
                                     f"({100 * t.loc[c, 'se']:.1f})" for c in order]
                                 for k, t in tables.items()}, index=order)))
    print("\ncumulative shortfall value, RUB bn: p10 / p50 / p90")
    print(markdown(pd.DataFrame({k: [f"{t.loc[c, 'p10_bn']:.0f} / {t.loc[c, 'p50_bn']:.0f} / "
                                     f"{t.loc[c, 'p90_bn']:.0f}" for c in order]
                                 for k, t in tables.items()}, index=order)))


if __name__ == "__main__":
    main()
