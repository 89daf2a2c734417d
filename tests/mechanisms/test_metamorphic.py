"""Every metamorphic property of mechanisms.metamorphic, broken on purpose once: a member that
breaks exactly one symmetry fails the property that states it (the members that keep them all
are checked by test_contracts.py through check_mechanism)."""

from __future__ import annotations

import numpy as np
import pytest

from mechanisms import metamorphic
from mechanisms.adaptation.hedge import Hedge
from mechanisms.aggregation import robust
from mechanisms.aggregation.robust import CoordinateMedian, Krum, NormClipping
from mechanisms.consensus.central_authority import CentralAuthority
from mechanisms.consensus.voting import StakeMajority
from mechanisms.contracts import ContractViolation
from mechanisms.governance.token_vote import TokenVote
from mechanisms.incentive.numerai import NumeraiStake
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.market.base import Allocation
from mechanisms.market.double_auction import DoubleAuction


class RoundedTieKrum(Krum):
    """Krum as it was: scores rounded to 12 decimals of the largest score before the tie-break
    by value."""

    def __call__(self, updates, weights=None):
        updates = np.asarray(updates, dtype=np.float64)
        if len(updates) < 2:
            return super().__call__(updates, weights)
        scores = robust.krum_scores(updates, self.f)
        key = np.round(scores / max(scores.max(), 1e-300), 12)
        order = np.lexsort((*updates.T[::-1], key))
        return updates[order[: self.multi]].mean(axis=0)


def gram_distances(updates, budget_bytes=0):
    squares = np.einsum("ij,ij->i", updates, updates)
    return np.maximum(squares[:, None] + squares[None, :] - 2 * updates @ updates.T, 0.0)


def test_krum_with_scores_rounded_against_the_largest_fails_the_outlier_property():
    with pytest.raises(ContractViolation, match="as the one far update moved further away"):
        metamorphic.check_aggregation_outlier(RoundedTieKrum(f=1))
    metamorphic.check_aggregation_outlier(Krum(f=1))


def test_krum_with_gram_form_distances_fails_translation(monkeypatch):
    monkeypatch.setattr(robust, "squared_distances", gram_distances)
    with pytest.raises(ContractViolation, match="adding .* to every update"):
        metamorphic.check_aggregation_symmetries(Krum(f=1))


def test_a_rule_that_favours_the_first_client_fails_relabelling():
    class FirstCounted(CoordinateMedian):
        def __call__(self, updates, weights=None):
            updates = np.asarray(updates, dtype=np.float64)
            return super().__call__(np.vstack([updates[:1], updates]) if len(updates) else updates)

    with pytest.raises(ContractViolation, match="relabelling the clients"):
        metamorphic.check_aggregation_symmetries(FirstCounted())


def test_a_clip_that_ignores_its_own_scale_fails_scale_equivariance():
    class Floored(NormClipping):  # a floor of 1e-3 on every norm does not scale
        def __call__(self, updates, weights=None):
            out = super().__call__(updates, weights)
            return np.where(np.abs(out) < 1e-3, 0.0, out)

    with pytest.raises(ContractViolation, match="scaling every update"):
        metamorphic.check_aggregation_symmetries(Floored(1.0))


def test_the_coordinator_relabelled_away_fails_without_its_fixed_position(monkeypatch):
    metamorphic.check_consensus_symmetries(CentralAuthority())
    monkeypatch.setattr(CentralAuthority, "fixed_positions", 0)
    with pytest.raises(ContractViolation, match="relabelling the evaluators"):
        metamorphic.check_consensus_symmetries(CentralAuthority())


def test_a_stake_threshold_in_tokens_fails_stake_scaling():
    class TokenFloor(StakeMajority):  # evaluators with under 1 token of stake do not count
        def power(self, stake):
            return np.where(stake >= 1.0, stake, 0.0)

    with pytest.raises(ContractViolation, match="multiplying every stake"):
        metamorphic.check_consensus_symmetries(TokenFloor())


def test_a_consensus_that_favours_the_first_builder_fails_relabelling():
    class FirstBuilderFirst(StakeMajority):
        def step(self, state, stake, weights, active=None):
            weights = np.array(weights, dtype=np.float64)
            weights[:, :1] *= 2.0
            return super().step(state, stake, weights, active)

    with pytest.raises(ContractViolation, match="relabelling the builders"):
        metamorphic.check_consensus_symmetries(FirstBuilderFirst())


def test_an_incentive_with_a_bonus_for_the_first_builder_fails_relabelling():
    class FirstBonus(ProportionalEmission):
        def allocate(self, contributions):
            out = super().allocate(contributions)
            out.builders[0] += 10
            return out

    with pytest.raises(ContractViolation, match="relabelling the builders"):
        metamorphic.check_incentive_symmetries(FirstBonus())


def test_stake_is_not_monotone_in_numerai_and_a_claim_that_it_is_fails(monkeypatch):
    monkeypatch.setattr(NumeraiStake, "monotone", frozenset({"builder_stake"}))
    with pytest.raises(ContractViolation, match="after its builder_stake grew"):
        metamorphic.check_incentive_symmetries(NumeraiStake())


def test_a_double_auction_seeded_by_listing_order_fails_relabelling():
    """The double auction as it was: the random stream and the positions it drew came from the
    book in the order the traders were listed."""

    class ListingOrder(DoubleAuction):
        def allocate(self, demand, capacity, unit_cost):
            units, sold, price = self._trade(
                np.floor(demand), np.floor(capacity), np.asarray(unit_cost, dtype=np.float64)
            )
            return Allocation(units=units, sold=sold, price=price)

    with pytest.raises(ContractViolation, match="relabelling the buyers and sellers"):
        metamorphic.check_market_symmetries(ListingOrder())


def test_votes_counted_only_above_a_token_floor_fail_balance_scaling():
    class Floor(TokenVote):
        def decide(self, votes, balances, owner):
            return super().decide(np.where(np.asarray(balances) >= 5.0, votes, 0), balances, owner)

    with pytest.raises(ContractViolation, match="multiplying every balance"):
        metamorphic.check_governance_symmetries(Floor())


def test_an_adaptation_rule_that_favours_strategy_zero_fails_relabelling():
    class ZeroFirst(Hedge):
        def policy(self, state):
            policy = np.array(super().policy(state))
            policy[:, 0] += 0.5
            return policy / policy.sum(axis=1, keepdims=True)

    with pytest.raises(ContractViolation, match="relabelling the strategies"):
        metamorphic.check_adaptation_symmetries(ZeroFirst())
