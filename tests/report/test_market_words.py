"""The report's assumption tables say how the market moves and where supply comes from."""

from simulator.report.assumptions import market_in_words, supply_in_words


def test_the_demand_process_in_a_line():
    walk = {"kind": "log_random_walk", "start_year": 2026, "drift": -0.1, "volatility": 0.5}
    assert market_in_words(walk) == ("log random walk from 2026: yearly log change normal, "
                                     "drift -0.1, volatility 0.5")
    chain = {"kind": "regimes", "start_year": 2026,
             "regimes": [{"id": "calm", "growth": 0.05}, {"id": "shock", "growth": -0.6}],
             "transitions": {"calm": {"calm": 0.8, "shock": 0.2}, "shock": {"calm": 1}}}
    assert market_in_words(chain) == (
        "market regimes from 2026 (calm: growth 0.05; shock: growth -0.6); yearly "
        "transitions calm → calm 0.8; calm → shock 0.2; shock → calm 1")
    assert market_in_words(None) == ""


def test_supply_from_points_or_from_an_import_share():
    assert supply_in_words({"domestic_supply": {}}) == "none"
    words = supply_in_words({"import_share": {"2025-07-01": 0.4},
                             "import_share_shift": {"dist": "uniform", "min": -0.1, "max": 0.1}})
    assert words.startswith("demand × (1 − import share); share 0.4")
    assert words.endswith("shifted by uniform, -0.1 to 0.1 per future")
