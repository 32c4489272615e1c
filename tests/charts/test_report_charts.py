"""The report's charts: stage speed, procurement timeline, money, cost per unit, shortfall
heat map, what holds it back, vehicles supportable — each on a small real run (and on
synthetic tables where a case is easier to build by hand), with its title, panels and
legend; `draw_run_charts` writes them all and `CHART_CAPTIONS` has a sentence for each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator.analysis import held_back as held_back_analysis
from simulator.analysis import money as money_analysis
from simulator.analysis import procurement as procurement_analysis
from simulator.analysis import shortfall as shortfall_analysis
from simulator.analysis import speed as speed_analysis
from simulator.analysis import vehicles as vehicles_analysis
from simulator.analysis.labels import horizon
from simulator.charts import (
    BATCH_CHARTS,
    CHART_CAPTIONS,
    RUN_CHARTS,
    draw_run_charts,
    save_figure,
)
from simulator.charts.assembly import vehicles_by_family, vehicles_supportable
from simulator.charts.heatmap import missing_shares, shortfall_heatmap
from simulator.charts.held_back import what_holds_it_back
from simulator.charts.money import cost_per_unit_chart, money_by_year
from simulator.charts.procurement import LineName, line_names, procurement_timeline
from simulator.charts.stage_speed import fractional_year, stage_speed_chart
from simulator.charts.style import STAGE_COLOURS, STAGE_LABELS
from simulator.pipeline import run
from simulator.scenario import load_scenario_text

STAGE_LEGEND = [STAGE_LABELS[s] for s in ("sharing", "procurement", "investment")]


@pytest.fixture(scope="module")
def result():
    """A small real run: the minimal scenario, 6 replications (has an assembly table),
    with import prices and an economics block (has the economic value)."""
    text = Path("tests/scenario/good/minimal.yaml").read_text().replace(
        "    unit_value: 350\n",
        "    unit_value: 350\n    import_price: 400\n    domestic_unit_cost: 250\n"
    ) + "economics: {real_discount_rate: 0.1}\n"
    return run(load_scenario_text(text, name="minimal-priced"), replications=6, workers=1)


@pytest.fixture(scope="module")
def span(result):
    return horizon(result)


def legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def all_legend_texts(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [text for legend in legends for text in legend_texts(legend)]


def assert_saves(fig: Figure, folder, stem: str) -> None:
    png, svg = save_figure(fig, folder, stem)
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5000
    assert b"<svg" in svg.read_bytes()[:2000] and svg.stat().st_size > 5000


# ------------------------------------------------------------------------- stage speed


@pytest.fixture(scope="module")
def analysed(result):
    """The run's shortfall and stage-speed tables (`simulator.analysis`), one variant."""
    return (shortfall_analysis.tables(result, None)
            | speed_analysis.tables(result, None))


def test_stage_speed_chart_draws_the_tables(result, analysed, span):
    fig = stage_speed_chart(analysed["gap_shares"], analysed["stage_speed"],
                            start_date=span[0], end_date=span[1])
    shares, speed = fig.axes
    overall = analysed["gap_shares"][analysed["gap_shares"]["component"] == "all"]
    heights = [p.get_height() for p in shares.patches]
    # bars grouped by stage, year after year: the table's shares, nothing recomputed
    assert heights[: len(overall)] == pytest.approx(
        overall["gap_share_sharing"].fillna(0).tolist())
    dates = analysed["stage_speed"].set_index(["component", "stage"])
    label = next(t.get_text() for t in speed.texts if "→" in t.get_text())
    assert label.startswith(dates.loc[("all", "sharing"), "t50_date"].strftime("%b %Y"))


def test_stage_speed_chart(result, analysed, span, tmp_path):
    fig = stage_speed_chart(analysed["gap_shares"], analysed["stage_speed"],
                            start_date=span[0], end_date=span[1])
    assert fig.get_suptitle().startswith("Which stage closes the gap, year by year")
    shares, speed = fig.axes
    assert shares.get_title(loc="left") == (
        "Each stage's share of the year's gap (all components, value-weighted; "
        "6 simulated futures)")
    assert speed.get_title(loc="left").startswith("When each stage first reaches half")
    texts = legend_texts(fig.legends[0])
    assert texts[:3] == STAGE_LEGEND
    assert "Reaches half of its peak rate" in texts and "Reaches 90% of its peak rate" in texts
    # one bar per stage and year, in the stage colours
    years = (analysed["gap_shares"]["component"] == "all").sum()
    assert len(shares.patches) == 3 * years
    colours = {p.get_facecolor()[:3] for p in shares.patches}
    assert len(colours) == 3
    assert [t.get_text() for t in speed.get_yticklabels()] == [
        "Sharing", "New machines", "New plants"]
    assert_saves(fig, tmp_path, "stage_speed")


def test_stage_speed_chart_of_one_component(analysed):
    fig = stage_speed_chart(analysed["gap_shares"], analysed["stage_speed"],
                            component="ecu", name="Engine control units")
    assert fig.axes[0].get_title(loc="left").endswith(
        "(Engine control units; 6 simulated futures)")


def test_stage_speed_says_when_a_stage_never_serves():
    shares = pd.DataFrame({"component": "all", "year": [2024, 2025], "n_replications": 2,
                           "gap_share_sharing": [0.2, 0.3], "gap_share_procurement": [0.0, 0.1],
                           "gap_share_investment": [0.0, 0.0],
                           "gap_share_shortfall": [0.8, 0.6]})
    kpis = pd.DataFrame({"component": ["all"] * 2, "t50_days_sharing": [30.0, 50.0],
                         "t90_days_sharing": [60.0, 90.0], "t50_days_procurement": [400.0, np.nan],
                         "t90_days_procurement": [500.0, np.nan],
                         "t50_days_investment": [np.nan, np.nan],
                         "t90_days_investment": [np.nan, np.nan]})
    speed = speed_analysis.stage_speed(kpis, "2024-01-01")
    fig = stage_speed_chart(shares, speed, start_date="2024-01-01")
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "never serves in these futures" in texts
    assert any("serves in 1 of 2 futures" in t for t in texts)


def test_stage_speed_chart_takes_one_variant(analysed):
    two = pd.concat([analysed["gap_shares"].assign(variant="a"),
                     analysed["gap_shares"].assign(variant="b")])
    with pytest.raises(ValueError, match="one variant"):
        stage_speed_chart(two, analysed["stage_speed"])


def test_fractional_year():
    assert fractional_year(dt.date(2025, 1, 1)) == pytest.approx(2025 + 0.5 / 365)
    assert 2025.49 < fractional_year(dt.date(2025, 7, 2)) < 2025.51


# -------------------------------------------------------------------------- procurement


def timeline_tables(events: pd.DataFrame, end_day: float) -> list[pd.DataFrame]:
    """The timeline's tables of hand-made events of one future (replication 0, no ramp)."""
    phases, setbacks, n_orders = procurement_analysis.order_phases(events, end_day=end_day)
    representative = pd.DataFrame([{"replication": 0, "n_orders": n_orders,
                                     "ramp_days": np.nan, "rule": procurement_analysis.RULE}])
    return [phases, setbacks, representative]


def test_procurement_timeline(result, span, tmp_path):
    tables = procurement_analysis.tables(result, None)
    rep = int(tables["procurement_representative"]["replication"].item())
    fig = procurement_timeline(tables["procurement_orders"], tables["procurement_setbacks"],
                               tables["procurement_representative"], start_date=span[0],
                               end_date=span[1])
    n_orders = result.events[(result.events["replication"] == rep)
                             & (result.events["kind"] == "order_decided")]["entity"].nunique()
    assert fig.get_suptitle() == (
        f"Machine orders in one typical simulated future (no. {rep}): {n_orders} orders")
    (ax,) = fig.axes
    assert len(ax.get_yticklabels()) == n_orders
    assert ax.get_yticklabels()[0].get_text() == "bate#0, machine 1"
    texts = legend_texts(fig.legends[0])
    for label in ("Queued for a supplier's slot", "Being built", "Shipping", "Installing",
                  "Order blocked", "Order lapsed (money gone before re-ordering)"):
        assert label in texts
    assert any(t.startswith("Ramping up (scenario median 270 days") for t in texts)
    assert_saves(fig, tmp_path, "procurement_timeline")


SCENARIO = {
    "components": [{"id": "gears", "name": "Gearboxes"}, {"id": "ecu", "name": "ECUs"}],
    "plants": [
        {"id": "mpz", "name": "Minsk Plant (MPZ)", "lines": [
            {"id": "mpz_a", "component": "ecu"}, {"id": "mpz_b", "component": "gears"},
            {"id": "mpz_c", "component": "ecu"}]},
        {"id": "itelma", "name": "Itelma, Moscow (automotive electronics)", "lines": [
            {"component": "ecu"}]},  # no id: the default, itelma#0
    ],
}


def test_line_names_are_the_plants_a_reader_knows():
    names = line_names(SCENARIO)
    assert list(names) == ["mpz_b", "mpz_a", "mpz_c", "itelma#0"]  # component order first
    assert names["mpz_b"] == LineName("Gearboxes", "Minsk Plant (MPZ)")
    assert names["mpz_a"] == LineName("ECUs", "Minsk Plant (MPZ), line 1")
    assert names["mpz_c"] == LineName("ECUs", "Minsk Plant (MPZ), line 2")
    assert names["itelma#0"] == LineName("ECUs", "Itelma, Moscow")  # long: remark dropped


def test_procurement_timeline_rows_are_named_and_grouped_by_component():
    """Rows read plant and machine under the component's name, components in scenario
    order, orders by time within each; no internal id shows."""
    events = pd.DataFrame([
        (0.0, "order_decided", "mpz_a/m1"), (5.0, "order_decided", "itelma#0/m1"),
        (10.0, "order_decided", "mpz_b/m1"), (20.0, "order_decided", "mpz_a/m2"),
        (30.0, "order_decided", "mpz_c/m1"), (40.0, "order_decided", "odd/m1"),
    ], columns=["time_days", "kind", "entity"]).assign(stage="procurement")
    events = pd.concat([events, events.assign(time_days=events["time_days"] + 50,
                                              kind="order_placed")])
    fig = procurement_timeline(*timeline_tables(events, 366.0), start_date="2024-01-01",
                               end_date="2024-12-31", line_names=line_names(SCENARIO))
    ax = fig.axes[0]
    ticks = ax.get_yticklabels()
    assert [t.get_text() for t in ticks] == [
        "Gearboxes", "Minsk Plant (MPZ), machine 1",
        "ECUs", "Minsk Plant (MPZ), line 1, machine 1", "Itelma, Moscow, machine 1",
        "Minsk Plant (MPZ), line 1, machine 2", "Minsk Plant (MPZ), line 2, machine 1",
        "Other lines", "odd, machine 1"]
    bold = [t.get_text() for t in ticks if t.get_fontweight() == "bold"]
    assert bold == ["Gearboxes", "ECUs", "Other lines"]
    # each bar sits on its order's row: the gearbox order (decided on day 10) on row 1
    bars = ax.collections[0]  # approval: decided -> placed
    rows = sorted(float(np.ptp(p.vertices[:, 1]) / 2 + p.vertices[:, 1].min())
                  for p in bars.get_paths())
    assert rows == [1.0, 3.0, 4.0, 5.0, 6.0, 8.0]


def test_procurement_timeline_caps_the_rows_and_says_ramp_is_not_shown():
    rows = []
    for i in range(75):
        rows += [(float(i), "order_decided", f"l/m{i + 1}"),
                 (float(i) + 5, "order_placed", f"l/m{i + 1}")]
    events = pd.DataFrame(rows, columns=["time_days", "kind", "entity"]).assign(
        stage="procurement", date=pd.Timestamp("2024-01-01"))
    fig = procurement_timeline(*timeline_tables(events, 731.0), start_date="2024-01-01",
                               end_date="2025-12-31")
    assert fig.get_suptitle().endswith(": first 60 of 75 orders")
    assert len(fig.axes[0].get_yticklabels()) == 60
    assert "Ramp-up after installation is not recorded per order" in (
        fig.axes[0].get_title(loc="left").replace("\n", " "))
    assert not any(t.startswith("Ramping") for t in legend_texts(fig.legends[0]))


def test_procurement_timeline_without_orders():
    events = pd.DataFrame({"time_days": [0.0], "kind": ["money_released"], "entity": ["b"],
                           "stage": ["procurement"]})
    fig = procurement_timeline(*timeline_tables(events, 366.0), start_date="2024-01-01",
                               end_date="2024-12-31")
    assert fig.get_suptitle().endswith(": 0 orders")
    assert "No machine orders in this simulated future" in [t.get_text()
                                                             for t in fig.axes[0].texts]


# ------------------------------------------------------------------------------- money


@pytest.fixture(scope="module")
def money_tables(result):
    """The run's money tables (`simulator.analysis.money`), one variant."""
    return money_analysis.tables(result, None)


def test_money_by_year_draws_the_table(money_tables):
    """The bars are the table's means, year by year, nothing recomputed."""
    table = money_tables["money_by_year"]
    fig = money_by_year(table)
    procurement = fig.axes[0]
    rows = table[table["stage"] == "procurement"]
    years = rows["year"].nunique()
    spent = rows[rows["kind"] == "capex_spent"].sort_values("year")["mean"]
    heights = [p.get_height() for p in procurement.patches]
    assert len(heights) == 3 * years  # released, committed, spent per year
    assert heights[2 * years:] == pytest.approx(spent.fillna(0).tolist())


def test_money_by_year(money_tables, span, tmp_path):
    fig = money_by_year(money_tables["money_by_year"], currency="USD", start_date=span[0],
                        end_date=span[1])
    assert fig.get_suptitle() == (
        "How much money each stage receives, commits and spends, year by year")
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        STAGE_LABELS["procurement"], STAGE_LABELS["investment"]]
    assert fig.axes[0].get_ylabel() == "USD per year"
    assert legend_texts(fig.legends[0]) == [
        "Money released to the stage (budget, tranches)",
        "Capex committed (machines ordered, plants started)",
        "Capex spent (paid out)",
    ]
    assert "mean of 6 simulated futures" in fig.legends[0].get_title().get_text()
    assert_saves(fig, tmp_path, "money")


def test_money_legend_keys_wear_the_stage_colours(money_tables):
    """Each key shows its money kind in both stages' colours, as the bars are drawn (no
    grey stand-in): released as a coloured outline, committed and spent as coloured fills."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    fig = money_by_year(money_tables["money_by_year"])
    legend = fig.legends[0]
    keys = [a for a in legend.findobj(Patch) if a is not legend.legendPatch]
    stage_rgb = [to_rgb(STAGE_COLOURS[s]) for s in ("procurement", "investment")]

    def rgb(colour) -> tuple:
        return tuple(round(c, 3) for c in colour[:3])

    assert len(keys) == 6  # three kinds x two stages
    outlines = [rgb(k.get_edgecolor()) for k in keys[:2]]
    fills = [rgb(k.get_facecolor()) for k in keys[2:]]
    expected = [rgb(c) for c in stage_rgb]
    assert outlines == expected and fills == expected * 2


def test_cost_per_unit_chart(money_tables, tmp_path):
    table = money_tables["cost_per_unit"]
    fig = cost_per_unit_chart(table, names={"ecu": "Engine control units"},
                              units={"ecu": "pcs"}, currency="USD")
    assert fig.get_suptitle() == (
        "What does a unit of yearly capacity cost, by component and stage?")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Engine control units · pcs"]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel().startswith("USD spent per unit of yearly capacity added")
    assert legend_texts(fig.legends[0]) == [STAGE_LABELS["procurement"],
                                            STAGE_LABELS["investment"]]
    dots = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    drawn = sorted(x for line in dots for x in line.get_xdata())
    assert drawn == pytest.approx(sorted(table["cost_per_unit"].dropna()))  # the table's
    assert_saves(fig, tmp_path, "cost_per_unit")


def test_cost_per_unit_is_a_dot_plot_with_plain_labels():
    """On a log axis a bar's length means nothing: values are dots (one per stage, in its
    colour), and a name with brackets is not followed by more brackets."""
    kpis = pd.DataFrame({
        "component": ["at", "bolts"], "capex_spent_procurement": [150.0, 10.0],
        "capacity_added_procurement": [1.0, 100.0], "capex_spent_investment": [220.0, 20.0],
        "capacity_added_investment": [1.0, 100.0],
    })
    fig = cost_per_unit_chart(money_analysis.cost_per_unit(kpis),
                              names={"at": "Automatic transmissions (AT/CVT/AMT)",
                                     "bolts": "Bolts"},
                              units={"at": "transmissions", "bolts": "units"})
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]  # wrapped
    assert labels == ["Automatic transmissions (AT/CVT/AMT) · transmissions", "Bolts"]
    assert not any(") (" in label for label in labels)
    assert not [p for p in ax.patches if p.get_width() > 0]  # no bars
    dots = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    assert len(dots) == 2
    assert sorted(x for line in dots for x in line.get_xdata()) == [0.1, 0.2, 150.0, 220.0]
    from matplotlib.colors import to_hex

    assert {to_hex(line.get_color()) for line in dots} == {
        to_hex(STAGE_COLOURS["procurement"]), to_hex(STAGE_COLOURS["investment"])}


def test_cost_per_unit_chart_names_components_with_nothing_added():
    kpis = pd.DataFrame({
        "component": ["a", "b"], "capex_spent_procurement": [100.0, 0.0],
        "capacity_added_procurement": [10.0, 0.0], "capex_spent_investment": [50.0, 0.0],
        "capacity_added_investment": [0.0, 0.0],
    })
    fig = cost_per_unit_chart(money_analysis.cost_per_unit(kpis), names={"b": "Bolts"})
    ax = fig.axes[0]
    assert any("No capacity bought or built for: Bolts" in t.get_text() for t in ax.texts)
    assert any("money spent, nothing finished by the end" in t.get_text() for t in ax.texts)


def test_cost_per_unit_chart_keeps_long_names_and_its_note_inside():
    """A long component name once pushed the plot right, and the note above it and the
    axis label ran off the figure: names wrap, the note starts at the figure's edge."""
    from tests.charts.test_compare_charts import assert_texts_apart_and_inside

    kpis = pd.DataFrame({
        "component": ["cardan", "bolts", "glass"],
        "capex_spent_procurement": [150.0, 10.0, 0.0],
        "capacity_added_procurement": [1.0, 100.0, 0.0],
        "capex_spent_investment": [220.0, 20.0, 0.0],
        "capacity_added_investment": [1.0, 100.0, 0.0]})
    names = {"cardan": "Cardan shafts and axles (trucks), counted one axle or one shaft each",
             "glass": "Windscreens and side glass (original equipment)"}
    fig = cost_per_unit_chart(money_analysis.cost_per_unit(kpis), names=names,
                              units={"cardan": "axles or shafts"}, currency="RUB")
    assert_texts_apart_and_inside(fig)


# ---------------------------------------------------------------------------- heat map


def test_heatmap_cells_are_the_gap_shares_table(analysed):
    table = missing_shares(analysed["gap_shares"])
    rows = analysed["gap_shares"].set_index(["component", "year"])
    assert table.loc["ecu", 2027] == rows.loc[("ecu", 2027), "gap_share_shortfall"]
    assert list(table.columns) == sorted(table.columns)
    assert table.attrs["n_replications"] == 6


def test_heatmap_numbers_are_those_the_summary_and_report_quote(result, analysed):
    """One measure of what is still missing: the heat map's cells equal the summary's
    ``gap_share_by_year`` shortfall, which the report quotes."""
    table = missing_shares(analysed["gap_shares"])
    for component, entry in result.summary["components"].items():
        for year in entry["gap_share_by_year"]:
            assert table.loc[component, year["year"]] == pytest.approx(
                year["shortfall"], rel=1e-12), (component, year["year"])


def test_shortfall_heatmap(result, analysed, span, tmp_path):
    fig = shortfall_heatmap(analysed["gap_shares"], names={"ecu": "Engine control units"},
                            start_date=span[0], end_date=span[1])
    assert fig.get_suptitle() == (
        "What share of the gap is still missing, component by component and year by year?")
    ax, colourbar = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "All components (value-weighted)", "Engine control units"]
    years = sorted(result.yearly["year"].unique())
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 2 * len(years) and all(c.endswith("%") or c == "–" for c in cells)
    assert colourbar.get_ylabel() == (
        "Share of the gap still missing\n(all 6 simulated futures pooled)")
    assert ax.collections[0].get_cmap().name == "cividis_r"
    assert "share of each component's gap still missing" in CHART_CAPTIONS["shortfall_heatmap"]
    assert_saves(fig, tmp_path, "shortfall_heatmap")


# ----------------------------------------------------------------- what holds it back


@pytest.fixture(scope="module")
def held_tables(result):
    """The run's held-back tables (`simulator.analysis.held_back`), one variant."""
    return held_back_analysis.tables(result, None)


def test_what_holds_it_back_draws_the_tables(held_tables):
    """The bars are the tables' means, nothing recomputed."""
    budget = held_tables["budget_held_back"]
    fig = what_holds_it_back(budget, held_tables["supplier_waits"],
                             held_tables["component_waits"])
    empty, slots, waits = fig.axes[0], fig.axes[3], fig.axes[5]
    days = budget[budget["unit"] == "days"]["mean"]
    assert [p.get_width() for p in empty.patches] == pytest.approx(days.tolist())
    suppliers = held_tables["supplier_waits"]
    cn_cnc = suppliers[suppliers["supplier"] == "cn_cnc"]
    assert [p.get_width() for p in slots.patches] == pytest.approx(
        [cn_cnc["slot_wait_mean_days"].iloc[0], cn_cnc["slot_wait_p90_days"].iloc[0]])
    ecu = held_tables["component_waits"].set_index("component").loc["ecu"]
    assert [p.get_width() for p in waits.patches] == pytest.approx(
        [ecu["slot_wait_mean_days"], ecu["slot_wait_p90_days"]])


def test_what_holds_it_back(held_tables, tmp_path):
    fig = what_holds_it_back(held_tables["budget_held_back"], held_tables["supplier_waits"],
                             held_tables["component_waits"], currency="USD", run_days=2557,
                             supplier_names={"cn_cnc": "Chinese CNC makers"},
                             component_names={"ecu": "Engine control units"})
    assert fig.get_suptitle().startswith("What holds the stages back?")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["Budget stood empty", "Plant building paused for money",
                      "Money left unspent at the end",
                      "Waiting for a supplier's slot (new machines)",
                      "Machine orders blocked and lapsed",
                      "Waiting for a slot, by component"]
    slots, orders, waits = fig.axes[3], fig.axes[4], fig.axes[5]
    assert [t.get_text() for t in slots.get_yticklabels()] == ["Chinese CNC makers"]
    assert [t.get_text() for t in orders.get_yticklabels()] == ["Chinese CNC makers",
                                                                 "All suppliers"]
    assert [t.get_text() for t in waits.get_yticklabels()] == ["Engine control units"]
    assert legend_texts(slots.get_legend())[0] == "Mean wait"
    assert "Lapsed: money gone before re-ordering" in legend_texts(orders.get_legend())
    assert legend_texts(waits.get_legend())[0] == "Mean wait over its machines"
    assert any("machines ordered a future" in t.get_text() for t in waits.texts)
    empty = fig.axes[0]
    colours = [p.get_facecolor()[:3] for p in empty.patches]
    assert len(set(colours)) == 2  # one colour per stage
    assert_saves(fig, tmp_path, "held_back")


def test_what_holds_it_back_without_suppliers(held_tables):
    fig = what_holds_it_back(held_tables["budget_held_back"], None)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "no supplier figures in these results" in texts
    assert len(fig.axes) == 5  # no panel of component waits without its table


def test_component_waits_panel_names_components_without_a_slot(held_tables):
    waits = pd.concat([held_tables["component_waits"],
                       held_tables["component_waits"].assign(component="bolts", n_waits=0)])
    fig = what_holds_it_back(held_tables["budget_held_back"], held_tables["supplier_waits"],
                             waits, component_names={"bolts": "Bolts"})
    panel = fig.axes[5]
    assert [t.get_text() for t in panel.get_yticklabels()] == ["ecu"]
    assert "No machine got a slot for: Bolts" in panel.get_xlabel()


# ------------------------------------------------------------------------------ vehicles


def test_vehicles_supportable(result, tmp_path):
    tables = vehicles_analysis.tables(result, None)
    fig = vehicles_supportable(tables["vehicles"], tables["binding_components"],
                               names={"ecu": "Engine control units"})
    assert fig.get_suptitle() == (
        "How many vehicles can the parts supply support, and which part limits it?")
    top, bottom = fig.axes
    assert top.get_ylabel() == "vehicles per year"
    assert legend_texts(top.get_legend()) == ["10–90% of simulated futures",
                                              "Vehicles supportable (median)"]
    assert legend_texts(bottom.get_legend()) == ["Engine control units"]
    assert bottom.get_title(loc="left").startswith("Which component limits output")
    assert top.get_title(loc="left").endswith("(6 simulated futures)")
    assert_saves(fig, tmp_path, "vehicles")


def test_vehicles_supportable_stacks_by_rank_and_pools_the_rare():
    months = pd.to_datetime(["2024-01-01", "2024-02-01"])
    vehicles = pd.DataFrame({"month": months, "median": [2.5, 5.0], "p10": [1.3, 5.0],
                             "p90": [3.7, 5.0], "n_replications": 4})
    binding = pd.DataFrame({
        "month": list(months) * 2,
        "component": ["b", "b", vehicles_analysis.OTHER, vehicles_analysis.OTHER],
        "rank": [1, 1, 2, 2], "n_binding": [1, 4, 3, 0], "share": [0.25, 1.0, 0.75, 0.0]})
    fig = vehicles_supportable(vehicles, binding, names={"b": "Bearings"})
    top, bottom = fig.axes
    assert legend_texts(bottom.get_legend()) == ["Bearings", "Other components"]
    assert top.get_lines()[0].get_ydata().tolist() == [2.5, 5.0]


def test_vehicles_by_family_draws_a_line_per_family_and_a_binding_panel_each(tmp_path):
    months = pd.to_datetime(["2024-01-01", "2024-02-01"])
    vehicles = pd.DataFrame({
        "family": ["m", "m", "x", "x", "all", "all"], "month": list(months) * 3,
        "median": [2.5, 5.0, 10.0, 10.0, 12.5, 15.0], "p10": [1.3, 5.0, 10, 10, 11.3, 15],
        "p90": [3.7, 5.0, 10, 10, 13.7, 15], "n_replications": 4})
    binding = pd.DataFrame({
        "family": ["m"] * 4 + ["x"] * 2, "month": list(months) * 3,
        "component": ["b", "b", "a", "a", "b", "b"], "rank": [1, 1, 2, 2, 1, 1],
        "n_binding": [1, 4, 3, 0, 4, 4], "share": [0.25, 1.0, 0.75, 0.0, 1.0, 1.0]})
    fig = vehicles_by_family(vehicles, binding, names={"a": "Axles", "b": "Bearings"},
                             family_names={"m": "Manual cars", "x": "Trucks"})
    top, m, x = fig.axes
    assert legend_texts(top.get_legend()) == ["Manual cars (median)", "Trucks (median)",
                                              "All families (median)"]
    assert [line.get_ydata().tolist() for line in top.get_lines()] == [
        [2.5, 5.0], [10.0, 10.0], [12.5, 15.0]]
    assert m.get_title(loc="left").startswith("Manual cars: which component limits")
    assert legend_texts(m.get_legend()) == ["Bearings", "Axles"]
    assert legend_texts(x.get_legend()) == ["Bearings"]
    # a component keeps its colour from panel to panel
    assert (m.collections[0].get_facecolor().tolist()
            == x.collections[0].get_facecolor().tolist())
    assert_saves(fig, tmp_path, "vehicles")


def test_economic_value_chart_draws_the_tables_means_and_intervals(result):
    from simulator.charts import economic_value_chart

    table = money_analysis.tables(result, None)["economic_value"]
    fig = economic_value_chart(table, currency="USD")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "All stages" and STAGE_LABELS["sharing"] in labels
    npv = table[table["measure"] == "economic_npv"].set_index("stage")["mean"]
    dots = [line.get_xdata()[0] for line in ax.get_lines() if len(line.get_xdata()) == 1
            and line.get_marker() == "o"]
    assert dots == pytest.approx([npv["sharing"], npv["procurement"], npv["investment"],
                                  npv["all"]])
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "IRR undefined, payback undefined" in texts  # stage 1: no capex


# ----------------------------------------------------------------- the standard set


def test_draw_run_charts_writes_every_stem(result, tmp_path):
    paths = draw_run_charts(result, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}.{ext}" for stem in RUN_CHARTS for ext in ("png", "svg"))
    assert all(p.stat().st_size > 1000 for p in paths)


def test_draw_run_charts_reads_tables_left_on_disk(result, tmp_path):
    from simulator.pipeline import write_results
    from simulator.results import read_results

    folder = write_results(result, tmp_path / "run", charts=False)
    on_disk = read_results(folder, load_limit=0)  # every table but kpis stays on disk
    assert on_disk.yearly is None and on_disk.events is None and on_disk.assembly is None
    paths = draw_run_charts(on_disk, tmp_path / "charts")
    assert {p.stem for p in paths} == set(RUN_CHARTS)


def test_vehicles_only_with_an_assembly_table(result, tmp_path):
    from dataclasses import replace

    from simulator.analysis import analyse

    paths = draw_run_charts(analyse(replace(result, assembly=None, analysis={})), tmp_path)
    assert {p.stem for p in paths} == set(RUN_CHARTS) - {"vehicles"}


def test_captions_cover_every_chart():
    assert set(CHART_CAPTIONS) == set(RUN_CHARTS) | set(BATCH_CHARTS)
    for stem, caption in CHART_CAPTIONS.items():
        assert caption.endswith(".") and caption.count(". ") == 0, stem
        assert 40 < len(caption) < 300, stem


def test_stage_colours_are_those_of_the_other_charts(analysed):
    fig = stage_speed_chart(analysed["gap_shares"], analysed["stage_speed"])
    from matplotlib.colors import to_rgb

    colours = {tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in fig.axes[0].patches}
    assert colours == {tuple(round(c, 3) for c in to_rgb(STAGE_COLOURS[s]))
                       for s in ("sharing", "procurement", "investment")}


# ------------------------------------------------------------- drawing side by side


def test_charts_drawn_in_parallel_equal_those_drawn_in_turn(result, tmp_path):
    serial = draw_run_charts(result, tmp_path / "serial", workers=1)
    parallel = draw_run_charts(result, tmp_path / "parallel", workers=3)
    assert [p.name for p in parallel] == [p.name for p in serial]  # RUN_CHARTS order
    for a, b in zip(serial, parallel, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_an_error_in_a_worker_reaches_the_caller(result, tmp_path, monkeypatch):
    import simulator.charts as charts

    def broken(*_args, **_kwargs):
        raise RuntimeError("no money chart today")

    monkeypatch.setattr(charts, "money_by_year", broken)
    with pytest.raises(RuntimeError, match="no money chart today"):
        draw_run_charts(result, tmp_path, workers=2)


def test_charts_of_a_dead_worker_are_drawn_afterwards(result, tmp_path, monkeypatch):
    import os

    import simulator.charts as charts

    parent, original = os.getpid(), charts.vehicles_supportable

    def dies_in_a_worker(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(1)  # as if killed for lack of memory
        return original(*args, **kwargs)

    monkeypatch.setattr(charts, "vehicles_supportable", dies_in_a_worker)
    paths = draw_run_charts(result, tmp_path, workers=2)
    assert {p.stem for p in paths} == set(RUN_CHARTS)
    assert all(p.stat().st_size > 1000 for p in paths)


def test_charts_are_shared_out_between_forked_processes(result, tmp_path, monkeypatch):
    # two processes draw their shares side by side (two cores), none in this process
    import os

    import simulator.charts as charts

    original = charts.save_figure
    pids = tmp_path / "pids"
    pids.mkdir()

    def noting_the_process(fig, folder, stem):
        (pids / stem).write_text(str(os.getpid()))
        return original(fig, folder, stem)

    monkeypatch.setattr(charts, "save_figure", noting_the_process)
    draw_run_charts(result, tmp_path / "charts", workers=2)
    drawn_by = {p.name: int(p.read_text()) for p in pids.iterdir()}
    assert set(drawn_by) == set(RUN_CHARTS)
    assert len(set(drawn_by.values())) == 2
    assert os.getpid() not in drawn_by.values()
    shares = charts.share_out(list(RUN_CHARTS), 2)
    assert {frozenset(share) for share in shares} == {
        frozenset(s for s, pid in drawn_by.items() if pid == p) for p in set(drawn_by.values())}
