"""Several organisations competing for one population: a platform and networks (each an
``EconomyModel`` with its own mechanisms, ledger and model) stepped side by side, with
participants who move to the organisation that pays them most.

    from sim.federation import Federation
    federation = Federation.from_overrides(["epochs=40"], mobility=Mobility(review=0.2))
    federation.run()
    federation.shares()        # per epoch, organisation and role: its share of the members

After every epoch each active member of a mobile role (``Mobility.roles``: compute providers,
data providers and builders by default; consumers choose separately) reviews with probability
``review`` and compares what its role earned per member in every organisation last epoch (a
public figure on a network, and what a platform's posted wages show) with its own profit; it
moves to the best when ``horizon`` epochs of the difference pay the destination's entry cost
(its access mechanism's burn or bond for a newcomer with the mover's balance) and the
destination admits it into a free slot.  A consumer moves to the organisation whose model gives
it the most value for the price (value × accuracy − price), when that beats its current one.
Stakers (nominators, with ``Role.NOMINATOR`` in ``Mobility.roles``) compare staking yields:
their organisation's dividends per token staked last epoch against the best other's, and move
when ``horizon`` epochs of the extra yield on their stake pay the pools' fees; a staker needs no
registration, takes one of the destination's ``population.nominator_slots`` and delegates to
the validator its new nominators have seen yield most.

A move takes the participant's whole balance along: its account in the source is deactivated
(bonds returned, then its balance burned as ``emigration``), a free slot of the same role in the
destination takes up its traits (capacity, unit cost, operating cost, a consumer's value), is
minted the balance as ``immigration`` and pays the entry cost.  A data provider brings a shard
of the same size (the destination slot's own: the engines' shard tables are fixed at build).
Tokens across organisations are conserved: every epoch, what the ledgers emigrated equals what
they immigrated.

The move rule is migration to the best-paying organisation net of a moving cost, Tiebout's
"voting with the feet" (Tiebout, "A Pure Theory of Local Expenditures", Journal of Political
Economy 64(5), 1956) with the gain compared over a horizon as in the entry rule
(``Participant.enters``); members decide from the same profits and prices at once, as every
phase does, and the moves then happen one at a time (each takes a slot and may move a price).
With ``Mobility(review=0)`` nobody moves and every organisation runs exactly as it runs alone
(tests/test_federation.py).

Under a ``SubnetExchange`` (sim/exchange.py) subnets also come and go: ``register`` dissolves
the lowest-priced non-immune subnet (its accounts refunded the pool's TAO, its members moved on
or gone with their TAO) and opens the new subnet's pool in its place.  ``threads`` > 1 steps
the organisations' epochs on a thread pool, with the same numbers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from mechanisms.subnet import dtao
from mechanisms.subnet.dtao import FEE_RATE
from sim.epoch.access import take_up
from sim.population import BONDS
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN

MOBILE_ROLES = (Role.COMPUTE_PROVIDER, Role.DATA_PROVIDER, Role.BUILDER)
FIRST_PARTICIPANT = BONDS + 1  # the treasury, the escrow and the bonds' account come first
TRAITS = ("capacity", "unit_cost", "operating_cost", "value")


@dataclass(frozen=True)
class Mobility:
    """Who may move and how readily: ``roles`` (suppliers), ``consumers`` (whether they
    choose), the chance ``review`` a member reviews each epoch, and the ``horizon`` in epochs
    over which a gain must pay the entry cost."""

    roles: tuple = MOBILE_ROLES
    consumers: bool = True
    review: float = 0.1
    horizon: int = 10

    def __post_init__(self):
        if not 0.0 <= self.review <= 1.0:
            raise ValueError(f"mobility review={self.review}: must lie in [0, 1]")
        if self.horizon < 1:
            raise ValueError(f"mobility horizon={self.horizon}: must be ≥ 1")


@dataclass(frozen=True)
class Move:
    epoch: int
    role: Role
    source: str
    destination: str
    balance_units: int
    entry_cost_units: int
    arrived_units: int  # the balance in the destination's token (after the pools' trades)


class Federation:
    """Named organisations (EconomyModels) and the moves between them."""

    def __init__(self, models: dict, mobility: Mobility = Mobility(), seed: int = 0,
                 exchange=None, threads: int = 1):  # fmt: skip
        if len(models) < 2:
            raise ValueError("a federation needs at least two organisations")
        if threads < 1:
            raise ValueError(f"threads={threads}: must be ≥ 1")
        self.models = dict(models)
        self.mobility = mobility
        # With a SubnetExchange (sim/exchange.py) the networks it names are subnets: their
        # tokens are priced in TAO through pools, and a move trades through them.
        self.exchange = exchange
        self.rng = np.random.default_rng([seed, 7919])  # moves draw from their own stream
        self.moves: list[Move] = []
        self.history: list[dict] = []
        # Moves that would have paid but did not happen, by why.
        self.refused = {"no free slot": 0, "not admitted": 0, "entry cost": 0}
        self.registrations: list[dict] = []
        # The organisations' epochs are independent of each other (each its own generators,
        # ledger and engine), so ``threads`` > 1 steps them on a thread pool: JAX computes with
        # the interpreter lock released, and the numbers do not depend on the order.
        self.threads = threads
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None

    @classmethod
    def from_overrides(cls, overrides=(), mobility: Mobility = Mobility(), names=None):
        """The organisations of one composed comparison (``sim.compose``: the scenario and its
        baseline), or the scenarios ``names`` of it."""
        from sim.composition import compose
        from sim.model import EconomyModel

        configs = compose(list(overrides))
        chosen = names or list(configs)
        models = {name: EconomyModel.from_config(configs[name]) for name in chosen}
        seed = int(next(iter(configs.values())).seed)
        return cls(models, mobility, seed)

    def run(self, epochs: int | None = None) -> None:
        epochs = epochs or min(int(m.cfg.epochs) for m in self.models.values())
        for _ in range(epochs):
            self.step()

    def step(self) -> None:
        if self._pool is None:
            for model in self.models.values():
                model.step()
        else:
            for _ in self._pool.map(lambda model: model.step(), self.models.values()):
                pass  # re-raises an organisation's error here
        if self.exchange is not None:
            self.exchange.settle(self.models)
        if self.mobility.review > 0:
            for role in self.mobility.roles:
                self.move_to_best(role)
            if self.mobility.consumers:
                self.move_consumers()
        self.history.append(self.census())

    def finish(self) -> None:
        for model in self.models.values():
            model.finish()
        if self._pool is not None:
            self._pool.shutdown()

    # ------------------------------------------------------------------ who moves where
    def price(self, name: str) -> float:
        """TAO per unit of the organisation's token (1 without an exchange)."""
        return 1.0 if self.exchange is None else self.exchange.price(name)

    def role_profit(self, role: Role) -> dict[str, float]:
        """Each organisation's mean profit per active member of the role last epoch, in TAO
        (NaN without members)."""
        result = {}
        for name, model in self.models.items():
            members = model.population.members(role)
            mean = float(model.population.profit[members].mean()) if len(members) else np.nan
            result[name] = mean * self.price(name)
        return result

    def staking_yield(self) -> dict[str, float]:
        """Each organisation's yield to its nominators last epoch: their dividends (less fees)
        over the stake that earned them, Σ profit / Σ (balance − profit), tokens per token
        (NaN without nominators).  The public figure a staker compares (taostats' APY); a
        yield is in the subnet's own token, so it compares across subnets as it is."""
        result = {}
        for name, model in self.models.items():
            p, tokens = model.population, model.ledger.balances / UNITS_PER_TOKEN
            members = p.members(Role.NOMINATOR)
            staked = float((tokens[members] - p.profit[members]).sum()) if len(members) else 0
            result[name] = float(p.profit[members].sum()) / staked if staked > 0 else np.nan
        return result

    def move_to_best(self, role: Role) -> None:
        """Reviewing members of ``role`` look at the best other organisation for it and those
        with a gain are tried in turn (each move takes a slot and may move a price).  A
        supplier compares its own profit with the role's mean profit there (Tiebout's rule
        above), in TAO an epoch.  A staker compares its organisation's staking yield with the
        best other one's (the public figures: within its own it already moves to the best
        validator, sim/epoch/delegation.py), the gain being the difference times its stake,
        as the dTAO market study's stakers do (experiments/dtao.py)."""
        staking = role == Role.NOMINATOR
        names = list(self.models)
        scores = self.staking_yield() if staking else self.role_profit(role)
        values = np.array([scores[n] for n in names])
        for i, (name, model) in enumerate(self.models.items()):
            p = model.population
            members = p.members(role)
            reviewing = members[self.rng.random(len(members)) < self.mobility.review]
            others = np.where(np.arange(len(names)) == i, np.nan, values)
            if not np.isfinite(others).any():
                continue
            best = int(np.nanargmax(others))
            if staking:
                own = values[i] if np.isfinite(values[i]) else 0.0
                stake = np.maximum(model.ledger.balances[reviewing] / UNITS_PER_TOKEN
                                   - p.profit[reviewing], 0.0)  # fmt: skip
                gains = (others[best] - own) * stake * self.price(name)
            else:
                gains = others[best] - p.profit[reviewing] * self.price(name)
            self.move_each(name, role, reviewing, [names[best]] * len(reviewing), gains)

    def move_each(self, source: str, role: Role, slots, destinations, gains) -> None:
        """Try the moves with a gain in turn.  Slots are never freed while moves happen, so
        once a destination has no free slot left for the role, the rest bound there are
        refused without another look."""
        full = set()
        for slot, destination, gain in zip(np.asarray(slots).tolist(), destinations,
                                           np.asarray(gains).tolist(), strict=True):  # fmt: skip
            if gain <= 0:
                continue
            if not self.has_room(destination, role, full):
                self.refused["no free slot"] += 1
                continue
            self.try_move(source, destination, role, slot, gain)

    def has_room(self, destination: str, role: Role, full: set) -> bool:
        """Whether ``destination`` has a free slot for ``role``; a destination found without
        one is remembered in ``full`` and not looked at again (slots are never freed while
        moves happen)."""
        if destination not in full and not len(
            self.models[destination].population.free_slots(role)
        ):
            full.add(destination)
        return destination not in full

    def move_consumers(self) -> None:
        """A reviewing consumer moves to the organisation whose model is worth most to it for
        the price (value × accuracy − price, in TAO), when that is not its own."""
        names = list(self.models)
        accuracy, price = np.zeros(len(names)), np.zeros(len(names))
        for j, (name, model) in enumerate(self.models.items()):
            state = model.world.state
            accuracy[j] = state.test_accuracy if np.isfinite(state.test_accuracy) else 0.0
            price[j] = state.consumer_price * self.price(name)
        for i, (name, model) in enumerate(self.models.items()):
            p = model.population
            consumers = p.members(Role.CONSUMER)
            reviewing = consumers[self.rng.random(len(consumers)) < self.mobility.review]
            worth = p.value[reviewing, None] * accuracy[None, :] - price[None, :]
            best = np.argmax(worth, axis=1)
            gains = worth[np.arange(len(reviewing)), best] - worth[:, i]
            movers = np.flatnonzero(best != i)
            destinations = [names[k] for k in best[movers].tolist()]
            self.move_each(name, Role.CONSUMER, reviewing[movers], destinations, gains[movers])

    def try_move(self, source: str, destination: str, role: Role, slot: int, gain: float,
                 refund: float | None = None):  # fmt: skip
        """Move the participant at ``slot`` of ``source`` to ``destination`` when the gain over
        the horizon pays the entry cost and a slot is free and admitted; returns the Move.
        With ``refund`` (TAO per token, the source subnet being dissolved) the participant
        must leave: no gain is asked for, and its balance is refunded at that rate instead of
        sold into the source's pool."""
        src, dst = self.models[source].world, self.models[destination].world
        free = dst.population.free_slots(role)
        forced = refund is not None
        if gain <= 0 and not forced:
            return None
        if not len(free):
            self.refused["no free slot"] += 1
            return None
        balance = int(src.ledger.balances[slot])
        rate = self.price(source) if refund is None else refund  # TAO a token of the source
        if role == Role.NOMINATOR:  # staking takes no registration: the swaps' fees are the cost
            admission, entry = None, 0
            entry_tao = self.swap_fees(source, destination, balance)
        else:
            members = len(dst.population.members(role))
            budget = balance / UNITS_PER_TOKEN * rate / self.price(destination)
            admission = dst.mechanisms.access.admit(np.array([budget]), len(free), members)
            entry = int(admission.burn[0]) + (
                int(admission.bond[0]) if admission.bond is not None else 0
            )
            if not admission.admitted[0]:
                self.refused["not admitted"] += 1
                return None
            entry_tao = entry / UNITS_PER_TOKEN * self.price(destination)
        if gain * self.mobility.horizon <= entry_tao and not forced:
            self.refused["entry cost"] += 1
            return None
        src.deactivate([slot])
        balance = int(src.ledger.balances[slot])  # bonds came back on the way out
        src.ledger.burn([slot], [balance], "emigration", destination=destination)
        carried = balance
        if forced:  # refunded in TAO by the dissolution, bought into the destination
            carried = self.exchange.buy(destination, balance / UNITS_PER_TOKEN * refund)
        elif self.exchange is not None:  # sold for TAO in the source's pool, bought in the other
            carried = self.exchange.convert(source, destination, balance)
        arrive(src, slot, dst, int(free[0]), carried, admission, source)
        move = Move(src.epoch, role, source, destination, balance, entry, carried)
        self.moves.append(move)
        return move

    # ------------------------------------------------------------------ subnets come and go
    def register(self, name: str, model) -> dict | None:
        """A new subnet ``name`` (an ``EconomyModel``) registers: with the subnet limit reached
        (the exchange's subnets), the non-immune subnet with the lowest moving price is
        dissolved first (``dissolve``), and the new subnet's pool opens in its place with the
        lock cost (``SubnetExchange.lock_cost``) at price 1.  Returns what happened, or None
        while every subnet is immune (nothing changes)."""
        exchange = self.exchange
        if exchange is None:
            raise ValueError("registering a subnet needs a SubnetExchange")
        if name in self.models:
            raise ValueError(f"{name!r} is already an organisation of this federation")
        victim = exchange.to_dissolve()
        if victim is None:
            return None
        outcome = self.dissolve(exchange.names[victim])
        lock = exchange.reopen(victim, name)
        self.models[name] = model
        record = {"epoch": len(self.history), "registered": name, "lock": lock, **outcome}
        self.registrations.append(record)
        return record

    def dissolve(self, name: str) -> dict:
        """Dissolve subnet ``name``: every account's balance is refunded the pool's TAO pro
        rata (``dtao.dissolution_refund``; the pool's own alpha is the protocol's share, which
        is recycled); each active member then moves, refund in hand, to the organisation that
        pays its role most (stakers: the best staking yield) where a slot is free and admits
        it (the next best where the best is full), and leaves with its TAO otherwise.  The
        subnet's model is finished and removed."""
        exchange, world = self.exchange, self.models[name].world
        index = exchange.index(name)
        alpha_out = exchange.pools.alpha_out.copy()
        alpha_out[index] = world.ledger.supply / UNITS_PER_TOKEN  # burns since the last tempo
        exchange.pools = replace(exchange.pools, alpha_out=alpha_out)
        rate = dtao.dissolution_refund(exchange.pools, index)
        pot = float(exchange.pools.tao[index])
        others = [n for n in self.models if n != name]
        moved, first_move = 0, len(self.moves)
        for role in (*MOBILE_ROLES, Role.VALIDATOR, Role.NOMINATOR, Role.CONSUMER):
            members = world.population.members(role)
            if not len(members):
                continue
            ranking = self.staking_yield() if role == Role.NOMINATOR else self.role_profit(role)
            scores = np.nan_to_num(np.array([ranking[n] for n in others]), nan=-np.inf)
            preferred = [others[k] for k in np.argsort(-scores, kind="stable")]
            moved += self.place(name, role, members, preferred, rate)
        # Members who found no place leave with their refund (withdrawn from the pools); what
        # the organisation's own accounts hold is refunded to the protocol and recycled.
        left = np.flatnonzero(world.population.active)
        world.deactivate(left)  # bonds back to their owners first
        balances = world.ledger.balances
        withdrawn = float(balances[FIRST_PARTICIPANT:].sum()) / UNITS_PER_TOKEN * rate
        held = np.flatnonzero(balances > 0)
        world.ledger.burn(held, balances[held], "dissolution")
        carried = sum(m.balance_units for m in self.moves[first_move:])  # bought elsewhere
        bought_elsewhere = carried / UNITS_PER_TOKEN * rate
        exchange.withdrawn_tao += withdrawn
        exchange.recycled_tao += pot - bought_elsewhere - withdrawn
        tao = exchange.pools.tao.copy()
        tao[index] = 0.0
        exchange.pools = replace(exchange.pools, tao=tao)
        self.models.pop(name).finish()
        return {"dissolved": name, "refund_per_token": rate, "pot": pot, "moved": moved,
                "left": len(left), "withdrawn_tao": withdrawn}  # fmt: skip

    def place(self, source: str, role: Role, members, preferred: list[str], rate: float) -> int:
        """Move each of a dissolved subnet's ``members`` (refunded ``rate`` TAO a token) to the
        first organisation in ``preferred`` with a free slot that admits it; once none has a
        slot, the rest stay behind to leave.  Returns how many moved."""
        moved, full = 0, set()
        for slot in members.tolist():
            if len(full) == len(preferred):
                break
            for destination in preferred:
                if self.has_room(destination, role, full) and self.try_move(
                    source, destination, role, slot, 0.0, refund=rate
                ):
                    moved += 1
                    break
        return moved

    def swap_fees(self, source: str, destination: str, units: int) -> float:
        """TAO a move of ``units`` of the source's token pays in pool fees: a sale out of a
        subnet's pool and a purchase into one, each FEE_RATE of the TAO traded."""
        if self.exchange is None:
            return 0.0
        tao = units / UNITS_PER_TOKEN * self.price(source)
        trades = sum(self.exchange.index(n) is not None for n in (source, destination))
        return trades * FEE_RATE * tao

    # ------------------------------------------------------------------ what it reports
    def census(self) -> dict:
        """This epoch's members per organisation and role, and the moves so far."""
        counted = (*MOBILE_ROLES, Role.CONSUMER)
        if Role.NOMINATOR in self.mobility.roles:
            counted += (Role.NOMINATOR,)
        counts = {
            name: {role.name.lower(): int(len(m.population.members(role))) for role in counted}
            for name, m in self.models.items()
        }
        entry = {"epoch": len(self.history), "members": counts, "moves": len(self.moves)}
        if Role.NOMINATOR in self.mobility.roles:  # stake, in TAO: where the stakers' money is
            entry["staked_tao"] = {
                name: float(m.ledger.balances[m.population.members(Role.NOMINATOR)].sum())
                / UNITS_PER_TOKEN
                * self.price(name)
                for name, m in self.models.items()
            }
        return entry

    def scorecards(self) -> dict[str, list[dict]]:
        """Each organisation's scorecard (sim.metrics: the 16 aspects' metrics) of its run so
        far, as ``deai-sim`` scores a scenario."""
        from sim.metrics.scorecard import score

        return {name: [m.as_dict() for m in score(model.run_record())]
                for name, model in self.models.items()}  # fmt: skip

    def shares(self) -> list[dict]:
        """Per epoch: each organisation's share of each role's members across organisations."""
        rows = []
        for entry in self.history:
            row = {"epoch": entry["epoch"]}
            for key in next(iter(entry["members"].values())):
                total = sum(counts[key] for counts in entry["members"].values())
                for name, counts in entry["members"].items():
                    row[f"{name}/{key}"] = counts[key] / total if total else float("nan")
            staked = entry.get("staked_tao", {})
            total = sum(staked.values())
            for name, tao in staked.items():  # no stake anywhere: no share, as for members
                row[f"{name}/stake"] = tao / total if total else float("nan")
            rows.append(row)
        return rows


def arrive(src, slot: int, dst, arrival: int, carried: int, admission, source: str) -> None:
    """The participant from ``src``'s ``slot`` takes up ``dst``'s free ``arrival`` slot with
    its traits and ``carried`` units (minted as immigration), and pays the admission's burn
    and bond; a staker (no admission) joins no peer graph and delegates at once."""
    for trait in TRAITS:
        getattr(dst.population, trait)[arrival] = getattr(src.population, trait)[slot]
    dst.endowment[arrival] = carried / UNITS_PER_TOKEN  # what it came with
    if admission is None:
        dst.activate(arrival)
        dst.population.delegate[arrival] = best_validator(dst)
        dst.ledger.mint([arrival], [carried], "immigration", newcomers=True, source=source)
        return
    take_up(dst, arrival)
    dst.ledger.mint([arrival], [carried], "immigration", newcomers=True, source=source)
    dst.ledger.burn([arrival], [int(admission.burn[0])], "registration")
    if admission.bond is not None and admission.bond[0] > 0:
        dst.ledger.transfer([arrival], [BONDS], [int(admission.bond[0])], "bond")
        dst.population.bonded[arrival] += int(admission.bond[0])


def best_validator(world) -> int:
    """The active validator a staker arriving in ``world`` delegates to: the best yield its
    nominators have seen (their moving average), else the largest own stake; −1 if none."""
    p = world.population
    validators = p.members(Role.VALIDATOR)
    if not len(validators):
        return -1
    seen = p.yield_estimate[validators]
    if np.isfinite(seen).any():
        return int(validators[np.nanargmax(seen)])
    return int(validators[np.argmax(world.ledger.balances[validators])])
