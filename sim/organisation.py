"""Who runs the economy: every point where a centralized platform and a decentralized network
differ, as one class each.  ``scenario.organisation`` names the class (``_target_``), so a third
organisation (a consortium, a federation) is one subclass and one scenario YAML.

- ``Network``: data stays with its providers and builders license it; builders buy their own
  compute through the market's escrow; validators evaluate with their balances as stake; the
  protocol treasury (slot 0) mints emission and passes on fees; everyone votes.
- ``Platform``: the coordinator (slot 0) holds a data lake of every provider's raw records, buys
  compute for its builders, is the only evaluator, pays from its own wallet and votes as owner;
  when it is offline nothing trains, updates or pays that epoch.

Every method receives the ``World`` (sim.world) it acts on.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from agents.roles import Coordinator
from mechanisms.subnet.permits import validator_permits
from sim.decisions import decided, overrides
from sim.population import ESCROW, TREASURY
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN, checked_units, split_units, to_units


def affordable(ledger, payer: int, amounts: np.ndarray) -> np.ndarray:
    """Scale payments down to what the payer holds."""
    held = int(ledger.balances[payer])
    return amounts if amounts.sum() <= held else split_units(held, amounts)


class Organisation:
    """The network defaults; a platform overrides what a coordinator changes."""

    name: ClassVar[str] = "network"
    needs_star: ClassVar[bool] = False  # whether the communication graph must be a star
    # Which scorecard numbers the organisation's definition fixes (sim.metrics.scorecard).
    has_operator: ClassVar[bool] = False  # one node whose failure stops the economy
    single_evaluator: ClassVar[bool] = False
    pays_rewards_itself: ClassVar[bool] = False  # rewards come out of the operator's wallet

    # -- set-up
    def evaluator_count(self, population) -> int:
        return len(population.blocks[Role.VALIDATOR])

    def found(self, world) -> None:
        """Create the organisation's own accounts (none for a network)."""

    def capitalise(self, world) -> None:
        """Endow the organisation's own accounts after the participants' genesis (none)."""

    def graph_members(self, genesis_slots: list[int]) -> list[int]:
        return list(genesis_slots)

    @property
    def hub(self) -> int | None:
        return None

    def data_lake_holders(self) -> int:
        """Providers whose raw records the operator holds (a network holds none)."""
        return 0

    def fixed_metrics(self, world) -> dict[str, str]:
        """Scorecard metrics the organisation's definition fixes whatever happens in a run
        (metric → why): a network never moves raw data."""
        return {"raw_data_egress_ratio": "data never leave their providers (0)"}

    # -- each epoch
    def is_up(self, world) -> bool:
        """Whether whoever runs the economy can act this epoch."""
        return True

    def outage(self, world) -> None:
        """A scheduled outage of the organisation's operator (none for a network)."""

    def removal_targets(self, world, targets: np.ndarray) -> np.ndarray:
        """Targeted removal: who actually leaves (a network's nodes all do)."""
        return targets

    def builders_pay_compute(self) -> bool:
        return True

    def settle_compute(self, world, allocation, builders, providers, receipts) -> int:
        """Move the tokens for the compute sold; returns what the operator spent (0)."""
        ledger = world.ledger
        mean_price = allocation.cost / max(allocation.sold.sum(), 1e-12)
        payments = np.minimum(
            checked_units(np.ceil(allocation.units * mean_price * UNITS_PER_TOKEN), "compute cost"),
            ledger.balances[builders],
        )
        ledger.transfer(builders, [ESCROW], payments, "compute escrow")
        receipts = split_units(int(payments.sum()), receipts)
        ledger.transfer([ESCROW], providers, receipts, "compute")
        return 0

    def training_records(self, world, positions, training, table) -> int:
        """Fill ``table`` rows ``training`` with the records each builder may train on; returns
        the raw bytes that left their owners this epoch.  A builder licenses
        ``learning.licenses_per_builder`` providers' shards, the cheapest first (ties at random;
        every licence is free unless providers set a ``licence_price`` decision, sim.decisions),
        pays each its price (pro rata to what its balance covers) and trains where they lie."""
        if len(positions) and len(training):
            engine, width = world.engine, table.shape[1]
            k = min(world.cfg.learning.licenses_per_builder, len(positions))
            keys = world.rng.random((len(training), len(positions)))
            providers = world.population.blocks[Role.DATA_PROVIDER][positions]
            price = overrides(decided(world.population, providers, Role.DATA_PROVIDER,
                                      "licence_price"), 0.0)  # fmt: skip
            picks = np.lexsort((keys, np.broadcast_to(price, keys.shape)), axis=1)[:, :k]
            if (price > 0).any():
                pay_licences(world, training, providers[picks], price[picks])
            rows = engine.shard_table[positions[picks]].reshape(len(training), -1)
            rows = -np.sort(-rows, axis=1)[:, :width]  # real records first, padding last
            table[training, : rows.shape[1]] = rows
        return 0

    def evaluators_online(self, world) -> np.ndarray:
        p = world.population
        return p.online[p.blocks[Role.VALIDATOR]]

    def evaluator_slots(self, world) -> np.ndarray:
        return world.population.blocks[Role.VALIDATOR]

    def evaluator_stake(self, world) -> np.ndarray:
        """Active validators' stake in tokens: their balances plus what nominators delegate to
        them.  With ``scenario.max_validators`` only the permitted ones' (the largest stakes:
        mechanisms/subnet/permits.py), the rest 0, so their weights count for nothing and earn
        no dividends; with ``scenario.stake_cap_percentile`` no stake counts above that
        percentile of the positive stakes (Lui & Sun, arXiv 2507.02951, propose the 88th)."""
        scenario = world.cfg.scenario
        stake = world.population.validator_stake(world.ledger.balances) / UNITS_PER_TOKEN
        if scenario.max_validators is not None:
            stake = stake * validator_permits(stake, scenario.max_validators)
        if scenario.stake_cap_percentile is not None and (stake > 0).any():
            stake = np.minimum(
                stake, np.percentile(stake[stake > 0], scenario.stake_cap_percentile)
            )
        return stake

    def weights(self, world, scores, online, submitted) -> np.ndarray:
        """(E, B) weights the evaluators set on this epoch's submissions."""
        return world.roles[Role.VALIDATOR].weights(
            world.mechanisms.scoring.weigh(scores, world.engine.baseline()),
            online,
            submitted,
            world.state.revealed_weights,
            world.state.friend,
            world.cfg.adversaries,
            world.rng,
        )

    def validator_contribution(self, world, outcome) -> np.ndarray:
        p = world.population
        return outcome.validator_weight * p.active[p.blocks[Role.VALIDATOR]]

    def owner_votes(self, world, votes: np.ndarray, proposed: float) -> np.ndarray:
        """Mark (and cast) the owner's vote; a network has no owner."""
        return np.zeros(world.population.size, dtype=bool)


def pay_licences(world, training, providers, prices) -> None:
    """Builders at positions ``training`` pay the (B, k) ``providers`` their licence ``prices``
    (tokens), scaled down pro rata where a builder's balance does not cover its total."""
    ledger = world.ledger
    builders = world.population.blocks[Role.BUILDER][training]
    owed = np.floor(prices * UNITS_PER_TOKEN)
    total = owed.sum(axis=1)
    covered = np.divide(
        np.maximum(ledger.balances[builders], 0), total, out=np.ones(len(builders)),
        where=total > 0,
    )  # fmt: skip
    amounts = np.floor(owed * np.minimum(covered, 1.0)[:, None]).astype(np.int64)
    payers = np.repeat(builders, prices.shape[1])
    ledger.transfer(payers, providers.reshape(-1), amounts.reshape(-1), "licence")


class Network(Organisation):
    """A decentralized network (the defaults of ``Organisation``)."""


class Platform(Organisation):
    name = "platform"
    needs_star = True
    has_operator = True
    single_evaluator = True
    pays_rewards_itself = True

    def __init__(self):
        self.lake_owners: set[int] = set()  # data-provider positions whose records it holds

    def evaluator_count(self, population) -> int:
        return 1

    def data_lake_holders(self) -> int:
        return len(self.lake_owners)

    def fixed_metrics(self, world) -> dict[str, str]:
        fixed = {
            "raw_data_egress_ratio": "the data lake takes every provider's records (1)",
            "compute_retained_after_top_failure": "the coordinator's failure stops all compute (0)",
        }
        if self.lake_owners:
            fixed["single_breach_exposure"] = "the coordinator holds every record (1)"
        return fixed

    def found(self, world) -> None:
        world.add_agent(Coordinator, TREASURY)

    def capitalise(self, world) -> None:
        world.population.active[TREASURY] = True
        world.ledger.mint([TREASURY], [to_units(world.cfg.scenario.platform_capital)], "genesis")

    def graph_members(self, genesis_slots: list[int]) -> list[int]:
        return [TREASURY, *genesis_slots]

    @property
    def hub(self) -> int | None:
        return TREASURY

    def is_up(self, world) -> bool:
        return bool(world.population.online[TREASURY])

    def outage(self, world) -> None:
        faults = world.cfg.faults
        start, length = faults.coordinator_outage_start, faults.coordinator_outage_length
        if start >= 0 and start <= world.epoch < start + length:
            world.population.online[TREASURY] = False

    def removal_targets(self, world, targets: np.ndarray) -> np.ndarray:
        """The coordinator cannot leave its own platform: it goes offline for the epoch."""
        if TREASURY in targets:
            world.population.online[TREASURY] = False
            targets = targets[targets != TREASURY]
        return targets

    def builders_pay_compute(self) -> bool:
        return False

    def settle_compute(self, world, allocation, builders, providers, receipts) -> int:
        receipts = affordable(world.ledger, TREASURY, receipts)
        world.ledger.transfer([TREASURY], providers, receipts, "compute", public=False)
        return int(receipts.sum())

    def training_records(self, world, positions, training, table) -> int:
        """Newly online providers hand their records to the lake; every builder trains on a
        random sample of the whole lake."""
        p, engine, width = world.population, world.engine, table.shape[1]
        moved = 0
        newly = set(positions.tolist()) - self.lake_owners
        if newly and p.online[TREASURY]:
            rows = engine.shard_table[sorted(newly)]
            moved = int((rows >= 0).sum()) * engine.record_bytes
            self.lake_owners |= newly
        lake = (
            engine.shard_table[sorted(self.lake_owners)].ravel()
            if self.lake_owners
            else np.array([], int)
        )
        lake = lake[lake >= 0]
        if len(lake) and len(training):
            take = min(width, len(lake))
            order = np.argsort(world.rng.random((len(training), len(lake))), axis=1)[:, :take]
            table[training, :take] = lake[order]
        return moved

    def evaluators_online(self, world) -> np.ndarray:
        return np.array([bool(world.population.online[TREASURY])])

    def evaluator_slots(self, world) -> np.ndarray:
        return np.array([TREASURY])

    def evaluator_stake(self, world) -> np.ndarray:
        return np.ones(1)

    def weights(self, world, scores, online, submitted) -> np.ndarray:
        return world.mechanisms.scoring.weigh(scores, world.engine.baseline())

    def validator_contribution(self, world, outcome) -> np.ndarray:
        return np.zeros(len(world.population.blocks[Role.VALIDATOR]))

    def owner_votes(self, world, votes: np.ndarray, proposed: float) -> np.ndarray:
        """The coordinator backs a proposal that does not lower its revenue, and owns the vote."""
        p = world.population
        consumers = p.members(Role.CONSUMER)
        backs = Coordinator.prefers_price(
            world.state.consumer_price, proposed, p.value[consumers], world.state.test_accuracy
        )
        votes[TREASURY] = 1 if backs else -1
        is_owner = np.zeros(p.size, dtype=bool)
        is_owner[TREASURY] = True
        return is_owner
