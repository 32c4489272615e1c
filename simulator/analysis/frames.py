"""How the analysis reads a `kpis` table: close days with the horizon for a future that never
closes, and groups in the order readers expect (variants as they appear, `all` first).
"""

from __future__ import annotations

import pandas as pd

from simulator.analysis.common import ALL


def close_frame(kpis: pd.DataFrame, n_days: int) -> pd.DataFrame:
    """variant, component, is_closed, day (close day, or ``n_days`` where not closed) and
    reopened (false where the table has no such column)."""
    variant = kpis["variant"].astype(str) if "variant" in kpis else pd.Series(
        "", index=kpis.index)
    closed = kpis["closed"].fillna(False).astype(bool) & kpis["close_day"].notna()
    reopened = (kpis["reopened"].fillna(False).astype(bool) if "reopened" in kpis
                else pd.Series(False, index=kpis.index))
    return pd.DataFrame({
        "variant": variant, "component": kpis["component"].astype(str),
        "is_closed": closed,
        "day": kpis["close_day"].astype(float).where(closed, float(n_days)),
        "reopened": reopened,
    })


def ordered_groups(frame: pd.DataFrame, keys: list[str]) -> list[tuple[tuple, pd.DataFrame]]:
    """Groups in order: variants by appearance, components ``all`` first."""
    variants = variant_order(frame)
    components = component_order(frame["component"])
    grouped = dict(iter(frame.groupby(keys, sort=False)))
    return [((v, c), grouped[(v, c)]) for v in variants for c in components
            if (v, c) in grouped]


def appearing(values: pd.Series) -> list[str]:
    """The distinct values as text, in order of first appearance (without going through
    the values one by one in Python: a column of a large table has millions)."""
    return list(dict.fromkeys(str(value) for value in values.unique()))


def variant_order(frame: pd.DataFrame) -> list[str]:
    return appearing(frame["variant"]) if "variant" in frame else [""]


def component_order(components: pd.Series) -> list[str]:
    """Components in order of first appearance, ``all`` first."""
    seen = appearing(components)
    return ([ALL] if ALL in seen else []) + [c for c in seen if c != ALL]


def overall_rows(kpis: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``all`` rows of `kpis`, only `columns` (those it has): taking rows of the whole
    KPI frame copies every one of its columns, over 40 MiB at 10,000 replications."""
    return _narrow_rows(kpis, columns, overall=True)


def component_rows(kpis: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows of `kpis` other than ``all``, only `columns` (those it has), as
    `overall_rows` (a group-by also copies every column it is given)."""
    return _narrow_rows(kpis, columns, overall=False)


def _narrow_rows(kpis: pd.DataFrame, columns: list[str], *, overall: bool) -> pd.DataFrame:
    narrow = kpis[["component", *(c for c in dict.fromkeys(columns) if c in kpis)]]
    return narrow[((narrow["component"] == ALL) == overall).to_numpy()]
