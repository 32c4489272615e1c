"""The scenario's main assumptions as readable tables, each figure with its source.

Walks the resolved scenario (``scenario.yaml`` of a results folder): the run's settings,
components, plants and lines, the stages, suppliers, tranches and projects, one row each.
Every row carries the `source` and `confidence` of the nearest mapping that has one (the
row itself, else the plant, stage, … that holds it; "not given" otherwise), and figures
with a source of their own (a distribution written with `source:`) are listed under it.
Distributions are written in words ("lognormal, median 180, 90% below 365 days"), time
series as their points. `reproduction_table` lists what is needed to rerun the results.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from simulator.report.tables import ReportTable
from simulator.report.words import STAGE_NAMES, money, month, share

NOT_GIVEN = "not given"
CONFIDENCE_WORDS = {"H": "H (high)", "M": "M (medium)", "L": "L (low)"}
AS_ABOVE = "as above"
SOURCE_COLUMNS = ("Source", "Confidence")
_META_KEYS = ("source", "confidence")


def assumption_tables(scenario: Mapping[str, Any]) -> list[ReportTable]:
    """The assumption tables present in the scenario, in reading order."""
    builders = (settings_table, components_table, families_table, lines_table, stages_table,
                suppliers_table, tranches_table, projects_table)
    return [t for build in builders if (t := build(scenario)) is not None]


# ------------------------------------------------------------------- provenance


def provenance(chain: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(source, confidence) of the nearest mapping of `chain` (nearest first) that has
    each; "not given" where none has."""
    source = next((str(m["source"]) for m in chain if m.get("source")), NOT_GIVEN)
    level = next((str(m["confidence"]) for m in chain if m.get("confidence")), None)
    return source, CONFIDENCE_WORDS.get(level, level) if level else NOT_GIVEN


def figure_sources(mapping: Mapping[str, Any]) -> list[str]:
    """Sources given on single figures of `mapping` (e.g. a distribution with `source:`)."""
    out = []
    for key, value in mapping.items():
        if isinstance(value, Mapping) and value.get("source"):
            level = value.get("confidence")
            tail = f" ({CONFIDENCE_WORDS.get(level, level)})" if level else ""
            out.append(f"{key.replace('_', ' ')}: {value['source']}{tail}")
    return out


def _with_sources(row: dict, chain: Sequence[Mapping[str, Any]]) -> dict:
    source, level = provenance(chain)
    extra = figure_sources(chain[0])
    if extra:
        source = "\n".join([source, *extra]) if source != NOT_GIVEN else "\n".join(extra)
    return {**row, "Source": source, "Confidence": level}


def _table(key: str, title: str, rows: list[dict], note: str = "",
           lines: tuple[str, ...] = ()) -> ReportTable | None:
    """The rows as data, and as display with a source repeated from the row above shown
    as "as above"."""
    if not rows:
        return None
    data = pd.DataFrame(rows)
    display = data.copy()
    if "Source" in display:
        repeated = display["Source"].eq(display["Source"].shift()) & display["Source"].ne(
            NOT_GIVEN)
        display.loc[repeated, "Source"] = AS_ABOVE
    return ReportTable(key, title, data, display, note=note, lines=lines, detail="Source")


# -------------------------------------------------------------------- the tables


def settings_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    meta = scenario.get("scenario") or {}
    if not meta:
        return None
    currency = meta.get("currency") or ""
    period = f"{_day(meta.get('start'))} to {_day(meta.get('end'))}"
    prices = f" at {meta['price_year']} prices" if meta.get("price_year") else ""
    rows = [
        ("Scenario", meta.get("name")),
        ("Description", meta.get("description")),
        ("Period simulated", period),
        ("Money", f"{currency or 'no currency given'}{prices}"),
        ("Closed when", f"the shortfall is at most {share(meta.get('close_threshold'))} of "
                        + ("the future's gap on the first day"
                           if meta.get("close_relative_to") == "initial_gap" else "demand")
                        + f" for {meta.get('close_hold_days')} days in a row"
                        + (f" (smoothed over {meta['close_smoothing_days']} days)"
                           if (meta.get("close_smoothing_days") or 1) > 1 else "")),
        ("Discount rate of the gross value served less capex (SPEC npv)",
         f"{100 * float(meta.get('discount_rate') or 0):g}% a year"),
        ("Economic value", _economics_words(scenario.get("economics"), meta)),
        ("Demand factor (all components)", in_words(meta.get("demand_factor"))),
        ("Market level (demand process)", market_in_words(meta.get("demand_process"))),
        ("Seed and replications", f"seed {meta.get('seed')}, {meta.get('replications')} "
                                  "simulated futures"),
    ]
    source, level = provenance([meta])
    out = [{"Setting": k, "Value": _text(v), "Source": source, "Confidence": level}
           for k, v in rows if v not in (None, "")]
    economics = scenario.get("economics")
    if isinstance(economics, Mapping) and economics.get("source"):
        s, c = provenance([economics])
        out[[r["Setting"] for r in out].index("Economic value")] |= {"Source": s,
                                                                      "Confidence": c}
    for key, setting in (("demand_factor", "Demand factor (all components)"),
                         ("demand_process", "Market level (demand process)")):
        own = meta.get(key)
        if isinstance(own, Mapping) and own.get("source"):
            s, c = provenance([own])
            out[[r["Setting"] for r in out].index(setting)] |= {"Source": s, "Confidence": c}
    return _table("assumptions_settings", "The run", out)


def _economics_words(economics: Any, meta: Mapping[str, Any]) -> str | None:
    """The economics block in words (None where the scenario has none)."""
    if not isinstance(economics, Mapping):
        return None
    text = (f"NPV, IRR and payback at a real "
            f"{100 * float(economics.get('real_discount_rate') or 0):g}% a year; ")
    if economics.get("money_terms") == "nominal":
        index = economics.get("price_index") or {}
        points = ", ".join(f"{year}: {float(value):g}" for year, value in index.items())
        return text + (f"stage money given in nominal terms, deflated to "
                       f"{meta.get('price_year')} prices by the index {points}")
    return text + "stage money given in real terms"


def components_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    currency = (scenario.get("scenario") or {}).get("currency") or ""
    rows = []
    for c in scenario.get("components") or []:
        unit = c.get("unit") or "units"
        rows.append(_with_sources({
            "Component": c.get("name") or c.get("id"),
            "Unit": unit,
            "Value per unit": money(c.get("unit_value"), currency),
            "Demand (per year)": in_words(c.get("demand")),
            "Domestic supply (per year)": supply_in_words(c),
            "Demand factor": in_words(c.get("demand_factor")) or "—",
            "Qualification": in_words(c.get("qualification_days"), "days") or "—",
            "Units per vehicle": _num(c.get("units_per_vehicle")),
            **({"Import price": in_words(c.get("import_price"), currency),
                "Domestic unit cost": in_words(c.get("domestic_unit_cost"), currency)}
               if c.get("import_price") is not None else {}),
        }, [c]))
    return _table("assumptions_components", "Components: demand, domestic supply, value",
                  rows, note="Demand and domestic supply are the scenario's points in time "
                             "(the model interpolates between them).",
                  lines=("Demand (per year)", "Domestic supply (per year)"))


def families_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    """The vehicle families of the assembly view (none without them)."""
    names = _component_names(scenario)
    rows = []
    for f in scenario.get("vehicle_families") or []:
        share = f.get("share")
        output = (in_words(share) + " of vehicle output" if share is not None
                  else in_words(f.get("vehicles_per_year"), "vehicles a year"))
        parts = "; ".join(f"{_num(n)} × {names.get(c, c)}"
                          for c, n in (f.get("units_per_vehicle") or {}).items() if n)
        rows.append(_with_sources({"Vehicle family": f.get("name") or f.get("id"),
                                   "Output": output, "Units per vehicle": parts}, [f]))
    return _table("assumptions_families", "Vehicle families (assembly view)", rows,
                  note="Each component's supply is split among the families that use it "
                       "in proportion to their demand for it (share × units per vehicle); "
                       "the components' own units per vehicle are not used.")


def lines_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    currency = (scenario.get("scenario") or {}).get("currency") or ""
    names = _component_names(scenario)
    rows = []
    for plant in scenario.get("plants") or []:
        for line in plant.get("lines") or []:
            rows.append(_with_sources({
                "Plant": plant.get("name") or plant.get("id"),
                "Country": plant.get("country") or "—",
                "Line": line.get("id"),
                "Component": names.get(line.get("component"), line.get("component")),
                "Capacity (per year)": _num(line.get("capacity")),
                "Committed to existing customers (per year)": in_words(line.get("committed")),
                "Reliability": _reliability(line),
                "Room for machines (stage 2)": _machines(line, currency),
            }, [line, plant]))
    return _table("assumptions_lines", "Plants and lines", rows)


def stages_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    stages = scenario.get("stages") or {}
    currency = (scenario.get("scenario") or {}).get("currency") or ""
    rows = []
    for name in ("sharing", "procurement", "investment"):
        stage = stages.get(name)
        if not isinstance(stage, Mapping):
            continue
        rows.append(_with_sources({"Stage": STAGE_NAMES[name].capitalize(),
                                   "Settings": "\n".join(_stage_settings(name, stage, currency))},
                                  [stage, stages]))
    return _table("assumptions_stages", "The three stages", rows,
                  note="A stage missing from this table is not enabled in the scenario.")


def suppliers_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    stages = scenario.get("stages") or {}
    procurement = stages.get("procurement") or {}
    rows = []
    for s in procurement.get("suppliers") or []:
        rows.append(_with_sources({
            "Supplier": s.get("name") or s.get("id"),
            "Orders built at once": s.get("slots"),
            "Lead time": in_words(s.get("lead_time_days"), "days"),
            "Shipping": in_words(s.get("shipping_days"), "days"),
            "Chance an order is blocked": share(s.get("block_probability") or 0),
            "Re-order after a block": in_words(s.get("reorder_delay_days"), "days"),
        }, [s, procurement, stages]))
    return _table("assumptions_suppliers", "Machine-tool suppliers (stage 2)", rows)


def tranches_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    stages = scenario.get("stages") or {}
    currency = (scenario.get("scenario") or {}).get("currency") or ""
    rows = []
    for name in ("procurement", "investment"):
        stage = stages.get(name) or {}
        for t in stage.get("tranches") or []:
            rows.append(_with_sources({
                "Stage": STAGE_NAMES[name].capitalize(),
                "Tranche": t.get("id"),
                "Due": _day(t.get("date")),
                "Amount": money(t.get("amount"), currency),
                "Chance it is paid": share(t.get("probability", 1.0)),
                "Delay": in_words(t.get("delay_days"), "days"),
            }, [t, stage, stages]))
    return _table("assumptions_tranches", "Money: tranches", rows)


def projects_table(scenario: Mapping[str, Any]) -> ReportTable | None:
    stages = scenario.get("stages") or {}
    investment = stages.get("investment") or {}
    currency = (scenario.get("scenario") or {}).get("currency") or ""
    names = _component_names(scenario)
    rows = []
    for p in investment.get("projects") or []:
        rows.append(_with_sources({
            "Project": p.get("name") or p.get("id"),
            "Component": names.get(p.get("component"), p.get("component")),
            "Capacity (per year)": _num(p.get("capacity")),
            "Capex": money(p.get("capex"), currency),
            "Paid at the start": share(p.get("upfront_share") or 0),
            "Preparation": in_words(p.get("preparation_days"), "days"),
            "Build": in_words(p.get("build_days"), "days"),
            "Ramp-up": in_words(p.get("ramp_up_days"), "days"),
            "Earliest start": _day(p.get("earliest_start")) if p.get("earliest_start") else "—",
            "Done at the start": share(p.get("progress_at_start") or 0),
        }, [p, investment, stages]))
    return _table("assumptions_projects", "New plants: candidate projects (stage 3)", rows)


ALL_STAGES = ("sharing", "procurement", "investment")


def rerun_command(meta: Mapping[str, Any], *, placeholders: bool = False) -> str | None:
    """The `capsim` command that reruns the study as recorded in `meta` (study kind,
    scenario or experiment file(s), replications, seed, plugins, stages, --shapley), paths
    as given
    then; None where the study has no command (a batch built in Python) or a file is not
    recorded (with `placeholders`, such a file is written ``<scenario file of NAME>``)."""
    study = meta.get("study") or {}
    kind = str(study.get("kind") or ("run" if not meta.get("variants") else ""))
    files: list[Any] = [meta.get("scenario_file")]
    extra: list[str] = []
    if kind == "run":
        stages = list(meta.get("stages") or [])
        if stages != list(ALL_STAGES):
            extra = ["--stages", ",".join(stages)]
    elif kind == "stages":
        extra = ["--shapley"] if study.get("shapley") else []
    elif kind == "compare":
        variants = meta.get("variants") or []
        files = [v.get("scenario_file") or (meta.get("scenario_file") if i == 0 else None)
                 for i, v in enumerate(variants)]
        if placeholders:
            files = [f or f"<scenario file of {v.get('name')}>"
                     for f, v in zip(files, variants, strict=True)]
    elif kind != "sweep":
        return None
    if not files or not all(files):
        return None
    words = ["capsim", kind, *map(str, files)]
    if meta.get("replications") is not None:
        words += ["--replications", str(int(meta["replications"]))]
    if meta.get("seed") is not None:
        words += ["--seed", str(int(meta["seed"]))]
    for plugin in meta.get("plugins") or []:
        words += ["--plugin", str(plugin)]
    return shlex.join(words + extra)


def reproduction_table(meta: Mapping[str, Any], scenario: Mapping[str, Any]) -> ReportTable:
    """The command to rerun, seed, replications, scenario file and hash, stages, versions
    and git commit."""
    settings = scenario.get("scenario") or {}
    missing = "not recorded in this results folder"
    versions = meta.get("versions") or {}
    kind = str((meta.get("study") or {}).get("kind") or "")
    command = rerun_command(meta)
    if command is None and kind == "batch":
        command = "none: this batch was built in Python (simulator.pipeline.run_variants)"
    elif command is None and (partial := rerun_command(meta, placeholders=True)):
        command = f"{partial}\n(a scenario file is {missing}: put it in place of <…>)"
    command = command or missing
    rows = [
        ("Command to rerun", command),
        ("Scenario", meta.get("scenario") or settings.get("name")),
        ("Scenario file", meta.get("scenario_file") or missing),
        ("Scenario hash (SHA-256 of the file)", meta.get("scenario_hash") or missing),
        ("Seed", meta.get("seed", settings.get("seed"))),
        ("Replications", meta.get("replications", settings.get("replications"))),
        ("Stages enabled", ", ".join(meta["stages"]) if meta.get("stages") else
         ", ".join(s for s in ("sharing", "procurement", "investment")
                   if (scenario.get("stages") or {}).get(s) is not None)),
        ("Period", f"{meta.get('start') or settings.get('start')} to "
                   f"{meta.get('end') or settings.get('end')}"),
        ("Versions", ", ".join(f"{k} {v}" for k, v in versions.items()) or missing),
        ("Git commit", meta.get("git_commit") or missing),
    ]
    for variant in meta.get("variants") or []:
        rows.append((f"Variant {variant.get('name')}",
                     f"stages: {', '.join(variant.get('stages') or []) or 'none'}; scenario "
                     f"{variant.get('scenario')} (hash {str(variant.get('scenario_hash'))[:12]}…)"))
    data = pd.DataFrame([{"Item": k, "Value": _text(v)} for k, v in rows])
    return ReportTable("reproduction", "Reproduction details", data,
                       note="Run the command from the folder the study was run from (the "
                            "file paths are as given then), with the same versions, to get "
                            "the same numbers whatever the number of workers; add --out "
                            "FOLDER to choose where the results go, and --plugin MODULE if "
                            "the scenario uses a policy registered by a plugin.",
                       lines=("Value",) if False else ())


# ------------------------------------------------------------------------ words


def supply_in_words(component: Mapping[str, Any]) -> str:
    """A component's domestic supply: its points, or demand x (1 - import share)."""
    share = component.get("import_share")
    if not share:
        return in_words(component.get("domestic_supply")) or "none"
    shift = in_words(component.get("import_share_shift"))
    return (f"demand × (1 − import share); share {in_words(share)}"
            + (f", shifted by {shift} per future" if shift else ""))


def market_in_words(process: Any) -> str:
    """The demand process in a line: its kind, first drawn year and parameters."""
    if not isinstance(process, Mapping):
        return ""
    start = f"from {process.get('start_year')}"
    if process.get("kind") == "log_random_walk":
        return (f"log random walk {start}: yearly log change normal, drift "
                f"{_num(process.get('drift') or 0)}, volatility {_num(process.get('volatility'))}")
    regimes = "; ".join(f"{r.get('id')}: growth {in_words(r.get('growth'))}"
                        for r in process.get("regimes") or [] if isinstance(r, Mapping))
    moves = "; ".join(f"{a} → {b} {_num(p)}" for a, row in
                      (process.get("transitions") or {}).items() if isinstance(row, Mapping)
                      for b, p in row.items())
    return f"market regimes {start} ({regimes}); yearly transitions {moves}"


def in_words(value: Any, unit: str = "") -> str:
    """A figure as words: a number, a distribution or a time series (date -> value)."""
    if value is None or (isinstance(value, Mapping) and not value):
        return ""
    tail = f" {unit}" if unit else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{_num(value)}{tail}"
    if isinstance(value, Mapping) and "dist" in value:
        return _distribution(value, tail)
    if isinstance(value, Mapping):
        return _series(value, tail)
    return _text(value)


def _distribution(d: Mapping[str, Any], tail: str) -> str:
    kind, n = str(d.get("dist")), _num
    if kind == "fixed":
        return f"{n(d.get('value'))}{tail}"
    if kind == "uniform":
        return f"uniform, {n(d.get('min'))} to {n(d.get('max'))}{tail}"
    if kind in ("triangular", "pert"):
        name = "PERT" if kind == "pert" else "triangular"
        return (f"{name}, {n(d.get('min'))} to {n(d.get('max'))}{tail}, most likely "
                f"{n(d.get('mode'))}")
    if kind == "lognormal":
        return f"lognormal, median {n(d.get('median'))}, 90% below {n(d.get('p90'))}{tail}"
    if kind == "exponential":
        return f"exponential, mean {n(d.get('mean'))}{tail}"
    if kind == "normal":
        bounds = [f"at least {n(d['min'])}" if d.get("min") is not None else "",
                  f"at most {n(d['max'])}" if d.get("max") is not None else ""]
        cut = ", ".join(b for b in bounds if b)
        return (f"normal, mean {n(d.get('mean'))}{tail}, standard deviation {n(d.get('sd'))}"
                + (f" ({cut})" if cut else ""))
    if kind == "empirical":
        values = [float(v) for v in d.get("values") or []]
        if not values:
            return "empirical"
        return (f"empirical, {len(values)} observed values from {n(min(values))} to "
                f"{n(max(values))}{tail}")
    if kind == "mixture":
        parts = [f"{share(p.get('weight'))} {_distribution(p, tail)}"
                 for p in d.get("parts") or [] if isinstance(p, Mapping)]
        return "mixture of " + "; ".join(parts)
    return _text({k: v for k, v in d.items() if k not in _META_KEYS})


def _series(points: Mapping[Any, Any], tail: str) -> str:
    """Date -> value points, one a line: "705,000 (July 2023)", …, "866,100 (July 2030)"."""
    items = [(k, v) for k, v in points.items() if k not in _META_KEYS]
    words = [f"{_num(v)} ({month(k) if month(k) != '—' else _text(k)})" for k, v in items]
    if len(words) > 5:
        words = [*words[:2], "…", words[-1]]
    return "\n".join(w + tail for w in words)


def _stage_settings(name: str, stage: Mapping[str, Any], currency: str) -> list[str]:
    out = [f"starts {_day(stage.get('start'))}" if stage.get("start") else ""]
    if name == "sharing":
        out += [f"offers {share(stage.get('share'))} of each line's spare capacity",
                f"qualification: {in_words(stage.get('qualification_days'), 'days')}",
                f"ramp-up: {in_words(stage.get('ramp_up_days'), 'days')}"]
    else:
        tranches = stage.get("tranches") or []
        total = sum(float(t.get("amount") or 0) for t in tranches)
        money_words = f"budget at the start {money(stage.get('budget') or 0, currency)}"
        if tranches:
            money_words += (f", plus {len(tranches)} tranche{'s' * (len(tranches) != 1)} of "
                            f"{money(total, currency)} in all (see the tranches table)")
        out += [money_words, f"reviews every {_num(stage.get('review_days'))} days"]
    if name == "procurement":
        out += [f"approval: {in_words(stage.get('approval_days'), 'days')}",
                f"installation: {in_words(stage.get('installation_days'), 'days')}",
                f"ramp-up: {in_words(stage.get('ramp_up_days'), 'days')}",
                f"order ranking: {stage.get('ordering')}; supplier choice: "
                f"{stage.get('supplier_choice')}"]
        if stage.get("target_offset_days") is not None:
            out.append(f"target offset: {_num(stage['target_offset_days'])} days")
    if name == "investment":
        out += [f"project choice: {stage.get('policy')}",
                f"{len(stage.get('projects') or [])} candidate projects (see the projects "
                "table)"]
    return [line for line in out if line and not line.endswith(": ") and ": None" not in line]


def _component_names(scenario: Mapping[str, Any]) -> dict[Any, Any]:
    return {c.get("id"): c.get("name") or c.get("id") for c in scenario.get("components") or []}


def _reliability(line: Mapping[str, Any]) -> str:
    if not line.get("mtbf_days"):
        return "no breakdowns modelled"
    return (f"fails every {_num(line['mtbf_days'])} days on average; repair: "
            f"{in_words(line.get('repair_days'), 'days')}")


def _machines(line: Mapping[str, Any], currency: str) -> str:
    most = int(line.get("max_machines") or 0)
    if not most or not line.get("machine_capacity"):
        return "none"
    return (f"up to {most} × {_num(line['machine_capacity'])} per year, "
            f"{money(line.get('machine_cost'), currency)} each")


def _num(value: Any) -> str:
    """180.0 -> "180", 705000 -> "705,000", 0.41 -> "0.41"."""
    if value is None:
        return "—"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return _text(value)
    if x.is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _day(value: Any) -> str:
    """A date as "18 July 2023" (a month alone would hide the day a stage starts)."""
    text = month(value)
    if text == "—":
        return _text(value)
    return f"{int(str(value)[8:10])} {text}"


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)
