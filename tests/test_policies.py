"""One conformance test for every registered policy, plus the defaults' own rules."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import policies

money = st.floats(0.01, 1e9, allow_nan=False)
line_options = st.lists(st.builds(policies.LineOption, st.integers(0, 50), st.text(max_size=3),
                                  money, money), max_size=6)
supplier_options = st.lists(st.builds(policies.SupplierOption, st.integers(0, 50),
                                      st.text(max_size=3), st.integers(1, 5),
                                      st.integers(0, 20), money, money,
                                      st.floats(0, 0.99), money), min_size=1, max_size=6)
units = st.floats(0, 1e7, allow_nan=False)
pipeline_views = st.builds(policies.PipelineView, st.text(max_size=3), units, units, units,
                           st.floats(0.01, 1), st.floats(0, 1))
project_options = st.lists(st.builds(policies.ProjectOption, st.integers(0, 50),
                                     st.text(max_size=3), money, money, money, money),
                           max_size=6)


@pytest.mark.parametrize("name", policies.registered("order_quantity"))
@settings(max_examples=50, deadline=None)
@given(view=pipeline_views)
def test_every_order_quantity_is_a_finite_amount(name, view):
    rule = policies.get("order_quantity", name)
    amount = rule.amount(view)
    assert isinstance(amount, float) and math.isfinite(amount)
    assert rule.amount(view) == amount  # deterministic
    assert amount <= view.expected_gap  # never more than the whole gap


@settings(max_examples=50, deadline=None)
@given(view=pipeline_views)
def test_anchoring_with_full_weights_is_the_full_gap(view):
    full = dataclasses.replace(view, adjustment_fraction=1.0, supply_line_weight=1.0)
    assert policies.get("order_quantity", "anchoring_and_adjustment").amount(full) == \
        pytest.approx(policies.get("order_quantity", "full_gap").amount(full), abs=1e-6)


@pytest.mark.parametrize("name", policies.registered("ordering"))
@settings(max_examples=50, deadline=None)
@given(options=line_options)
def test_every_ordering_rule_picks_one_of_the_options(name, options):
    rule = policies.get("ordering", name)
    chosen = rule.choose(options)
    assert (chosen is None) == (not options)
    assert chosen is None or chosen in options
    assert rule.choose(list(options)) == chosen  # deterministic


@pytest.mark.parametrize("name", policies.registered("supplier_choice"))
@settings(max_examples=50, deadline=None)
@given(options=supplier_options)
def test_every_supplier_choice_picks_one_of_the_options(name, options):
    rule = policies.get("supplier_choice", name)
    assert rule.choose(options) in options
    assert rule.choose(list(options)) == rule.choose(options)


@pytest.mark.parametrize("name", policies.registered("project_policy"))
@settings(max_examples=50, deadline=None)
@given(options=project_options)
def test_every_project_policy_orders_all_candidates(name, options):
    ordered = policies.get("project_policy", name).order(options)
    assert sorted(map(id, ordered)) == sorted(map(id, options))


def test_default_rules_follow_the_spec():
    cheap = policies.LineOption(1, "b", 10.0, 5.0)  # 2 per unit
    dear = policies.LineOption(0, "a", 3.0, 1.0)  # 3 per unit
    assert policies.get("ordering", "lowest_cost_per_capacity").choose([dear, cheap]) is cheap
    tie = policies.LineOption(0, "a", 4.0, 2.0)
    assert policies.get("ordering", "lowest_cost_per_capacity").choose([cheap, tie]) is tie
    busy = policies.SupplierOption(0, "busy", 2, 4, 100.0, 10.0)  # (2+1)*100+10 = 310
    idle = policies.SupplierOption(1, "idle", 1, 0, 300.0, 10.0)  # 310: tie -> file order
    assert policies.get("supplier_choice", "earliest_delivery").choose([idle, busy]) is busy
    small = policies.ProjectOption(0, "s", 10.0, 1.0, 100.0, 1.0)
    large = policies.ProjectOption(1, "l", 100.0, 50.0, 300.0, 1.0)
    largest_gap = policies.get("project_policy", "largest_gap_first")
    assert largest_gap.order([small, large]) == [large, small]
    assert policies.get("project_policy", "listed_order").order([large, small]) == [small, large]
    cheapest = policies.get("project_policy", "lowest_cost_per_unit")
    assert cheapest.order([small, large]) == [large, small]


def test_unknown_policy_name_is_a_clear_error():
    with pytest.raises(ValueError, match="registered: lowest_cost_per_capacity"):
        policies.get("ordering", "nope")


def test_a_name_cannot_be_taken_twice():
    with pytest.raises(ValueError, match="registered already"):
        @policies.register("project_policy", "largest_gap_first")
        class Impostor:
            def order(self, options):
                return list(options)
