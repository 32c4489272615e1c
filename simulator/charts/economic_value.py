"""Chart of the economic value: what each stage is worth at the stated real rate.

`economic_value_chart` draws, per stage and over all stages, the economic NPV (value of
import substitution less real capex, discounted at `economics.real_discount_rate`) as a
dot with its 95% confidence interval, and writes the IRR and payback beside it. It draws
the ``economic_value`` table of `simulator.analysis.money` and computes nothing itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.charts.style import STAGE_COLOURS, STAGE_LABELS, chart_style, plain_number

ECONOMIC_TITLE = "What is each stage worth, at the stated real discount rate?"
ALL_LABEL = "All stages"
ALL_COLOUR = "#000000"


def economic_value_chart(table: pd.DataFrame, *, currency: str | None = None,
                         title: str | None = None) -> Figure:
    """Per stage and over all stages: is the import substitution worth its capex?

    Economic NPV — (import price − domestic unit cost) × units served, less capex in
    price-year money, discounted daily at the real rate — as the mean over simulated
    futures with its 95% confidence interval; beside it the mean IRR and payback over the
    futures where they are defined (a stage without capex has neither). Stages that serve
    nothing and spend nothing are left out. Capacity still useful after the end is not
    credited.

    Parameters
    ----------
    table
        One variant's ``economic_value`` table: ``stage``, ``measure``, ``mean``,
        ``ci95_low``, ``ci95_high``, ``n``, ``n_total``, ``price_year``,
        ``real_discount_rate``.
    currency
        For the axis label.
    """
    stages = [s for s in dict.fromkeys(table["stage"].astype(str)) if _active(table, s)]
    money = currency or "money"
    with chart_style():
        fig = Figure(figsize=(9.0, 0.7 * max(len(stages), 2) + 2.0), layout="constrained")
        ax = fig.add_subplot()
        ax.axvline(0.0, color="#555555", linewidth=0.8, zorder=0)
        for y, stage in enumerate(stages):
            npv = _row(table, stage, "economic_npv")
            colour = STAGE_COLOURS.get(stage, ALL_COLOUR)
            low, high = npv["ci95_low"], npv["ci95_high"]
            if math.isfinite(low) and math.isfinite(high):
                ax.errorbar(npv["mean"], y, xerr=[[npv["mean"] - low], [high - npv["mean"]]],
                            fmt="o", color=colour, ecolor=colour, capsize=4, markersize=7,
                            markeredgecolor="#333333")
            else:
                ax.plot(npv["mean"], y, "o", color=colour, markeredgecolor="#333333")
            ax.text(0.01, y - 0.3, f"{plain_number(npv['mean'])} {money}; "
                    f"{_return_words(table, stage)}", transform=ax.get_yaxis_transform(),
                    ha="left", va="center", fontsize=7, color="#333333")
        ends = [v for s in stages for v in (_row(table, s, "economic_npv")[k]
                                            for k in ("mean", "ci95_low", "ci95_high"))
                if math.isfinite(v)] + [0.0]
        span = (max(ends) - min(ends)) or 1.0
        ax.set_xlim(min(ends) - 0.1 * span, max(ends) + 0.1 * span)
        ax.set_yticks(range(len(stages)),
                      [STAGE_LABELS.get(s, ALL_LABEL) for s in stages])
        ax.set_ylim(len(stages) - 0.4, -0.7)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: plain_number(v)))
        ax.grid(True, axis="x", color="#DDDDDD", linewidth=0.6)
        ax.grid(False, axis="y")
        first = table.iloc[0] if len(table) else None
        rate = first["real_discount_rate"] if first is not None else None
        year = first["price_year"] if first is not None else None
        prices = f" at {int(year)} prices" if year is not None and not pd.isna(year) else ""
        at = (f"a real {100 * float(rate):g}% a year" if rate is not None
              and not pd.isna(rate) else "the stated real rate")
        ax.set_xlabel(f"Economic NPV, {money}{prices}, at {at} "
                      "(dot: mean; bar: 95% confidence interval)")
        ax.set_title("Value = (import price − domestic unit cost) × units served, less "
                     "capex.\nIRR and payback: means over the futures where defined (n of "
                     "all where not all).\nCapacity still useful after the end is not "
                     "credited.", loc="left", fontsize=8, fontweight="normal")
        fig.suptitle(title or ECONOMIC_TITLE, fontweight="bold")
    return fig


def _row(table: pd.DataFrame, stage: str, measure: str) -> dict[str, float]:
    rows = table[(table["stage"].astype(str) == stage) & (table["measure"] == measure)]
    if not len(rows):
        return {"mean": math.nan, "ci95_low": math.nan, "ci95_high": math.nan, "n": 0,
                "n_total": 0}
    row = rows.iloc[0]
    return {k: float(row[k]) for k in ("mean", "ci95_low", "ci95_high", "n", "n_total")}


def _active(table: pd.DataFrame, stage: str) -> bool:
    """Whether the stage serves or spends anything on average (and has an NPV)."""
    npv = _row(table, stage, "economic_npv")["mean"]
    value = _row(table, stage, "import_substitution_value")["mean"]
    capex = _row(table, stage, "capex_real")["mean"]
    return bool(np.isfinite(npv)) and (value != 0 or capex != 0)


def _return_words(table: pd.DataFrame, stage: str) -> str:
    irr, payback = _row(table, stage, "irr"), _row(table, stage, "payback_years")
    parts = []
    for name, row, text in (("IRR", irr, lambda v: f"{100 * v:.1f}%"),
                            ("payback", payback, lambda v: f"{v:.1f} yrs")):
        if not row["n"] or not math.isfinite(row["mean"]):
            parts.append(f"{name} undefined")
            continue
        where = "" if row["n"] == row["n_total"] else f" ({row['n']:.0f}/{row['n_total']:.0f})"
        parts.append(f"{name} {text(row['mean'])}{where}")
    return ", ".join(parts)
