"""Metamorphic properties every member of a family must keep, checked over hypothesis draws.

A property relates two calls whose right outcomes are tied by a symmetry, so it needs no known
answer: relabelling the participants relabels the outcome; the units (stake, update magnitude)
do not matter; moving an outlier further away changes nothing for a rule that discards it.
The checks are plain functions over one mechanism instance that raise ``ContractViolation``
naming the property and, through hypothesis, the smallest draw that breaks it; the family
contracts (mechanisms.contracts) call them, so ``check_mechanism`` runs them on a mechanism from
any package.  Draws are derandomized: the same mechanism gets the same verdict every run.

A mechanism declares where a symmetry does not apply to it:
- aggregation: a rule with ``max_norm`` clips around the origin, so it is checked for scale
  equivariance with τ scaled alike and not for translation;
- consensus: ``fixed_positions`` leading evaluators hold a role by position (the platform's
  coordinator is evaluator 0) and keep it when the others are relabelled;
- incentive: ``monotone`` names the Contributions fields in which more never earns the
  contributor less;
- adaptation: ``tolerance`` is how closely a rule computed in single precision (JAX's default
  float32) keeps a symmetry (1e-12, double precision, unless it says otherwise).
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mechanisms.adaptation.base import check_probabilities
from mechanisms.incentive.base import Contributions


class ContractViolation(AssertionError):
    """A mechanism does not do what its family promises."""


def require(condition, message: str) -> None:
    if not condition:
        raise ContractViolation(message)


seeds = st.integers(0, 2**32 - 1)
# Update dimensions, and decimal exponents of the honest spread and of shifts and scales.
dimensions = st.integers(1, 6)
spread_exponents = st.integers(-6, 2)
magnitude_exponents = st.integers(-6, 8)


def for_all(examples: int = 30, **draws):
    """Run the decorated check over ``examples`` derandomized hypothesis draws, now."""

    def run(check):
        test = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )(given(**draws)(check))
        test()
        return check

    return run


def _close(a, b, atol: float, rtol: float = 1e-9) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


# Aggregation ------------------------------------------------------------------------------------


def _with_max_norm(rule, factor: float):
    scaled = copy.copy(rule)
    scaled.max_norm = rule.max_norm * factor
    return scaled


def check_aggregation_symmetries(rule) -> None:
    """Relabelling the clients changes nothing; scaling every update by λ scales the result by λ
    (with a clip norm scaled alike); adding c to every update adds c to the result (rules that do
    not clip), for spreads from 10⁻⁶ to 10² and λ, |c| from 10⁻⁶ to 10⁸."""
    clips = hasattr(rule, "max_norm")

    @for_all(
        n=st.integers(1, 12),
        d=dimensions,
        seed=seeds,
        spread=spread_exponents,
        scale=magnitude_exponents,
        shift=magnitude_exponents,
    )
    def symmetries(n, d, seed, spread, scale, shift):
        rng = np.random.default_rng(seed)
        s = 10.0**spread
        updates, weights = s * rng.normal(size=(n, d)), rng.uniform(0.5, 2.0, n)
        base = rule(updates, weights)
        order = rng.permutation(n)
        require(
            _close(rule(updates[order], weights[order]), base, 1e-9 * s),
            "relabelling the clients changed the aggregate",
        )
        factor = 10.0**scale
        scaled = _with_max_norm(rule, factor) if clips else rule
        require(
            _close(scaled(factor * updates, weights) / factor, base, 1e-9 * s),
            f"scaling every update by {factor:g} did not scale the aggregate alike",
        )
        if not clips:
            c = 10.0**shift * rng.choice([-1.0, 1.0], d)
            rounding = 8 * n * np.finfo(float).eps * 10.0**shift
            require(
                _close(rule(updates + c, weights) - c, base, 1e-9 * s + rounding),
                f"adding {10.0**shift:g} to every update moved the aggregate by another amount",
            )


def check_aggregation_outlier(rule) -> None:
    """For a rule that claims to tolerate an arbitrary update (``tolerated(n) ≥ 1``): with one
    update far from n − 1 honest ones, the result stays in the honest range per coordinate and
    does not depend on how far the update is, from 10 honest diameters to 10¹² of them."""
    if not hasattr(rule, "tolerated"):
        return

    @for_all(
        honest=st.integers(2, 12),
        d=dimensions,
        seed=seeds,
        spread=spread_exponents,
        shift=magnitude_exponents,
    )
    def outlier(honest, d, seed, spread, shift):
        if rule.tolerated(honest + 1) < 1:
            return
        rng = np.random.default_rng(seed)
        s = 10.0**spread
        centre = 10.0**shift * rng.choice([-1.0, 1.0], d) if shift - spread <= 8 else 0.0
        updates = centre + s * rng.normal(size=(honest, d))
        diameter = float(np.ptp(updates, axis=0).max()) or s
        direction = rng.choice([-1.0, 1.0], d)  # every coordinate leaves the honest range
        low, high = updates.min(axis=0), updates.max(axis=0)
        slack = 1e-9 * s + 8 * np.finfo(float).eps * np.abs(centre)
        results = []
        for distance in (10.0, 1e4, 1e12):
            attacked = np.vstack([updates, centre + distance * diameter * direction])
            out = rule(attacked, np.ones(honest + 1))
            require(
                np.all(out >= low - slack) and np.all(out <= high + slack),
                f"one update {distance:g} honest diameters away moved the result outside the "
                "honest range",
            )
            results.append(out)
        require(
            all(_close(r, results[0], slack) for r in results[1:]),
            "the result changed as the one far update moved further away (10 → 10¹² diameters)",
        )


# Consensus --------------------------------------------------------------------------------------


def _rounds(rng, n_validators, n_builders, rounds=3):
    out = []
    for _ in range(rounds):
        stake = rng.lognormal(0, 1, n_validators)
        weights = rng.uniform(0.2, 1.0, (n_validators, n_builders))
        weights[rng.random(weights.shape) < 0.3] = 0.0
        active = rng.random(n_validators) < 0.9
        active[0] = True
        out.append((stake, weights, active))
    return out


def _play(consensus, rounds):
    state = consensus.init(*rounds[0][1].shape)
    outcomes = []
    for stake, weights, active in rounds:
        state, outcome = consensus.step(state, stake, weights, active)
        outcomes.append(outcome)
    return outcomes


def _shares(power) -> np.ndarray:
    power = np.asarray(power, dtype=np.float64)
    return power / power.sum() if power.sum() > 0 else power


def _same_outcome(a, b, validators=None, builders=None) -> bool:
    """b is a's outcome with evaluators taken in ``validators`` order, builders in ``builders``
    (voting power compared as shares: members report it in stake units)."""
    v = slice(None) if validators is None else validators
    j = slice(None) if builders is None else builders
    return (
        a.committed == b.committed
        and np.array_equal(a.accepted[j], b.accepted)
        and _close(a.builder_weight[j], b.builder_weight, 1e-12)
        and _close(a.validator_weight[v], b.validator_weight, 1e-12)
        and _close(_shares(a.voting_power)[v], _shares(b.voting_power), 1e-12)
    )


def check_consensus_symmetries(consensus) -> None:
    """Over three rounds with the state carried: relabelling builders relabels the outcome;
    relabelling evaluators (all but the ``fixed_positions`` leading ones) relabels their credit
    and power and leaves the decision; multiplying every stake by λ changes nothing."""
    fixed = int(getattr(consensus, "fixed_positions", 0))

    @for_all(
        seed=seeds,
        n_validators=st.integers(1, 8),
        n_builders=st.integers(1, 8),
        stake_scale=st.integers(-3, 6),
    )
    def symmetries(seed, n_validators, n_builders, stake_scale):
        rng = np.random.default_rng(seed)
        rounds = _rounds(rng, n_validators, n_builders)
        base = _play(consensus, rounds)
        builders = rng.permutation(n_builders)
        moved = _play(consensus, [(s, w[:, builders], a) for s, w, a in rounds])
        require(
            all(_same_outcome(x, y, builders=builders) for x, y in zip(base, moved, strict=True)),
            "relabelling the builders did not relabel the outcome",
        )
        validators = np.concatenate(
            [
                np.arange(min(fixed, n_validators)),
                fixed + rng.permutation(max(n_validators - fixed, 0)),
            ]
        )
        moved = _play(
            consensus, [(s[validators], w[validators], a[validators]) for s, w, a in rounds]
        )
        require(
            all(
                _same_outcome(x, y, validators=validators) for x, y in zip(base, moved, strict=True)
            ),
            "relabelling the evaluators changed the decision or did not relabel their credit",
        )
        factor = 10.0**stake_scale
        moved = _play(consensus, [(factor * s, w, a) for s, w, a in rounds])
        require(
            all(_same_outcome(x, y) for x, y in zip(base, moved, strict=True)),
            f"multiplying every stake by {factor:g} changed the outcome",
        )


# Incentive --------------------------------------------------------------------------------------

# Which group of participants a Contributions field measures.
FIELD_GROUP = {
    "builders": "builders",
    "builder_stake": "builders",
    "builder_corr": "builders",
    "builder_mmc": "builders",
    "validators": "validators",
    "data_providers": "data_providers",
    "data_stake": "data_providers",
}
PER_BUILDER = ("builder_stake", "builder_corr", "builder_mmc")


def draw_contributions(rng, n_builders, n_validators, n_data, revenue) -> Contributions:
    """Contributions with every optional field filled, as the economy fills them; some
    participants contributed nothing."""
    builders = rng.uniform(0, 10, n_builders) * (rng.random(n_builders) < 0.8)
    return with_builders(
        Contributions(
            builders,
            rng.uniform(0, 1, n_validators) * (rng.random(n_validators) < 0.8),
            rng.uniform(0, 100, n_data) * (rng.random(n_data) < 0.8),
            revenue,
            builder_stake=rng.uniform(0, 50, n_builders),
            builder_corr=rng.uniform(-0.2, 0.2, n_builders),
            builder_mmc=rng.uniform(-0.05, 0.05, n_builders),
            data_stake=rng.uniform(0, 50, n_data),
        ),
        builders,
    )


def with_builders(c: Contributions, builders) -> Contributions:
    """``c`` with new builder contributions and the additive coalition value that goes with
    them (a coalition is worth the sum of its members' contributions)."""
    builders = np.asarray(builders, dtype=np.float64)
    return replace(c, builders=builders, builder_utility=lambda mask: float(builders[mask].sum()))


def relabelled(c: Contributions, builders, validators, data) -> Contributions:
    take = lambda x, order: None if x is None else np.asarray(x)[order]  # noqa: E731
    moved = replace(
        c,
        validators=take(c.validators, validators),
        data_providers=take(c.data_providers, data),
        data_stake=take(c.data_stake, data),
        **{name: take(getattr(c, name), builders) for name in PER_BUILDER},
    )
    return with_builders(moved, np.asarray(c.builders)[builders])


def _rewards(out):
    """Each group's net pay: rewards less what was burned from them (Numerai's stake at risk)."""
    builders = np.asarray(out.builders, dtype=np.int64)
    if out.builder_burns is not None:
        builders = builders - np.asarray(out.builder_burns, dtype=np.int64)
    return {
        "builders": builders,
        "validators": out.validators,
        "data_providers": out.data_providers,
    }


def check_incentive_symmetries(incentive) -> None:
    """Relabelling the contributors relabels their rewards (to one unit of rounding); a contributor whose measure in a
    field the mechanism lists in ``monotone`` grows is never paid less (to one unit)."""
    monotone = tuple(getattr(incentive, "monotone", ()))
    unknown = set(monotone) - set(FIELD_GROUP)
    require(not unknown, f"monotone names unknown fields {sorted(unknown)}")

    @for_all(
        seed=seeds,
        n_builders=st.integers(1, 8),
        n_validators=st.integers(1, 6),
        n_data=st.integers(1, 6),
        revenue=st.integers(0, 10**9),
    )
    def symmetries(seed, n_builders, n_validators, n_data, revenue):
        rng = np.random.default_rng(seed)
        c = draw_contributions(rng, n_builders, n_validators, n_data, revenue)
        base = incentive.allocate(c)
        slack = 1.0  # a unit that largest-remainder rounding may hand to another on a tie
        orders = {
            "builders": rng.permutation(n_builders),
            "validators": rng.permutation(n_validators),
            "data_providers": rng.permutation(n_data),
        }
        moved = _rewards(incentive.allocate(relabelled(c, *orders.values())))
        for group, paid in _rewards(base).items():
            require(
                np.allclose(np.asarray(paid)[orders[group]], moved[group], rtol=0, atol=slack),
                f"relabelling the {group.replace('_', ' ')} did not relabel their rewards",
            )
        for name in monotone:
            values = np.array(getattr(c, name), dtype=np.float64)
            k = int(rng.integers(len(values)))
            values[k] += abs(values[k]) * rng.uniform(0.1, 2.0) + rng.uniform(0.01, 1.0)
            more = with_builders(c, values) if name == "builders" else replace(c, **{name: values})
            group = FIELD_GROUP[name]
            before = _rewards(base)[group][k]
            after = _rewards(incentive.allocate(more))[group][k]
            require(
                after >= before - slack,
                f"a contributor paid {before} units was paid {after} after its {name} grew",
            )


# Market, governance, adaptation -----------------------------------------------------------------


def _equal_up_to_twins(expected, got, traits) -> bool:
    """``got`` equals ``expected`` where participants differ, and holds the same values among
    participants with identical ``traits`` rows (twins may trade places)."""
    _, twin = np.unique(np.asarray(traits).reshape(len(expected), -1), axis=0, return_inverse=True)
    order = np.lexsort((expected, twin)), np.lexsort((got, twin))
    return _close(np.asarray(expected)[order[0]], np.asarray(got)[order[1]], 1e-9)


def check_market_symmetries(market) -> None:
    """Relabelling buyers and sellers relabels the allocation (up to twins: traders identical in
    what the market sees may trade places)."""

    @for_all(seed=seeds, n_buyers=st.integers(1, 10), n_sellers=st.integers(1, 10))
    def symmetries(seed, n_buyers, n_sellers):
        rng = np.random.default_rng(seed)
        # Whole units, so that traders equal to a market that counts units are equal here too.
        demand = rng.integers(0, 11, n_buyers).astype(float)
        capacity = rng.integers(0, 11, n_sellers).astype(float)
        cost = rng.uniform(0, 2, n_sellers) * market.price
        base = market.allocate(demand, capacity, cost)
        buyers, sellers = rng.permutation(n_buyers), rng.permutation(n_sellers)
        moved = market.allocate(demand[buyers], capacity[sellers], cost[sellers])
        book = np.column_stack([capacity, cost])[sellers]
        require(
            _equal_up_to_twins(base.units[buyers], moved.units, demand[buyers])
            and _equal_up_to_twins(base.sold[sellers], moved.sold, book)
            and _equal_up_to_twins(
                np.where(base.sold > 0, base.price, 0)[sellers],
                np.where(moved.sold > 0, moved.price, 0),
                book,
            ),
            "relabelling the buyers and sellers did not relabel the allocation",
        )


def check_governance_symmetries(governance) -> None:
    """Relabelling the accounts relabels their power and leaves the decision; multiplying every
    balance by λ changes no decision."""

    @for_all(seed=seeds, n=st.integers(2, 20), balance_scale=st.integers(-3, 6))
    def symmetries(seed, n, balance_scale):
        rng = np.random.default_rng(seed)
        votes, balances = rng.integers(-1, 2, n), rng.uniform(0.1, 10, n)
        owner = np.zeros(n, bool)
        owner[rng.integers(n)] = True
        base = governance.decide(votes, balances, owner)
        order = rng.permutation(n)
        moved = governance.decide(votes[order], balances[order], owner[order])
        require(
            moved.passed == base.passed
            and _close(np.asarray(base.power)[order], moved.power, 1e-12),
            "relabelling the accounts changed the decision or did not relabel their power",
        )
        factor = 10.0**balance_scale
        require(
            governance.decide(votes, factor * balances, owner).passed == base.passed,
            f"multiplying every balance by {factor:g} changed the decision",
        )


def check_adaptation_symmetries(rule) -> None:
    """Relabelling the strategies relabels the policy, step after step."""

    @for_all(examples=20, seed=seeds, informed=st.booleans())
    def symmetries(seed, informed):
        n, k = 12, 4
        rng = np.random.default_rng(seed)
        rows = check_probabilities(rng.dirichlet(np.ones(k), n))
        order = rng.permutation(k)  # strategy j is called order[j] in the relabelled game
        inverse = np.argsort(order)
        state, moved = rule.init(rows), rule.init(rows[:, inverse])
        for step in range(4):
            chosen, payoffs = rng.integers(0, k, n), rng.normal(size=n)
            counterfactual = rng.normal(size=(n, k)) if informed else None
            renamed = None if counterfactual is None else counterfactual[:, inverse]
            state = rule.step(state, chosen, payoffs, np.random.default_rng(step), counterfactual)
            moved = rule.step(moved, order[chosen], payoffs, np.random.default_rng(step), renamed)
            tolerance = getattr(rule, "tolerance", 1e-12)
            require(
                _close(rule.policy(moved), np.asarray(rule.policy(state))[:, inverse], tolerance),
                "relabelling the strategies did not relabel the policy",
            )


def check_scoring_symmetries(rule) -> None:
    """Relabelling the evaluators relabels the rows; a submission's weight depends on its score,
    not on its position, when no two scores are near each other (a rule may break near-ties by
    position); adding c to every score and baseline moves no weight of a rule that reads only
    differences (declared ``translation_invariant``)."""

    @for_all(seed=seeds, evaluators=st.integers(1, 6), builders=st.integers(1, 10))
    def symmetries(seed, evaluators, builders):
        rng = np.random.default_rng(seed)
        # Distinct scores 0.02 apart at least: no near-tie for a rule to break by position.
        grid = rng.permutation(40)[:builders] * 0.02 + 0.1
        scores = np.array([rng.permutation(grid) for _ in range(evaluators)])
        scores[rng.random(scores.shape) < 0.2] = np.nan
        baseline = rng.uniform(0.1, 0.9, evaluators)
        base = np.asarray(rule.weigh(scores, baseline))
        rows, columns = rng.permutation(evaluators), rng.permutation(builders)
        moved = np.asarray(rule.weigh(scores[rows][:, columns], baseline[rows]))
        require(
            _close(moved, base[rows][:, columns], 1e-12),
            "relabelling evaluators or submissions did not relabel the weights",
        )
        if getattr(rule, "translation_invariant", False):
            shifted = np.asarray(rule.weigh(scores + 0.05, baseline + 0.05))
            require(
                _close(shifted, base, 1e-9),
                "adding the same amount to every score and baseline changed the weights",
            )
