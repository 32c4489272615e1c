"""Vehicle families in the assembly view: vehicles supportable per family and day.

A scenario's `vehicle_families` give each kind of vehicle its own parts list (a car with a
manual gearbox needs no automatic transmission; a truck needs cardan shafts, a car does
not) and its share of vehicle output. Each component's available supply (domestic supply
plus served) is split among the families that use it in proportion to their demand for
it, `share × units_per_vehicle` (docs/background/model.md, "Vehicle families"). Then a
family's vehicles per day are `share_f × min over its components of available_c / D_c`,
where `D_c = Σ_g share_g × units_g,c` is the component's units per vehicle of the mix;
the total is the sum over families. Pure numpy on the daily grid; no state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulator.scenario import Scenario


@dataclass(frozen=True)
class FamilyGrid:
    """The families of a scenario on the daily grid."""

    ids: list[str]
    shares: np.ndarray  # (F, N) share of vehicle output, summing to 1 over families
    units: np.ndarray  # (F, C) units per vehicle of each component (0: not needed)


def family_grid(scenario: Scenario, component_ids: list[str], mid: np.ndarray) -> FamilyGrid:
    """The families' mix at the day midpoints `mid` (days from the start): each family's
    `share` or `vehicles_per_year`, interpolated linearly and flat outside its points, then
    divided by their sum over families (shares that sum to 1 stay as they are)."""
    families = scenario.vehicle_families or []
    index = {c: i for i, c in enumerate(component_ids)}
    units = np.zeros((len(families), len(component_ids)))
    raw = np.zeros((len(families), len(mid)))
    for f, family in enumerate(families):
        for component, n in family.units_per_vehicle.items():
            units[f, index[component]] = n
        output = family.share if family.share is not None else family.vehicles_per_year
        if isinstance(output, dict):
            points = sorted((scenario.day(d), float(v)) for d, v in output.items())
            raw[f] = np.interp(mid, [x for x, _ in points], [y for _, y in points])
        else:
            raw[f] = float(output or 0.0)
    total = raw.sum(axis=0)
    shares = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)
    return FamilyGrid([f.id for f in families], shares, units)


def family_vehicles(available: np.ndarray, shares: np.ndarray, units: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Vehicles per year each family's share of the supply supports, and its binding
    component, per day.

    Parameters
    ----------
    available
        Domestic supply plus served, component × day (units/year).
    shares
        Each family's share of vehicle output, family × day (summing to 1 over families).
    units
        Units per vehicle, family × component (0: the family does not need it).

    Returns
    -------
    vehicles, binding
        Family × day: ``shares[f] * min over c with units[f, c] > 0 of available[c] / D[c]``
        with ``D[c] = Σ_f shares[f] * units[f, c]`` (0 where the share is 0); and the index
        of the component attaining the minimum (the first in component order on ties).
    """
    demand_per_vehicle = units.T @ shares  # (C, N): units of c per vehicle of the mix
    ratio = np.full(available.shape, np.inf)
    np.divide(available, demand_per_vehicle, out=ratio, where=demand_per_vehicle > 0)
    vehicles = np.zeros(shares.shape)
    binding = np.zeros(shares.shape, dtype=int)
    for f in range(units.shape[0]):
        used = np.flatnonzero(units[f] > 0)
        least = np.argmin(ratio[used], axis=0)
        binding[f] = used[least]
        limit = np.take_along_axis(ratio[used], least[None, :], axis=0)[0]
        supported = shares[f] > 0  # a family with no share has no vehicles (and D may be 0)
        vehicles[f, supported] = shares[f, supported] * limit[supported]
    return vehicles, binding
