"""A one-paragraph plain summary of a loaded scenario, as `capsim validate` prints it.

It counts what the file describes (components, plants, lines, stages enabled), the money
each stage can spend, and the run's period, seed and replications, so a reader can see at a
glance that the file says what they meant.
"""

from __future__ import annotations

from simulator.scenario.schema import STAGE_NAMES, Scenario


def describe(scenario: Scenario) -> str:
    """One paragraph: counts, money per stage, run period, replications."""
    meta = scenario.scenario
    cur = meta.currency
    lines = sum(len(p.lines) for p in scenario.plants)
    enabled = [n for n in STAGE_NAMES if getattr(scenario.stages, n) is not None]
    parts = [(
        f"Scenario '{meta.name}': {_count(len(scenario.components), 'component')}, "
        f"{_count(len(scenario.plants), 'plant')} with {_count(lines, 'line')}; "
        f"stages enabled: {', '.join(enabled) if enabled else 'none'}."
    )]
    procurement = scenario.stages.procurement
    if procurement is not None:
        parts.append(
            f"Procurement: {_funding(procurement.budget, procurement.tranches, cur)}, "
            f"{_count(len(procurement.suppliers), 'supplier')}."
        )
    investment = scenario.stages.investment
    if investment is not None:
        parts.append(
            f"Investment: {_funding(investment.budget, investment.tranches, cur)}, "
            f"{_count(len(investment.projects), 'project')}."
        )
    process = meta.demand_process
    shares = sum(c.import_share is not None for c in scenario.components)
    if process is not None or shares:
        kind = {"log_random_walk": "a log random walk",
                "regimes": "market regimes"}[process.kind] if process is not None else ""
        parts.append(" ".join(filter(None, (
            f"Demand moves from {process.start_year} ({kind})." if process else "",
            f"{_count(shares, 'component')} with an import share." if shares else ""))))
    prices = f" at {meta.price_year} prices" if meta.price_year is not None else ""
    economics = scenario.economics
    if economics is not None and economics.money_terms == "nominal":
        prices = (f"; stage money nominal, deflated{prices} for the economic value "
                  f"(real rate {100 * economics.real_discount_rate:g}%)")
    elif economics is not None:
        prices += f"; economic value at a real {100 * economics.real_discount_rate:g}%"
    parts.append(
        f"Money in {cur or '(no currency given)'}{prices}. "
        f"Run {meta.start.isoformat()} to {meta.end.isoformat()} ({scenario.n_days} days), "
        f"{_count(meta.replications, 'replication')}, seed {meta.seed}."
    )
    return " ".join(parts)


def _funding(budget: float, tranches: list, currency: str) -> str:
    """"budget X plus N tranches totalling Y", leaving out the parts that are zero."""
    said = [f"budget {_money(budget, currency)}"] if budget or not tranches else []
    if tranches:
        total = sum(t.amount for t in tranches)
        said.append(f"{_count(len(tranches), 'tranche')} totalling {_money(total, currency)}")
    return " plus ".join(said)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _money(amount: float, currency: str) -> str:
    for scale, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(amount) >= scale:
            text = f"{amount / scale:,.3g}{suffix}"
            break
    else:
        text = f"{amount:,.0f}"
    return f"{text} {currency}".rstrip()
