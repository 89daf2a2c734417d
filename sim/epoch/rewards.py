"""Phase 8: rewards.  Consumers who find access worth its price pay the fee; then, when the round
committed and the operator is up, the incentive mechanism allocates rewards from the treasury to
builders, validators and data providers (minting its emission first).

Reads the decision, the submissions, the training data, balances and the governed price; returns
``Payments``.  The incentive receives ``Contributions``: the agreed builder and validator
credit, the records each provider contributed to accepted updates, the fees, each builder's stake
and prediction scores, and the coalition utility GTG-Shapley needs.
"""

from __future__ import annotations

import numpy as np

from mechanisms.incentive.base import Contributions
from sim.epoch.results import Decision, Faults, Payments, Submissions, TrainingData, Update
from sim.organisation import affordable
from sim.population import TREASURY
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN, to_units


def pay(
    world,
    decision: Decision,
    submissions: Submissions,
    data: TrainingData,
    update: Update,
    faults: Faults,
):
    revenue, buyers = consumer_payments(world, faults)
    outcome, p = decision.outcome, world.population
    if not (outcome.committed and faults.operator_up):
        return Payments(revenue, buyers, np.zeros(p.size), 0, 0, False)
    rewards = world.mechanisms.incentive.allocate(
        contributions(world, outcome, submissions, data, update, revenue)
    )
    ledger = world.ledger
    ledger.mint([TREASURY], [rewards.minted], "emission")
    builder_slots = p.blocks[Role.BUILDER]
    if rewards.builder_burns is not None:
        burns = np.minimum(rewards.builder_burns, ledger.balances[builder_slots])
        ledger.burn(builder_slots, burns, "stake at risk")
    slots = np.concatenate([builder_slots, p.blocks[Role.VALIDATOR], p.blocks[Role.DATA_PROVIDER]])
    amounts = affordable(
        ledger,
        TREASURY,
        np.concatenate([rewards.builders, rewards.validators, rewards.data_providers]),
    )
    ledger.transfer([TREASURY], slots, amounts, "reward", public=world.public)
    paid = np.zeros(p.size)
    np.add.at(paid, slots, amounts / UNITS_PER_TOKEN)
    newly = (paid > 0) & (p.first_reward < 0)
    p.first_reward[newly] = world.epoch
    spend = int(amounts.sum()) if world.organisation.pays_rewards_itself else 0
    return Payments(revenue, buyers, paid, int(rewards.minted), spend, bool(amounts.sum() > 0))


def contributions(world, outcome, submissions, data, update, revenue) -> Contributions:
    p, ledger, engine = world.population, world.ledger, world.engine
    data_slots, builder_slots = p.blocks[Role.DATA_PROVIDER], p.blocks[Role.BUILDER]
    used = data.records[outcome.accepted].ravel()
    owners = engine.record_owner[used[used >= 0]]
    data_contribution = np.bincount(owners, minlength=len(data_slots)).astype(np.float64)
    data_contribution *= p.active[data_slots]
    # Stake counts for builders who trained on data this epoch (free riders and Sybil copies
    # submit without training, and stake nothing on their submission).
    trained = data.sizes > 0
    stake = ledger.balances[builder_slots] * p.active[builder_slots] / UNITS_PER_TOKEN
    corr, mmc = prediction_scores(world, submissions.thetas, trained, stake)
    return Contributions(
        builders=outcome.builder_weight * p.active[builder_slots],
        validators=world.organisation.validator_contribution(world, outcome),
        data_providers=data_contribution,
        revenue=revenue,
        builder_utility=coalition_utility(
            world, update.previous_model, submissions, outcome.accepted, data.sizes
        ),
        builder_stake=np.where(trained, stake, 0.0),
        builder_corr=corr,
        builder_mmc=mmc,
        data_stake=ledger.balances[data_slots] * p.active[data_slots] / UNITS_PER_TOKEN,
    )


def prediction_scores(world, thetas, trained: np.ndarray, stake: np.ndarray):
    """CORR and MMC of the submitted models (zeros for builders that did not train).  All
    builder rows are scored so that the shape, and the compiled function, stay fixed."""
    if not trained.any():
        return np.zeros(len(trained)), np.zeros(len(trained))
    corr, mmc = world.engine.prediction_scores(thetas, np.where(trained, stake, 0.0))
    return np.where(trained, corr, 0.0), np.where(trained, mmc, 0.0)


def coalition_utility(world, theta, submissions: Submissions, accepted, sizes):
    """v(coalition) = validation accuracy of the model rebuilt from the coalition's accepted
    updates with the run's aggregation rule (GTG-Shapley's utility, no retraining: Liu et al.,
    "GTG-Shapley: Efficient and Accurate Participant Contribution Evaluation in Federated
    Learning", ACM TIST 2022)."""
    evaluate, aggregate = world.engine.validation_accuracy, world.mechanisms.aggregation

    def value(mask: np.ndarray) -> float:
        members = accepted & np.asarray(mask, dtype=bool)
        if not members.any():
            return evaluate(theta)
        deltas = submissions.thetas[members] - theta[None]
        return evaluate(theta + aggregate(deltas, sizes[members]))

    return value


def consumer_payments(world, faults: Faults) -> tuple[int, int]:
    """Consumers buy an epoch of access (Consumer.buys) unless the operator is down; their loss
    streaks count epochs without access.  Returns (fee units, buyers)."""
    p, state = world.population, world.state
    consumer_set = world.roles[Role.CONSUMER]
    consumers = consumer_set.slots(online_only=True)
    buys = consumer_set.buys(consumers, state.test_accuracy, state.consumer_price)
    if not faults.operator_up:
        buys[:] = False
    if world.losses_count(faults):
        p.loss_streak[consumers] = np.where(buys, 0, p.loss_streak[consumers] + 1)
    price = to_units(state.consumer_price)
    buyers = consumers[buys]
    world.ledger.transfer(buyers, [TREASURY], np.full(len(buyers), price), "access fee")
    return price * len(buyers), len(buyers)
