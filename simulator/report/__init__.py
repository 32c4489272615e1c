"""The report policy staff read: one self-contained HTML file, its tables as CSV and Excel.

`write_report(folder)` reads a results folder (or takes the `RunResult` already in
memory), writes the key findings (`findings`), the charts found in ``charts/``, the KPI,
money and constraint tables (`tables`) and the scenario's main assumptions
(`assumptions`) into ``report.html`` (`html`), and the same tables as
``tables/<name>.csv`` and as the sheets of ``report.xlsx``. It works for plain runs and
for batches (stage attribution, comparisons, sweeps). Nothing is simulated or drawn here.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.analysis import study_of
from simulator.analysis.labels import supplier_names
from simulator.report.assumptions import assumption_tables, reproduction_table
from simulator.report.batch_numbers import SEQUENCE, variant_label
from simulator.report.html import Section, embed_charts, render_html
from simulator.report.key_findings import key_findings, study_kind, supplier_means
from simulator.report.tables import (
    ReportTable,
    changes_table,
    component_differences_table,
    differences_table,
    economics_tables,
    findings_table,
    gap_shares,
    held_back_table,
    kpi_table,
    money_by_year,
    points_table,
    scenario_differences_table,
    shapley_table,
    stage_gains_tables,
    stage_speed_table,
    suppliers_table,
    variant_outcomes,
    write_csvs,
    write_workbook,
)
from simulator.report.words import cap, month

if TYPE_CHECKING:
    from simulator.results import RunResult

__all__ = ["REPORT_FILE", "TABLES_FOLDER", "WORKBOOK_FILE", "report_sections", "write_report"]

REPORT_FILE = "report.html"
WORKBOOK_FILE = "report.xlsx"
TABLES_FOLDER = "tables"
KIND_TITLES = {
    "run": "how fast the component shortfall closes",
    "stages": "what each stage adds (stage attribution)",
    "compare": "scenarios compared",
    "sweep": "a parameter sweep",
    "batch": "a batch of variants",
}


def write_report(folder: Path | str, *, result: RunResult | None = None) -> Path:
    """Write ``report.html``, ``report.xlsx`` and ``tables/*.csv`` into the results
    `folder`; return the path of the HTML file.

    `result` is the run's `RunResult` when it is at hand (e.g. at the end of a run);
    otherwise the folder is read with `simulator.results.read_results`. The charts are
    taken from ``<folder>/charts/*.png`` as they are (none drawn here).

    All or nothing: the three are written under temporary names and renamed into place
    only once all are complete, so a failure (a damaged folder, a full disk) leaves the
    folder's earlier report, if any, as it was and no half-written file.

    Raises
    ------
    simulator.results.DamagedResults
        If the folder is read here and a file in it is missing or damaged.
    """
    from simulator.results import read_results

    folder = Path(folder)
    if result is None:
        result = read_results(folder)
    kind = study_kind(result)
    findings = key_findings(result)
    sections, data_only = report_sections(result, kind)
    tables = [findings_table(findings), *(t for s in sections for t in s.tables), *data_only]
    page = render_html(
        title=_title(result, kind), subtitle=_subtitle(result),
        description=(result.scenario_dict.get("scenario") or {}).get("description"),
        findings=findings, warnings=_warnings(result),
        charts=embed_charts(folder / "charts", reference=_reference_words(result, kind)),
        sections=sections, files=[f"{t.key}.csv" for t in tables],
    )
    _write_all(folder, tables, page)
    return folder / REPORT_FILE


def report_sections(result: RunResult, kind: str) -> tuple[list[Section], list[ReportTable]]:
    """The page's sections after the findings and charts, and the tables that go only to
    the CSV files and the workbook."""
    summary = result.summary
    scenario = result.scenario_dict
    currency = _currency(result)
    assumptions = Section("assumptions", "Main assumptions", assumption_tables(scenario),
                          intro=_assumptions_intro(result, kind), new_page=True)
    meta = _meta(result)
    reproduction = Section("reproduction", "Reproduction details",
                           [reproduction_table(meta, scenario)])
    if kind == "run":
        held = [held_back_table(summary, currency)]
        if (suppliers := suppliers_table(supplier_means(result),
                                         supplier_names(scenario))) is not None:
            held.append(suppliers)
        sections = [
            Section("results", "Results by component", [kpi_table(summary)], new_page=True),
            Section("stages", "Which stage serves the gap, year by year", [gap_shares(summary)]),
            Section("money", "Money", [money_by_year(summary), *economics_tables(summary)]),
            Section("held-back", "What holds it back", held),
            assumptions, reproduction,
        ]
        return sections, [stage_speed_table(summary)]
    variants = summary.get("variants") or {}
    study: list[ReportTable] = []
    data_only = []
    compared = _compared_variants(result, kind)
    changes = changes_table(result, compared, kind) if compared else None
    if kind == "stages":
        study += stage_gains_tables(result)
        study += [t for t in (changes, variant_outcomes(summary, kind)) if t is not None]
        if "shapley" in result.analysis:
            study.append(shapley_table(result))
        if "differences" in result.analysis:  # against the first stage set: data only
            data_only.append(ReportTable("differences", "Paired differences against the "
                                         "first variant", result.analysis["differences"]))
    else:
        if "points" in result.extra:
            study.append(points_table(result))
        if changes is not None:
            study.append(changes)
        if "differences" in result.analysis and "points" not in result.extra:
            study.append(differences_table(result))
        if (by_component := component_differences_table(result)) is not None:
            study.append(by_component)
        study.append(variant_outcomes(summary, kind))
    if "scenario_differences" in result.extra:
        study.append(scenario_differences_table(result))
    sections = [
        Section("study", _study_title(kind), study, new_page=True),
        Section("results", "Results by component and variant",
                [kpi_table(summary, variants)]),
        Section("money", "Money", [money_by_year(summary, variants)]),
        assumptions, reproduction,
    ]
    return sections, data_only


# --------------------------------------------------------------------- the page


def _title(result: RunResult, kind: str) -> str:
    name = _meta(result).get("scenario") or (result.scenario_dict.get("scenario") or {}).get(
        "name") or "unnamed scenario"
    return f"Scenario “{name}”: {KIND_TITLES.get(kind, KIND_TITLES['batch'])}"


def _subtitle(result: RunResult) -> str:
    settings = result.scenario_dict.get("scenario") or {}
    meta = _meta(result)
    parts = []
    start, end = meta.get("start") or settings.get("start"), meta.get("end") or settings.get("end")
    if start and end:
        parts.append(f"{month(start)} to {month(end)}")
    n = result.kpis["replication"].nunique() if "replication" in result.kpis else None
    if n:
        parts.append(f"{n} simulated futures" + (f" per variant ({len(result.variants())} "
                                                 "variants)" if len(result.variants()) > 1
                                                 else ""))
    seed = meta.get("seed", settings.get("seed"))
    if seed is not None:
        parts.append(f"seed {seed}")
    currency = _currency(result)
    if currency:
        year = settings.get("price_year")
        parts.append(f"money in {currency}" + (f" at {year} prices" if year else ""))
    return " · ".join(parts)


def _warnings(result: RunResult) -> list[str]:
    return list(dict.fromkeys(_sentence(w) for w in result.summary.get("warnings") or []))


MAX_SIDE_BY_SIDE = 4  # variants shown side by side in "What changes between the variants"


def _compared_variants(result: RunResult, kind: str) -> list[str]:
    """The variants put side by side: a stage attribution's announced sequence, or every
    variant of a smaller batch (none for more than `MAX_SIDE_BY_SIDE`)."""
    names = result.variants()
    if kind == "stages":
        names = [v for v in names if v in SEQUENCE]
    return names if 1 < len(names) <= MAX_SIDE_BY_SIDE else []


def _reference_words(result: RunResult, kind: str) -> str | None:
    """The variant a batch's run charts were drawn for, in words ("Reference variant
    (baseline)", "All three stages (sharing+procurement+investment)"); None for a run."""
    from simulator.charts import charted_variant

    if kind == "run":
        return None
    charted = charted_variant(result)
    label = variant_label(charted, kind)
    reference = str(study_of(result).get("reference") or result.variants()[0])
    what = "Reference variant" if charted == reference else cap(label)
    name = label if charted == reference and label != charted else charted
    return f"{what} ({name})" if name != what else what


def _study_title(kind: str) -> str:
    return {"stages": "Stage attribution: what each stage adds",
            "compare": "The scenarios compared", "sweep": "The sweep points"}.get(
        kind, "The variants")


def _assumptions_intro(result: RunResult, kind: str) -> str:
    base = ("The figures the scenario assumes, each with its source and the confidence "
            "given for it (taken from the nearest part of the scenario that states one).")
    if kind == "run":
        return base
    first = result.variants()[0] if result.variants() else "the first variant"
    return (f"{base} A batch's results folder records the scenario of its first variant "
            f"({first}); stages that variant leaves out are not listed here, and what "
            "differs between the variants is in the tables above.")


def _meta(result: RunResult) -> dict:
    """The run's provenance: the result's own meta, else the summary's."""
    meta = dict(result.summary.get("meta") or {})
    meta.update(result.meta or {})
    return meta


def _currency(result: RunResult) -> str:
    settings = result.scenario_dict.get("scenario") or {}
    return str(settings.get("currency") or _meta(result).get("currency") or "")


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _write_all(folder: Path, tables: list[ReportTable], page: str) -> None:
    """Write ``tables/``, the workbook and the page as hidden temporary siblings, then
    rename each into place (the old ``tables/`` is moved aside first, as a folder cannot
    be renamed over one that has files). Whatever fails, the temporary files go."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    staged = {name: folder / f".{name}.tmp-{token}"
              for name in (TABLES_FOLDER, WORKBOOK_FILE, REPORT_FILE)}
    old_tables = folder / f".{TABLES_FOLDER}.old-{token}"
    target = folder / TABLES_FOLDER
    try:
        write_csvs(tables, staged[TABLES_FOLDER])
        write_workbook(tables, staged[WORKBOOK_FILE])
        staged[REPORT_FILE].write_text(page, encoding="utf-8")
        if target.is_dir():
            os.replace(target, old_tables)
        os.replace(staged[TABLES_FOLDER], target)
        os.replace(staged[WORKBOOK_FILE], folder / WORKBOOK_FILE)
        os.replace(staged[REPORT_FILE], folder / REPORT_FILE)
    except BaseException:
        if old_tables.is_dir() and not target.exists():
            os.replace(old_tables, target)  # the earlier tables back, as they were
        raise
    finally:
        for path in (*staged.values(), old_tables):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
