"""Fit the default demand processes to Russian vehicle output, 2019-2025 (issue 10, item 3).

The yearly output changes (sources below) are fitted two ways, both by maximum
likelihood on the six changes 2020-2025, and the scenario snippets are printed:

- `log_random_walk`: the yearly log change is normal(drift, volatility); drift is the
  mean of the log changes, volatility their standard deviation (n - 1 in the divisor).
- `regimes`: a year is a *shock* when output falls by more than a third (only 2022), else
  *normal*. Transition probabilities are the counted transitions between consecutive
  years; the normal regime's growth is normal(mean, sd) of its years' relative changes
  (n - 1); the shock's growth is its one observed change, fixed.

The series joins all motor vehicles (OICA) for 2020-2021 with Rosstat passenger cars for
2022-2025, the longest consistent year-on-year record at hand; the changes, not the levels,
are what is fitted. Run from the repository root: `python benchmarks/fit_demand_process.py`.
"""

from __future__ import annotations

import math
import statistics

# (year, relative change on the year before, source)
CHANGES: list[tuple[int, float, str]] = [
    (2020, 1_435_551 / 1_719_146 - 1,
     "OICA production statistics, Russia, all motor vehicles 2019-2020"),
    (2021, 1_566_317 / 1_435_551 - 1,
     "OICA production statistics, Russia, all motor vehicles 2020-2021"),
    (2022, -0.67, "Rosstat, passenger cars 2022 (450 k), via Reuters, 22 Feb 2023"),
    (2023, 0.19, "Rosstat, passenger cars 2023 (537 k), via Interfax, 6 Feb 2026"),
    (2024, 0.392, "Rosstat, passenger cars 2024 (756 k), via Interfax, 6 Feb 2026"),
    (2025, -0.118, "Rosstat, passenger cars 2025 (673 k), via Interfax, 6 Feb 2026"),
]
SHOCK = -1 / 3  # a fall larger than a third is a shock year (assumed cut)


def random_walk(changes: list[float]) -> tuple[float, float]:
    """(drift, volatility) of the yearly log changes."""
    logs = [math.log1p(c) for c in changes]
    return statistics.fmean(logs), statistics.stdev(logs)


def regimes(changes: list[float]) -> dict[str, object]:
    """Counted transitions and the regimes' growth parameters."""
    states = ["shock" if c < SHOCK else "normal" for c in changes]
    counts: dict[str, dict[str, int]] = {"normal": {}, "shock": {}}
    for a, b in zip(states, states[1:], strict=False):
        counts[a][b] = counts[a].get(b, 0) + 1
    transitions = {a: {b: n / sum(row.values()) for b, n in row.items()}
                   for a, row in counts.items() if row}
    normal = [c for c, s in zip(changes, states, strict=True) if s == "normal"]
    shock = [c for c, s in zip(changes, states, strict=True) if s == "shock"]
    return {"states": states, "counts": counts, "transitions": transitions,
            "normal_mean": statistics.fmean(normal), "normal_sd": statistics.stdev(normal),
            "shock": statistics.fmean(shock)}


def main() -> None:
    changes = [c for _, c, _ in CHANGES]
    print("year  change   log change  source")
    for year, c, source in CHANGES:
        print(f"{year}  {c:+7.1%}  {math.log1p(c):+8.4f}    {source}")
    drift, vol = random_walk(changes)
    print(f"\nlog random walk: drift {drift:+.4f}, volatility {vol:.4f}; "
          f"E[level] per year x{math.exp(drift + vol ** 2 / 2):.4f}, "
          f"median per year x{math.exp(drift):.4f}")
    fit = regimes(changes)
    t = fit["transitions"]
    print(f"regimes: years {fit['states']}; transitions counted {fit['counts']} -> {t}")
    mean, sd, shock = fit["normal_mean"], fit["normal_sd"], fit["shock"]
    print(f"normal growth normal({mean:.4f}, {sd:.4f}); shock growth fixed {shock:+.2f}")
    p = t["normal"].get("shock", 0.0)  # type: ignore[index]
    print(f"E[level] first year from normal: x{(1 - p) * (1 + mean) + p * (1 + shock):.4f}")


if __name__ == "__main__":
    main()
