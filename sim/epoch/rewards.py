"""Phase 8: rewards.  Consumers who find access worth its price pay the fee; then, when the round
committed and the operator is up, the incentive mechanism allocates rewards from the treasury to
builders, validators and data providers (minting its emission first), and validators pass their
nominators' share on (sim/epoch/delegation.py).  A treasury that holds less
than it owes pays what it holds, pro rata, and records the shortfall on the ledger.

Reads the decision, the submissions, the training data, balances and the governed price; returns
``Payments``.  The incentive receives ``Contributions``: the agreed builder and validator
credit, the records each provider contributed to accepted updates, the fees, each builder's stake
and prediction scores, and the coalition utility GTG-Shapley needs.
"""

from __future__ import annotations

import numpy as np

from mechanisms.incentive.base import Contributions
from sim.epoch.delegation import delegate
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
        p.emission[:] = 0.0
        return Payments(revenue, buyers, np.zeros(p.size), 0, 0, False)
    ledger = world.ledger
    given = contributions(world, outcome, submissions, data, update, revenue)
    rewards = world.mechanisms.incentive.allocate(given)
    mint_emission(world, rewards, given)
    builder_slots = p.blocks[Role.BUILDER]
    if rewards.builder_burns is not None:
        burns = np.minimum(rewards.builder_burns, ledger.balances[builder_slots])
        ledger.burn(builder_slots, burns, "stake at risk")
    slots = np.concatenate([builder_slots, p.blocks[Role.VALIDATOR], p.blocks[Role.DATA_PROVIDER]])
    owed = np.concatenate([rewards.builders, rewards.validators, rewards.data_providers])
    amounts = affordable(ledger, TREASURY, owed)
    shortfall = int(owed.sum() - amounts.sum())
    if shortfall:
        # A treasury that cannot pay in full pays what it holds, pro rata: a rule of the economy.
        ledger.decision(
            "treasury shortfall",
            public=world.public,
            owed=int(owed.sum()),
            paid=int(amounts.sum()),
            shortfall=shortfall,
        )
    stake = p.validator_stake(ledger.balances)
    ledger.transfer([TREASURY], slots, amounts, "reward", public=world.public)
    paid = np.zeros(p.size)
    np.add.at(paid, slots, amounts / UNITS_PER_TOKEN)
    newly = (paid > 0) & (p.first_reward < 0)
    p.first_reward[newly] = world.epoch
    p.emission[:] = paid
    spend = int(amounts.sum()) if world.organisation.pays_rewards_itself else 0
    validator_paid = amounts[
        len(builder_slots) : len(builder_slots) + len(p.blocks[Role.VALIDATOR])
    ]
    return Payments(
        revenue,
        buyers,
        paid,
        int(rewards.minted),
        spend,
        bool(amounts.sum() > 0),
        shortfall,
        delegate(world, validator_paid, stake),
    )


def mint_emission(world, rewards, given: Contributions) -> None:
    """Mint the epoch's emission into the treasury and burn the owner's share of it; a schedule
    that follows issuance states it, so that the ledger shows the recycling."""
    ledger = world.ledger
    ledger.mint([TREASURY], [rewards.minted], "emission")
    if given.recycled is not None:
        ledger.decision(
            "issuance",
            public=world.public,
            recycled=int(given.recycled),
            issuance_tokens=float(world.mechanisms.incentive.issuance),
        )
    if rewards.burned:
        ledger.burn([TREASURY], [rewards.burned], "owner burn")


def contributions(world, outcome, submissions, data, update, revenue) -> Contributions:
    p, incentive = world.population, world.mechanisms.incentive
    data_slots, builder_slots = p.blocks[Role.DATA_PROVIDER], p.blocks[Role.BUILDER]
    used = data.records[outcome.accepted].ravel()
    owners = world.engine.record_owner[used[used >= 0]]
    data_contribution = np.bincount(owners, minlength=len(data_slots)).astype(np.float64)
    data_contribution *= p.active[data_slots]
    return Contributions(
        builders=outcome.builder_weight * p.active[builder_slots],
        validators=world.organisation.validator_contribution(world, outcome),
        data_providers=data_contribution,
        revenue=revenue,
        parameters={name: world.state.governed[name] for name in incentive.governed},
        **measurements(world, incentive.needs, outcome, submissions, data, update),
    )


def measurements(world, needs, outcome, submissions, data, update) -> dict:
    """The optional measurements the incentive declares it needs (IncentiveMechanism.needs),
    computed only then: the coalition utility costs model evaluations, prediction scores a
    pass over the validation data."""
    p, ledger = world.population, world.ledger
    found = {}
    if "builder_utility" in needs:
        found["builder_utility"] = coalition_utility(
            world, update.previous_model, submissions, outcome.accepted, data.sizes
        )
    if needs & {"builder_stake", "builder_corr", "builder_mmc"}:
        # Stake counts for builders who trained on data this epoch (free riders and Sybil
        # copies submit without training, and stake nothing on their submission).
        trained, builders = data.sizes > 0, p.blocks[Role.BUILDER]
        stake = ledger.balances[builders] * p.active[builders] / UNITS_PER_TOKEN
        corr, mmc = prediction_scores(world, submissions.thetas, trained, stake)
        found.update(
            builder_stake=np.where(trained, stake, 0.0), builder_corr=corr, builder_mmc=mmc
        )
    if "recycled" in needs:
        found["recycled"] = ledger.burned_this_epoch.get("registration", 0)
    if "data_stake" in needs:
        slots = p.blocks[Role.DATA_PROVIDER]
        found["data_stake"] = ledger.balances[slots] * p.active[slots] / UNITS_PER_TOKEN
    return {name: value for name, value in found.items() if name in needs}


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
    evaluate, aggregate = world.engine.validation_accuracy, world.aggregator.combine

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
