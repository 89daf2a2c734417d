"""Liveness and sufficiency contracts every member of a mechanism family must meet.

The Protocols in ``mechanisms/<family>/base.py`` fix shapes and types; a member that does nothing
(never trades, pays nobody, admits nobody, accepts nothing, returns a zero update) meets them all.
These checks ask each member to do its job on small inputs where the right outcome is not in
doubt, so a do-nothing member fails them.  They are plain functions over one mechanism instance
that raise ``ContractViolation`` with a sentence naming what went wrong, so a mechanism written in
another package is checked the same way::

    from mechanisms.contracts import check
    check("market", MyMarket())

Each contract ends with its family's metamorphic properties (mechanisms.metamorphic: relabelling,
units, outliers), checked over derandomized hypothesis draws.

The repository's own tests run them over every YAML member of configs/<family>/.
"""

from __future__ import annotations

import numpy as np

from mechanisms import metamorphic
from mechanisms.incentive.base import MEASUREMENTS, Contributions
from mechanisms.metamorphic import ContractViolation
from mechanisms.metamorphic import require as _require
from sim.units import UNITS_PER_TOKEN

__all__ = ["CHECKS", "ContractViolation", "check", "check_liveness"]


def check_market(market) -> None:
    """A market trades when a buyer's value exceeds a seller's cost, and never above the buyer's
    limit (``market.price``: the posted price, the ceiling or the bid value)."""
    limit = float(market.price)
    demand = np.array([4.0, 3.0])
    capacity = np.array([10.0, 10.0])
    cost = np.array([0.1, 0.2]) * limit
    out = market.allocate(demand, capacity, cost)
    _require(out.units.sum() > 0, "no unit traded although every seller's cost is below the limit")
    _require(np.isclose(out.units.sum(), out.sold.sum()), "units bought differ from units sold")
    selling = out.sold > 0
    _require(
        np.all(out.price[selling] <= limit + 1e-9),
        f"a unit traded above the buyers' limit {limit}",
    )
    _require(np.all(out.price[selling] >= cost[selling] - 1e-12), "a provider sold at a loss")
    # Sellers whose cost is above the limit cannot trade with anyone.
    dear = market.allocate(demand, capacity, np.full(2, 2.0 * limit + 1.0))
    _require(dear.sold.sum() == 0, "units traded although every cost exceeds the buyers' limit")


def check_access(access) -> None:
    """An applicant who can pay is admitted while slots are free; nobody is admitted into no
    free slot."""
    budgets = np.array([1e6, 1e6, 1e6])
    out = access.admit(budgets, 3, 0)
    _require(out.admitted.any(), "no applicant admitted although all can pay and slots are free")
    _require(np.all(out.burn / UNITS_PER_TOKEN <= budgets), "a burn exceeds the applicant's budget")
    full = access.admit(budgets, 0, 10)
    _require(not full.admitted.any(), "an applicant admitted with no free slot")


def check_incentive(incentive) -> None:
    """Whenever there is emission or revenue, some contributor is paid something, and a
    participant who contributed nothing is paid nothing."""
    needs = set(getattr(incentive, "needs", ()))
    _require(needs <= MEASUREMENTS, f"needs unknown measurements {sorted(needs - MEASUREMENTS)}")
    builders = np.array([3.0, 1.0, 0.0])
    revenue = 100 * UNITS_PER_TOKEN
    contributions = Contributions(
        builders,
        np.array([1.0, 2.0]),
        np.array([5.0, 0.0, 1.0]),
        revenue,
        builder_utility=lambda mask: float(builders[mask].sum()),
        builder_stake=np.array([10.0, 10.0, 10.0]),
        builder_corr=np.array([0.1, 0.05, 0.0]),
        builder_mmc=np.array([0.02, 0.01, 0.0]),
        data_stake=np.array([5.0, 5.0, 5.0]),
    )
    out = incentive.allocate(contributions)
    _require(
        out.total > 0,
        f"nobody paid although {out.minted} units were minted and {revenue} collected",
    )
    _require(out.builders[2] == 0, "a builder that contributed nothing was paid")
    _require(out.data_providers[1] == 0, "a data provider that contributed nothing was paid")
    if out.minted > 0:
        _require(
            out.total + out.kept + out.burned <= out.minted + revenue,
            "more paid and kept than was minted and collected",
        )


def check_consensus(consensus) -> None:
    """A submission every active evaluator backs is accepted and committed; one nobody backs is
    not; the backed one takes all builder weight."""
    n_validators, n_builders = 4, 3
    stake = np.array([1.0, 2.0, 3.0, 4.0])
    weights = np.zeros((n_validators, n_builders))
    weights[:, 1] = 1.0
    _, out = consensus.step(
        consensus.init(n_validators, n_builders), stake, weights, np.ones(n_validators, bool)
    )
    _require(out.committed, "a round in which every evaluator agrees was not committed")
    _require(bool(out.accepted[1]), "a submission every evaluator backs was rejected")
    _require(not out.accepted[[0, 2]].any(), "a submission nobody backs was accepted")
    _require(np.isclose(out.builder_weight[1], 1.0), "the only backed builder lacks all weight")


def check_aggregation(rule, n: int = 15, d: int = 5) -> None:
    """Clients that agree get their common update; a rule that tolerates k arbitrary updates
    (``rule.tolerated(n)``) stays within the honest updates' range when k of n are extreme; a
    rule that clips (``rule.max_norm``) never moves the model further than the clip."""
    rng = np.random.default_rng(0)
    common = 0.1 * rng.normal(size=d) / np.sqrt(d)
    agreed = rule(np.tile(common, (n, 1)), np.ones(n))
    _require(np.allclose(agreed, common, atol=1e-9), "clients in full agreement were overruled")
    honest = 0.1 * rng.normal(size=(n, d)) / np.sqrt(d)
    k = int(rule.tolerated(n)) if hasattr(rule, "tolerated") else 0
    if k > 0:
        attacked = honest.copy()
        attacked[:k] = 1e6
        out = rule(attacked, np.ones(n))
        low, high = honest[k:].min(axis=0), honest[k:].max(axis=0)
        _require(
            np.all(out >= low - 1e-9) and np.all(out <= high + 1e-9),
            f"{k} of {n} extreme updates moved the result outside the honest range, although "
            f"the rule claims to tolerate {k}",
        )
    if hasattr(rule, "max_norm"):
        attacked = honest.copy()
        attacked[0] = 1e6
        _require(
            np.linalg.norm(rule(attacked, np.ones(n))) <= rule.max_norm + 1e-9,
            "the aggregate is longer than the clipping norm",
        )


def check_governance(governance) -> None:
    """Unanimous support passes, unanimous opposition and abstention do not."""
    n = 5
    balances = np.linspace(1.0, 5.0, n)
    owner = np.zeros(n, bool)
    owner[0] = True
    _require(governance.decide(np.ones(n), balances, owner).passed, "unanimous support failed")
    _require(
        not governance.decide(-np.ones(n), balances, owner).passed, "unanimous opposition passed"
    )
    _require(not governance.decide(np.zeros(n), balances, owner).passed, "abstention passed")


def check_adaptation(rule) -> None:
    """Rows stay probability vectors through steps with and without counterfactual payoffs, and
    the same rng gives the same play (the family's liveness is each rule's own closed form:
    Fixed legitimately never moves)."""
    from mechanisms.adaptation.base import draw

    def run(informed: bool):
        rng = np.random.default_rng(7)
        rows = rng.dirichlet(np.ones(3), 8)
        state, seen = rule.init(rows), []
        for _ in range(4):
            policy = np.asarray(rule.policy(state), dtype=np.float64)
            _require(policy.shape == (8, 3), f"policy has shape {policy.shape}, not (8, 3)")
            _require(
                np.all(policy >= 0) and np.allclose(policy.sum(axis=1), 1.0),
                "a policy row is not a probability vector",
            )
            seen.append(policy)
            chosen = draw(policy, rng)
            counterfactual = rng.normal(size=(8, 3)) if informed else None
            payoffs = rng.normal(size=8)
            state = rule.step(state, chosen, payoffs, rng, counterfactual)
        return seen

    for informed in (False, True):
        first, second = run(informed), run(informed)
        _require(
            all(np.array_equal(a, b) for a, b in zip(first, second, strict=True)),
            "the same rng gave different play",
        )


def check_scoring(rule) -> None:
    """Weights are finite and non-negative, 0 where nothing was scored; a submission that beats
    the network model by a clear margin is weighted, and the best of a row gets the row's most
    weight."""
    scores = np.array([[0.50, 0.62, np.nan, 0.55], [0.58, np.nan, 0.71, 0.40]])
    baseline = np.array([0.50, 0.55])
    weights = np.asarray(rule.weigh(scores, baseline), dtype=float)
    _require(weights.shape == scores.shape, f"weights of shape {weights.shape}, not {scores.shape}")
    _require(
        np.all(np.isfinite(weights)) and np.all(weights >= 0), "a weight is negative or not finite"
    )
    _require(np.all(weights[np.isnan(scores)] == 0), "a submission nobody scored has weight")
    for row, best in ((0, 1), (1, 2)):
        _require(weights[row].sum() > 0, "no weight although a submission beats the network model")
        _require(
            weights[row, best] == weights[row].max(),
            "the best submission of an evaluator does not get its most weight",
        )


LIVENESS = {
    "market": check_market,
    "access": check_access,
    "incentive": check_incentive,
    "consensus": check_consensus,
    "aggregation": check_aggregation,
    "governance": check_governance,
    "adaptation": check_adaptation,
    "scoring": check_scoring,
}

PROPERTIES = {
    "market": (metamorphic.check_market_symmetries,),
    "access": (),
    "incentive": (metamorphic.check_incentive_symmetries,),
    "consensus": (metamorphic.check_consensus_symmetries,),
    "aggregation": (
        metamorphic.check_aggregation_symmetries,
        metamorphic.check_aggregation_outlier,
    ),
    "governance": (metamorphic.check_governance_symmetries,),
    "adaptation": (metamorphic.check_adaptation_symmetries,),
    "scoring": (metamorphic.check_scoring_symmetries,),
}


def _contract(family: str):
    def run(mechanism) -> None:
        LIVENESS[family](mechanism)
        for holds in PROPERTIES[family]:
            holds(mechanism)

    run.__doc__ = f"The {family} contract: liveness, then the metamorphic properties."
    return run


CHECKS = {family: _contract(family) for family in LIVENESS}


def _family(family: str) -> str:
    if family not in CHECKS:
        raise ValueError(f"family must be one of: {', '.join(CHECKS)}; got {family!r}")
    return family


def check(family: str, mechanism) -> None:
    """Run the whole contract of ``family`` on ``mechanism``: liveness and sufficiency, then the
    metamorphic properties."""
    CHECKS[_family(family)](mechanism)


def check_liveness(family: str, mechanism) -> None:
    """Run only the liveness and sufficiency clauses of ``family`` (each clause is tested by a
    member that breaks it alone, which need not keep the symmetries)."""
    LIVENESS[_family(family)](mechanism)
