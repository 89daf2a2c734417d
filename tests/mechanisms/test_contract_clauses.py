"""Each clause of the public contracts rejects a member that breaks exactly it, with its own
sentence, and lets through a member that meets it at the boundary."""

from __future__ import annotations

import numpy as np
import pytest

from mechanisms.access.base import Admission
from mechanisms.access.permissionless import RegistrationBurn
from mechanisms.consensus.base import ConsensusOutcome
from mechanisms.contracts import ContractViolation
from mechanisms.contracts import check_liveness as check
from mechanisms.governance.base import GovernanceOutcome
from mechanisms.incentive.base import Rewards
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.market.base import Allocation
from mechanisms.market.posted_price import PostedPrice
from sim.units import UNITS_PER_TOKEN

LIMIT = 2.0
REVENUE = 100 * UNITS_PER_TOKEN  # what check_incentive's consumers pay


class Market:
    """PostedPrice at LIMIT with its allocation rewritten by ``edit(out, cost, capacity)``."""

    def __init__(self, edit):
        self.inner, self.edit, self.price = PostedPrice(price=LIMIT), edit, LIMIT

    def allocate(self, demand, capacity, unit_cost):
        out = self.inner.allocate(demand, capacity, unit_cost)
        return self.edit(out, np.asarray(unit_cost), np.asarray(capacity), np.asarray(demand))


def _dear_trades(out, cost, capacity, demand):
    if out.sold.sum() > 0:
        return out
    return Allocation(demand, np.array([demand.sum(), 0.0]), cost)


MARKETS = {
    "no unit traded although every seller's cost is below the limit": lambda o, *_: Allocation(
        0 * o.units, 0 * o.sold, o.price
    ),
    "units bought differ from units sold": lambda o, *_: Allocation(2 * o.units, o.sold, o.price),
    f"a unit traded above the buyers' limit {LIMIT}": lambda o, *_: Allocation(
        o.units, o.sold, o.price + 1.0
    ),
    "a provider sold at a loss": lambda o, cost, *_: Allocation(o.units, o.sold, 0.5 * cost),
    "units traded although every cost exceeds the buyers' limit": _dear_trades,
}


def test_a_market_selling_exactly_at_cost_or_at_the_limit_meets_its_contract():
    check("market", Market(lambda o, cost, *_: Allocation(o.units, o.sold, cost)))
    check("market", Market(lambda o, *_: Allocation(o.units, o.sold, np.full_like(o.price, LIMIT))))


class Access:
    def __init__(self, edit):
        self.inner, self.edit = RegistrationBurn(burn=5.0), edit

    def admit(self, budgets, free_slots, active_count):
        return self.edit(self.inner.admit(budgets, free_slots, active_count), np.asarray(budgets))


ACCESS = {
    "no applicant admitted although all can pay and slots are free": lambda o, b: Admission(
        np.zeros_like(o.admitted), 0 * o.burn, o.entry_cost
    ),
    "a burn exceeds the applicant's budget": lambda o, b: Admission(
        o.admitted, (2 * b * UNITS_PER_TOKEN).astype(np.int64), o.entry_cost
    ),
    "an applicant admitted with no free slot": lambda o, b: Admission(
        np.ones_like(o.admitted), o.burn, o.entry_cost
    ),
}


def test_an_access_rule_burning_a_whole_budget_meets_its_contract():
    whole = lambda o, b: Admission(o.admitted, (b * UNITS_PER_TOKEN).astype(np.int64), 0.0)  # noqa: E731
    check("access", Access(whole))


class Incentive:
    def __init__(self, edit):
        self.inner, self.edit = ProportionalEmission(), edit

    def allocate(self, contributions):
        return self.edit(self.inner.allocate(contributions))


def _with(out: Rewards, **changes) -> Rewards:
    fields = {
        "builders": out.builders.copy(),
        "validators": out.validators.copy(),
        "data_providers": out.data_providers.copy(),
        "minted": out.minted,
        "kept": out.kept,
    }
    fields.update(changes)
    return Rewards(**fields)


def _pays_idle(group: str, index: int):
    def edit(out):
        paid = getattr(out, group).copy()
        paid[index] += 1
        return _with(out, **{group: paid})

    return edit


INCENTIVES = {
    f"nobody paid although 0 units were minted and {REVENUE} collected": lambda o: _with(
        o,
        builders=0 * o.builders,
        validators=0 * o.validators,
        data_providers=0 * o.data_providers,
        minted=0,
    ),
    "a builder that contributed nothing was paid": _pays_idle("builders", 2),
    "a data provider that contributed nothing was paid": _pays_idle("data_providers", 1),
    "more paid and kept than was minted and collected": lambda o: _with(o, kept=o.minted + REVENUE),
}


def test_an_incentive_paying_a_single_unit_meets_its_contract():
    def one_unit(out):
        builders = np.zeros_like(out.builders)
        builders[0] = 1
        zero_v, zero_d = np.zeros_like(out.validators), np.zeros_like(out.data_providers)
        return _with(out, builders=builders, validators=zero_v, data_providers=zero_d, minted=0)

    check("incentive", Incentive(one_unit))


def test_an_incentive_paying_out_exactly_what_came_in_meets_its_contract():
    def everything(out):
        builders = np.zeros_like(out.builders)
        builders[0] = out.minted + REVENUE
        zero_v, zero_d = np.zeros_like(out.validators), np.zeros_like(out.data_providers)
        return _with(out, builders=builders, validators=zero_v, data_providers=zero_d, kept=0)

    check("incentive", Incentive(everything))


class Consensus:
    """Answers every round with a fixed outcome for 3 builders."""

    def __init__(self, accepted, weight, committed=True):
        self.accepted, self.weight, self.committed = np.array(accepted), np.array(weight), committed

    def init(self, n_validators, n_builders):
        return None

    def step(self, state, stake, weights, active):
        stake = np.asarray(stake, float)
        return state, ConsensusOutcome(
            self.accepted, self.weight, stake / stake.sum(), stake, self.committed
        )


CONSENSUS = {
    "a round in which every evaluator agrees was not committed": Consensus(
        [False, True, False], [0.0, 1.0, 0.0], committed=False
    ),
    "a submission every evaluator backs was rejected": Consensus([False] * 3, [0.0, 1.0, 0.0]),
    "a submission nobody backs was accepted": Consensus([True, True, False], [0.0, 1.0, 0.0]),
    "the only backed builder lacks all weight": Consensus([False, True, False], [0.5, 0.5, 0.0]),
}


def test_a_consensus_that_accepts_exactly_the_backed_submission_meets_its_contract():
    check("consensus", Consensus([False, True, False], [0.0, 1.0, 0.0]))


class Mean:
    def __call__(self, updates, weights=None):
        return np.asarray(updates).mean(axis=0)


class Zero(Mean):
    def __call__(self, updates, weights=None):
        return np.zeros(np.shape(updates)[1])


class MeanClaimingTolerance(Mean):
    def tolerated(self, n):
        return (n - 1) // 2


class MeanClaimingAClip(Mean):
    max_norm = 1.0


class MeanAtTheClip(MeanClaimingAClip):
    """Rescales the mean to length exactly max_norm when longer: the clip's boundary."""

    def __call__(self, updates, weights=None):
        out = super().__call__(updates)
        norm = np.linalg.norm(out)
        return out if norm <= self.max_norm else out * (self.max_norm / norm)


class Inside(MeanClaimingTolerance):
    """Returns an honest coordinate bound exactly: the tolerance clause's boundary."""

    def __call__(self, updates, weights=None):
        updates = np.asarray(updates)
        if np.ptp(updates, axis=0).max() == 0:
            return updates[0]
        honest = updates[self.tolerated(len(updates)) :]
        return honest.min(axis=0)


class Off(MeanClaimingTolerance):
    """Claims (n − 1) // 2 and answers ``shift`` beyond one side of the honest range."""

    def __init__(self, shift, side):
        self.shift, self.side = shift, side

    def __call__(self, updates, weights=None):
        updates = np.asarray(updates)
        if np.ptp(updates, axis=0).max() == 0:
            return updates[0]
        honest = updates[self.tolerated(len(updates)) :]
        edge = honest.max(axis=0) if self.side > 0 else honest.min(axis=0)
        return edge + self.side * self.shift


class AtTheGlobalMaximum(Off):
    """Every coordinate at the largest honest value of any coordinate: outside the honest range
    of all the others."""

    def __init__(self):
        super().__init__(0.0, 1)

    def __call__(self, updates, weights=None):
        updates = np.asarray(updates)
        if np.ptp(updates, axis=0).max() == 0:
            return updates[0]
        return np.full(updates.shape[1], updates[self.tolerated(len(updates)) :].max())


class MeanClaimingOne(Mean):
    def tolerated(self, n):
        return 1


AGGREGATION = {
    "clients in full agreement were overruled": Zero(),
    "7 of 15 extreme updates moved the result outside the honest range, although the rule "
    "claims to tolerate 7": MeanClaimingTolerance(),
    "the aggregate is longer than the clipping norm": MeanClaimingAClip(),
}
OUTSIDE = "{k} of 15 extreme updates moved the result outside the honest range, although the rule claims to tolerate {k}"
AGGREGATES_OUTSIDE = {
    "half a unit above": (Off(0.5, +1), 7),
    "half a unit below": (Off(0.5, -1), 7),
    "at the largest value of any coordinate": (AtTheGlobalMaximum(), 7),
    "the mean, claiming one": (MeanClaimingOne(), 1),
}


@pytest.mark.parametrize("case", AGGREGATES_OUTSIDE)
def test_an_aggregate_outside_the_honest_range_by_any_margin_breaks_the_tolerance(case):
    rule, k = AGGREGATES_OUTSIDE[case]
    with pytest.raises(ContractViolation) as caught:
        check("aggregation", rule)
    assert str(caught.value) == OUTSIDE.format(k=k)


class WeightsRequired:
    """The coordinate median, insisting on the family's full call ``rule(updates, weights)``."""

    def __call__(self, updates, weights):
        return np.median(np.asarray(updates), axis=0)

    def tolerated(self, n):
        return (n - 1) // 2


@pytest.mark.parametrize(
    "rule",
    [MeanAtTheClip(), Inside(), WeightsRequired()],
    ids=["at-the-clip", "on-the-edge", "weights-required"],
)
def test_an_aggregate_on_the_boundary_meets_its_contract(rule):
    check("aggregation", rule)


class Governance:
    def __init__(self, passes):
        self.passes = passes

    def decide(self, votes, balances, is_owner):
        votes = np.asarray(votes)
        return GovernanceOutcome(bool(self.passes(votes)), np.asarray(balances), 0.0, 0.0, 1.0)


GOVERNANCE = {
    "unanimous support failed": Governance(lambda v: False),
    "unanimous opposition passed": Governance(lambda v: True),
    "abstention passed": Governance(lambda v: not (v < 0).all()),
}


CLAUSES = [
    *[("market", message, Market(MARKETS[message])) for message in MARKETS],
    *[("access", message, Access(ACCESS[message])) for message in ACCESS],
    *[("incentive", message, Incentive(INCENTIVES[message])) for message in INCENTIVES],
    *[("consensus", message, CONSENSUS[message]) for message in CONSENSUS],
    *[("aggregation", message, AGGREGATION[message]) for message in AGGREGATION],
    *[("governance", message, GOVERNANCE[message]) for message in GOVERNANCE],
]


@pytest.mark.parametrize(
    ("family", "message", "member"), CLAUSES, ids=[f"{f}: {m}" for f, m, _ in CLAUSES]
)
def test_each_contract_clause_rejects_the_member_that_breaks_it(family, message, member):
    with pytest.raises(ContractViolation) as caught:
        check(family, member)
    assert str(caught.value) == message


def test_an_unknown_family_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"family must be one of: market, access, .*; got 'mkt'"):
        check("mkt", PostedPrice())
