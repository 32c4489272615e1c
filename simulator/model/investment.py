"""Stage 3: a programme of new plants funded by tranches (SPEC.md §4, Investment).

Tranches credit the programme's budget; start decisions (stage start, each
`earliest_start`, each tranche arrival, each project finish, every `review_days`) take
candidates with a positive projected gap in the order of the `policy`. A started project
pays its upfront share, prepares, then draws the rest continuously while it builds. The
moment the budget runs dry is scheduled as an event (balance ÷ total draw rate, recomputed
at every start, pause, tranche and finish): every drawing build pauses then, and resumes
when money arrives. Draws: `build:<project>` (preparation, build, ramp).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from simulator import policies
from simulator.model.clock import (
    BUDGET_DRY,
    INVESTMENT,
    MONEY,
    UNDER_WAY,
    ProcessGenerator,
    after,
)
from simulator.model.money import Account, money_schedule
from simulator.model.qualification import settle
from simulator.model.record import INVESTMENT as STAGE
from simulator.model.tooling import order_tooling
from simulator.model.world import World

if TYPE_CHECKING:
    from simulator.scenario import Investment
    from simulator.scenario import Project as ProjectSpec


@dataclass
class Project:
    """One candidate project and its progress in this replication."""

    index: int
    spec: ProjectSpec
    component: int
    preparation: float
    build: float
    ramp: float
    rate: float  # money drawn per day while building
    earliest_day: float
    underway: bool
    state: str = "candidate"  # candidate | preparing | building | paused | finished
    started_at: float = 0.0
    remaining: float = 0.0  # build days still to do
    resumed_at: float = 0.0
    pause_started: float | None = None
    paused_total: float = 0.0
    version: int = 0
    given_up_at: float | None = None  # finished, but its qualification failed every attempt
    tooling_total: int = 0  # supplier orders of its tooling
    tooling_need: int = 0  # ... installed before it produces
    tooling_installed: int = 0
    tooling_ordered: bool = False
    usable_from: float | None = None  # producing and qualified from then (partial tooling)
    plant: list[float] | None = None  # its entry in `record.plants` once built

    def given_up(self, now: float) -> bool:
        """Whether its qualification has failed for good by `now` (it then counts nowhere)."""
        return self.given_up_at is not None and self.given_up_at <= now

    def paused_so_far(self, now: float) -> float:
        ongoing = now - self.pause_started if self.pause_started is not None else 0.0
        return self.paused_total + ongoing

    def expected_finish(self, now: float) -> float:
        """start + E[preparation] + (1 - progress) * E[build] + time paused so far."""
        spec = self.spec
        prep = 0.0 if self.underway else spec.preparation_days.mean()
        build = (1.0 - float(spec.progress_at_start)) * spec.build_days.mean()
        return self.started_at + prep + build + self.paused_so_far(now)


class InvestmentStage:
    """Stage 3's state in one replication: budget with continuous draws and the projects."""

    def __init__(self, world: World, spec: Investment, projects: list[Project]) -> None:
        self.world = world
        self.spec = spec
        self.projects = projects
        self.start_day = float(world.plan.scenario.day(spec.start))
        self.account = Account(world, STAGE, "investment", self.start_day)
        self.policy = policies.get("project_policy", spec.policy)
        self.drawing: list[Project] = []
        self.last = 0.0
        self.dry_version = 0
        scale = sum(float(t.amount) for t in spec.tranches) + float(spec.budget)
        self.eps = 1e-9 * max(1.0, scale)
        self.account.note_empty(0.0, True)

    # --- the budget ----------------------------------------------------------------------

    def settle(self) -> None:
        """Take the money drawn since the last settlement out of the balance."""
        now = self.world.now
        rate = sum(p.rate for p in self.drawing)
        if now > self.last and rate > 0:
            spent = min(rate * (now - self.last), self.account.balance)
            self.account.balance -= spent
            money = self.world.record.money
            for p in self.drawing:  # each build's share, so money can be told by component
                share = spent * p.rate / rate
                money.append((STAGE, "spent", self.last, now, share, p.component))
                self.world.record.project_spent.append((p.index, self.last, now, share))
        self.last = now

    def reschedule_dry(self) -> None:
        """Schedule the moment the budget runs dry at the current draw rate."""
        self.dry_version += 1
        rate = sum(p.rate for p in self.drawing)
        if rate <= 0:
            return
        if self.account.balance <= self.eps:
            self.run_dry()
            return
        version = self.dry_version
        event = after(self.world.env, self.account.balance / rate, BUDGET_DRY)
        event.callbacks.append(lambda _e: self._on_dry(version))

    def _on_dry(self, version: int) -> None:
        if version == self.dry_version:
            self.run_dry()

    def run_dry(self) -> None:
        """The budget is empty: every drawing build pauses now."""
        self.settle()
        self.account.balance = 0.0
        self.account.note_empty(self.world.now, True)
        for project in list(self.drawing):
            self._pause(project)
        self.drawing = []
        self.dry_version += 1

    def credit(self, amount: float, entity: str) -> None:
        """Money arrives: credit it, then resume paused builds first."""
        self.settle()
        self.account.credit(amount, self.world.now, entity)
        if self.account.balance > self.eps:
            self.account.note_empty(self.world.now, False)
            for project in self.projects:
                if project.state == "paused":
                    self._resume(project)
        self.reschedule_dry()

    # --- one project ----------------------------------------------------------------------

    def _event(self, kind: str, project: Project, amount: float = float("nan")) -> None:
        comp = self.world.plan.components[project.component].id
        self.world.record.event(self.world.now, kind, "investment", project.spec.id, comp,
                                amount=amount)

    def _activate(self, project: Project) -> None:
        now = self.world.now
        project.state = "building"
        project.resumed_at = now
        project.version += 1
        version = project.version
        if project.rate > 0:
            self.drawing.append(project)
        event = after(self.world.env, project.remaining, INVESTMENT)
        event.callbacks.append(lambda _e: self._on_finish(project, version))

    def _pause(self, project: Project) -> None:
        now = self.world.now
        project.remaining -= now - project.resumed_at
        project.version += 1
        if project.remaining <= 1e-9:
            self._finish(project)
            return
        project.state = "paused"
        project.pause_started = now
        self._event("project_paused", project)

    def _resume(self, project: Project) -> None:
        now = self.world.now
        project.paused_total += now - (project.pause_started or now)
        project.pause_started = None
        self._activate(project)
        self._event("project_resumed", project)

    def begin_building(self, project: Project) -> None:
        """Preparation is over: order the tooling, build if there is money (or nothing to
        draw), else wait."""
        self.settle()
        self._event("building_started", project)
        if project.tooling_total > project.tooling_installed and not project.tooling_ordered:
            project.tooling_ordered = True
            order_tooling(self, project)
        if project.rate <= 0 or self.account.balance > self.eps:
            self._activate(project)
            self.reschedule_dry()
        else:
            project.state = "paused"
            project.pause_started = self.world.now
            self._event("project_paused", project)

    def _on_finish(self, project: Project, version: int) -> None:
        if version != project.version:
            return
        self.settle()
        if project in self.drawing:
            self.drawing.remove(project)
        self._finish(project)
        self.reschedule_dry()
        self.decide()

    def _finish(self, project: Project) -> None:
        """The building is done: produce now, or once enough of the tooling is installed."""
        project.state = "finished"
        project.remaining = 0.0
        project.version += 1
        world = self.world
        capacity = float(project.spec.capacity)
        self._event("project_finished", project, capacity)
        project.plant = [float(project.component), world.now, float("nan")]
        world.record.plants.append(project.plant)
        if project.tooling_installed >= project.tooling_need:
            self._produce(project)
        else:
            project.state = "tooling"
            self._event("awaiting_tooling", project)

    def _produce(self, project: Project) -> None:
        """Start producing: qualification, then the installed share of the nameplate."""
        project.state = "finished"
        world = self.world
        now = world.now
        capacity = float(project.spec.capacity)
        assert project.plant is not None
        project.plant[2] = now
        outcome = settle(world, STAGE, project.spec.id, project.component, now, capacity)
        project.given_up_at = outcome.given_up
        project.usable_from = outcome.usable
        if project.tooling_total:
            share = project.tooling_installed / project.tooling_total
            self._event("production_started", project, capacity * share)
        else:
            share = 1.0
        if outcome.usable is not None:
            world.record.sources.append((STAGE, project.component, -1, outcome.usable,
                                         project.ramp, capacity * share))
            world.record.project_sources.append((project.index, outcome.usable, project.ramp,
                                                 capacity * share))

    def tooling_installed(self, project: Project) -> None:
        """One tooling order is installed: the plant may start producing, or (partial
        tooling) produce more, the order's share ramping from now (or qualification)."""
        project.tooling_installed += 1
        if project.state == "tooling":
            if project.tooling_installed >= project.tooling_need:
                self._produce(project)
        elif project.state == "finished" and project.usable_from is not None:
            share = float(project.spec.capacity) / project.tooling_total
            ready = max(self.world.now, project.usable_from)
            record = self.world.record
            record.sources.append((STAGE, project.component, -1, ready, project.ramp, share))
            record.project_sources.append((project.index, ready, project.ramp, share))

    def start(self, project: Project) -> None:
        """Start a candidate: commit its capex, pay the upfront share, begin preparing."""
        self.settle()
        now = self.world.now
        capex = float(project.spec.capex)
        upfront = capex * float(project.spec.upfront_share)
        self.account.balance = max(0.0, self.account.balance - upfront)
        money = self.world.record.money
        money.append((STAGE, "committed", now, now, capex, project.component))
        money.append((STAGE, "spent", now, now, upfront, project.component))
        self.world.record.project_spent.append((project.index, now, now, upfront))
        project.state = "preparing"
        project.started_at = now
        project.remaining = project.build
        self._event("project_started", project, capex)
        if self.account.balance <= self.eps:
            self.account.note_empty(now, True)
        self.reschedule_dry()
        self.world.env.process(prepare(self.world.env, self, project))

    def start_underway(self, project: Project) -> None:
        """A project already under way at t = 0: no upfront payment, no preparation."""
        p = float(project.spec.progress_at_start)
        capex = float(project.spec.capex)
        self.world.record.capex_before_start += p * capex
        self.world.record.money.append((STAGE, "committed", 0.0, 0.0, (1 - p) * capex,
                                        project.component))
        project.started_at = 0.0
        project.remaining = (1 - p) * project.build
        self._event("project_started", project, capex)
        if project.remaining <= 1e-9:
            self._finish(project)
        else:
            self.begin_building(project)

    # --- decisions --------------------------------------------------------------------------

    def counted_capacity(self, component: int, target: float | None) -> float:
        """Nameplate of started projects for a component (all, or expected by `target`)."""
        now = self.world.now
        total = 0.0
        for p in self.projects:
            if p.component != component or p.state == "candidate" or p.given_up(now):
                continue
            if target is None or p.state == "finished" or p.expected_finish(now) <= target:
                total += float(p.spec.capacity)
        return total

    def finished_capacity(self, component: int) -> float:
        """Nameplate of the component's finished projects (in place, not on its way)."""
        now = self.world.now
        return sum(float(p.spec.capacity) for p in self.projects
                   if p.component == component and p.state == "finished"
                   and not p.given_up(now))

    def projected_gap(self, project: Project) -> float:
        """Expected gap when the project could be producing, minus what is on its way."""
        world, spec = self.world, project.spec
        horizon = (world.now + spec.preparation_days.mean() + spec.build_days.mean()
                   + spec.ramp_up_days.mean())
        c = project.component
        gap = world.plan.components[c].expected_gap(horizon)
        return (gap - world.sharing_offers[c] - world.machines_ordered[c]
                - self.counted_capacity(c, None))

    def decide(self) -> None:
        """A start decision: start affordable candidates in policy order, gaps recomputed."""
        now = self.world.now
        if now < self.start_day:
            return
        self.settle()
        components = self.world.plan.components
        while True:
            options = []
            for p in self.projects:
                if p.state != "candidate" or p.earliest_day > now or p.underway:
                    continue
                gap = self.projected_gap(p)
                if gap > 1e-9:
                    options.append(policies.ProjectOption(
                        p.index, p.spec.id, float(p.spec.capex), float(p.spec.capacity), gap,
                        components[p.component].unit_value))
            chosen = None
            for option in self.policy.order(options):
                p = self.projects[option.index]
                upfront = float(p.spec.capex) * float(p.spec.upfront_share)
                if upfront <= self.account.balance + self.eps:
                    chosen = p
                    break
            if chosen is None:
                return
            self.start(chosen)

    def decide_soon(self) -> None:
        """A decision at this instant, after money, failures and stages 1 and 2."""
        event = after(self.world.env, 0.0, INVESTMENT)
        event.callbacks.append(lambda _e: self.decide())

    def close(self) -> None:
        """End of run: settle the draws, report paused build-days and unspent money."""
        self.settle()
        now = self.world.now
        self.world.record.paused_build_days += sum(p.paused_so_far(now) for p in self.projects)
        self.account.close(now)


def prepare(env: simpy.Environment, stage: InvestmentStage, project: Project) -> ProcessGenerator:
    """Design and permits (no money drawn), then building begins."""
    yield after(env, project.preparation, INVESTMENT)
    stage.begin_building(project)


def fund_programme(env: simpy.Environment, stage: InvestmentStage) -> ProcessGenerator:
    """Credit the stage budget and each tranche as it arrives; each triggers a decision."""
    arrivals = money_schedule(stage.world, "investment", stage.start_day, stage.spec.budget,
                              stage.spec.tranches)
    for t, entity, amount in arrivals:
        yield after(env, max(0.0, t - env.now), MONEY)
        if amount > 0:
            stage.credit(amount, entity)
            stage.decide_soon()


def review_projects(env: simpy.Environment, stage: InvestmentStage) -> ProcessGenerator:
    """Start decisions at the stage start and every `review_days` after."""
    yield after(env, stage.start_day, INVESTMENT)
    while True:
        stage.decide()
        yield after(env, float(stage.spec.review_days), INVESTMENT)


def open_at_earliest_starts(env: simpy.Environment, stage: InvestmentStage) -> ProcessGenerator:
    """A decision at each `earliest_start` after the stage start."""
    for day in sorted({p.earliest_day for p in stage.projects if p.earliest_day > stage.start_day}):
        yield after(env, day - env.now, INVESTMENT)
        stage.decide()


def start_projects_under_way(env: simpy.Environment, stage: InvestmentStage) -> ProcessGenerator:
    """Projects with `progress_at_start` > 0 start at t = 0, whatever the stage start:
    after the money (so they draw from a budget credited at t = 0) and before every
    decision, so the first reviews of stages 1-3 count them (SPEC.md §10)."""
    yield after(env, 0.0, UNDER_WAY)
    for project in stage.projects:
        if project.underway:
            stage.start_underway(project)


def build_investment(world: World, spec: Investment) -> InvestmentStage:
    """Wire stage 3: draw each project's durations, the budget and the processes."""
    scenario = world.plan.scenario
    start_day = float(scenario.day(spec.start))
    projects = []
    for i, p in enumerate(spec.projects):
        stream = world.streams(f"build:{p.id}")
        preparation = max(0.0, p.preparation_days.sample(stream.next()))
        build = max(1.0, p.build_days.sample(stream.next()))
        ramp = max(0.0, p.ramp_up_days.sample(stream.next()))
        progress = float(p.progress_at_start)
        if progress > 0:
            rate = float(p.capex) / build
        else:
            rate = float(p.capex) * (1.0 - float(p.upfront_share)) / build
        earliest = start_day if p.earliest_start is None else max(start_day,
                                                                  scenario.day(p.earliest_start))
        project = Project(i, p, world.plan.component_index[p.component], preparation,
                          build, ramp, rate, float(earliest), progress > 0)
        if p.tooling:
            project.tooling_total = p.tooling_orders()
            project.tooling_need = math.ceil(
                float(p.tooling_start_share) * project.tooling_total - 1e-9)
            # a plant under way has the same share of its tooling installed before the run
            project.tooling_installed = math.floor(progress * project.tooling_total + 1e-9)
        projects.append(project)
    stage = InvestmentStage(world, spec, projects)
    env = world.env
    env.process(fund_programme(env, stage))
    env.process(start_projects_under_way(env, stage))
    env.process(review_projects(env, stage))
    env.process(open_at_earliest_starts(env, stage))
    return stage
