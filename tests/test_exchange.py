"""Subnets of a federation priced through dynamic-TAO pools (sim/exchange.py): the pools follow
the ledgers, the tempo's TAO is emitted and split as the rule says, a move trades through both
pools exactly as the pool arithmetic gives, and TAO is conserved."""

from dataclasses import replace

import numpy as np
import pytest

from mechanisms.subnet import dtao
from sim.composition import compose
from sim.exchange import TEMPO, SubnetExchange
from sim.federation import MOBILE_ROLES, Federation, Mobility
from sim.model import EconomyModel
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN
from tests.conftest import SMALL

FOUR = [*SMALL, "epochs=4", "population.newcomer_slots=8", "baseline=null"]


STILL = Mobility(review=0.0)


def subnets(names=("a", "b"), rule="price", mobility=STILL):
    models = {}
    for i, name in enumerate(names):
        models[name] = EconomyModel.from_config(compose([*FOUR, f"seed={i}"])["decentralized"])
    exchange = SubnetExchange(names, rule=rule, price=0.05)
    return Federation(models, mobility, exchange=exchange), exchange


def test_pools_follow_the_ledgers_and_emit_a_tempos_tao():
    """After an epoch each pool's outstanding alpha is its subnet's ledger supply, and the
    pools took in 360 τ (one tempo of 1 τ blocks) split by the moving prices (equal here)."""
    federation, exchange = subnets()
    federation.step()
    for i, name in enumerate(exchange.names):
        supply = federation.models[name].ledger.supply / UNITS_PER_TOKEN
        assert exchange.pools.alpha_out[i] == pytest.approx(supply)
    assert exchange.emitted_tao == pytest.approx(TEMPO)
    np.testing.assert_allclose(exchange.history[0]["shares"], [0.5, 0.5])
    assert exchange.pools.tao.sum() == pytest.approx(2 * 1_000.0 + TEMPO)
    federation.finish()


def test_a_move_sells_into_one_pool_and_buys_from_the_other():
    federation, exchange = subnets()
    federation.step()
    a, b = federation.models["a"].world, federation.models["b"].world
    slot = int(a.population.members(Role.BUILDER)[0])
    balance = int(a.ledger.balances[slot])
    pools = exchange.pools
    k = np.eye(2)
    after_sale, tao = dtao.sell_alpha(pools, k[0] * balance / UNITS_PER_TOKEN)
    _, alpha = dtao.buy_alpha(after_sale, k[1] * tao[0])
    expected = int(np.floor(alpha[1] * UNITS_PER_TOKEN))
    free = int(b.population.free_slots(Role.BUILDER)[0])
    move = federation.try_move("a", "b", Role.BUILDER, slot, gain=100.0)
    assert move is not None and move.arrived_units == expected
    assert b.ledger.balances[free] == expected - move.entry_cost_units
    assert exchange.pools.tao.sum() == pytest.approx(pools.tao.sum())  # TAO only changed pools
    assert exchange.pools.flow[0] < 0 < exchange.pools.flow[1]
    federation.finish()


def test_profits_are_compared_in_tao():
    federation, exchange = subnets()
    federation.step()
    raw = {n: m.population.profit[m.population.members(Role.BUILDER)].mean()
           for n, m in federation.models.items()}  # fmt: skip
    in_tao = federation.role_profit(Role.BUILDER)
    for name in raw:
        assert in_tao[name] == pytest.approx(raw[name] * exchange.price(name))
    federation.finish()


def test_under_the_flow_rule_the_subnet_that_draws_movers_gets_the_emission():
    """Builders review every epoch under the flow rule: a subnet's net TAO flow is what movers
    bring and take; with the chain's cutoff (L = 0) the subnet whose flow EMA is positive gets
    the whole emission and the one losing stake none; before any move nobody gets any."""
    federation, exchange = subnets(
        rule="flow", mobility=Mobility(roles=(Role.BUILDER,), consumers=False, review=1.0)
    )
    federation.run(4)
    assert exchange.history[0]["shares"] == [0.0, 0.0]
    last = exchange.history[-1]
    flows, shares = np.array(last["ema_flow"]), np.array(last["shares"])
    assert flows.max() > 0 > flows.min()
    assert shares[np.argmax(flows)] == 1.0 and shares[np.argmin(flows)] == 0.0
    federation.finish()


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="rule='stake': must be one of price, flow"):
        SubnetExchange(["a"], rule="stake")


def test_tao_is_conserved_every_epoch_while_participants_move(tmp_path):
    """Two subnets, everyone reviewing every epoch: after each epoch the pools hold exactly the
    locks plus the TAO emitted (moves only carry TAO from pool to pool), each pool's
    outstanding alpha is its ledger's supply, and both ledgers verify at the end."""
    from sim.ledger import verify_ledger

    models = {
        name: EconomyModel.from_config(
            compose([*FOUR, f"seed={i}"])["decentralized"], tmp_path / f"{name}.jsonl"
        )
        for i, name in enumerate(("a", "b"))
    }
    exchange = SubnetExchange(list(models), rule="flow", price=0.05)
    federation = Federation(models, Mobility(review=1.0), exchange=exchange)
    for _ in range(4):
        federation.step()
        assert exchange.pools.tao.sum() == pytest.approx(2_000.0 + exchange.emitted_tao)
    assert federation.moves
    for i, name in enumerate(exchange.names):
        supply = models[name].ledger.supply / UNITS_PER_TOKEN
        assert exchange.pools.alpha_out[i] == pytest.approx(supply, abs=1e-5)
    federation.finish()
    for name in models:
        assert verify_ledger(tmp_path / f"{name}.jsonl").ok


STAKERS = [
    *FOUR, "population.nominators=12", "population.nominator_slots=12",
    "population.stake_sigma=1.0",
]  # fmt: skip


def staked_subnets(takes=(0.0, 0.18), review=1.0):
    """Two subnets alike (same seed) but for their validators' take, nominators mobile."""
    models = {}
    for name, take in zip(("rich", "poor"), takes, strict=True):
        config = compose([*STAKERS, f"delegation.take={take}"])["decentralized"]
        models[name] = EconomyModel.from_config(config)
    mobility = Mobility(roles=(Role.NOMINATOR,), consumers=False, review=review)
    exchange = SubnetExchange(list(models), price=0.05)
    return Federation(models, mobility, exchange=exchange), exchange


def test_stakers_move_their_alpha_to_the_subnet_that_yields_more():
    """Validators keeping no take pay their nominators more per token staked: every staker who
    moves goes from the 18 %-take subnet to the 0 % one, pays no registration, arrives
    delegated to an active validator there, and the 0 % subnet ends with most stakers and most
    stake (in TAO); both ledgers still verify."""
    from sim.ledger import verify_ledger

    federation, exchange = staked_subnets(review=0.0)
    federation.step()
    yields = federation.staking_yield()
    assert yields["rich"] > yields["poor"] > 0
    federation.mobility = Mobility(roles=(Role.NOMINATOR,), consumers=False, review=0.3)
    federation.step()
    stakers = [m for m in federation.moves if m.role == Role.NOMINATOR]
    moved = [(m.source, m.destination) for m in stakers]
    assert moved and set(moved) == {("poor", "rich")}
    assert all(m.entry_cost_units == 0 for m in stakers)  # no registration: fees only
    rich = federation.models["rich"].world
    arrived = rich.population.block(Role.NOMINATOR)[12:]
    arrived = arrived[rich.population.joined[arrived] >= 0]
    assert len(arrived) == moved.count(("poor", "rich"))
    arrived = arrived[rich.population.active[arrived]]
    delegates = rich.population.delegate[arrived]
    assert rich.population.active[delegates].all()
    assert set(delegates) <= set(rich.population.blocks[Role.VALIDATOR])
    last = federation.shares()[-1]
    assert last["rich/nominator"] > 0.5 and last["rich/stake"] > 0.5
    for model in federation.models.values():
        model.finish()
        assert verify_ledger(model.world.ledger.path)


def test_a_staker_compares_yield_per_token_not_dividends_per_head():
    """Subnet rich's two nominators earn 10 on 100 staked each (10 %), poor's one earns 50 on
    1,000 (5 %): poor's mean dividend per head is larger, rich's yield is; poor's staker,
    reviewing, goes to rich, the gain (10 % − 5 %) × 1,000 tokens an epoch, in TAO."""
    federation, _ = staked_subnets(takes=(0.18, 0.18))
    federation.step()
    unit = UNITS_PER_TOKEN
    for name, stakes in (("rich", [100, 100]), ("poor", [1_000])):
        world = federation.models[name].world
        nominators = world.population.members(Role.NOMINATOR)
        world.deactivate(nominators[len(stakes) :])
        for slot, stake in zip(nominators, stakes, strict=False):
            world.population.profit[slot] = stake / 10 / (2 if name == "poor" else 1)
            world.ledger.balances[slot] = (stake + world.population.profit[slot]) * unit
    yields = federation.staking_yield()
    assert yields == pytest.approx({"rich": 0.10, "poor": 0.05})
    tried = []
    federation.try_move = lambda *args: tried.append(args)
    federation.move_to_best(Role.NOMINATOR)
    poor = federation.models["poor"].population.members(Role.NOMINATOR)[0]
    price = federation.price("poor")
    assert [t[:4] for t in tried] == [("poor", "rich", Role.NOMINATOR, int(poor))]
    assert tried[0][4] == pytest.approx(0.05 * 1_000 * price)


def test_a_subnet_without_stakers_of_its_own_takes_stakers_in_through_its_free_slots():
    """Subnet a starts with no nominators but 12 free nominator slots; b's 12 stakers, their
    subnet dissolved, all move to a (the only other) and delegate to its active validators."""
    overrides = {"a": ["population.nominators=0"], "b": []}
    models = {
        name: EconomyModel.from_config(compose([*STAKERS, *extra])["decentralized"])
        for name, extra in overrides.items()
    }
    mobility = Mobility(roles=(*MOBILE_ROLES, Role.NOMINATOR), review=0.0)
    federation = Federation(models, mobility, exchange=SubnetExchange(list(models), price=0.05))
    federation.step()
    a = federation.models["a"].world
    assert not len(a.population.members(Role.NOMINATOR))
    assert len(a.population.free_slots(Role.NOMINATOR)) == 12
    federation.dissolve("b")
    stakers = [m for m in federation.moves if m.role == Role.NOMINATOR]
    assert len(stakers) == 12 and {m.destination for m in stakers} == {"a"}
    arrived = a.population.members(Role.NOMINATOR)
    assert len(arrived) == 12
    assert a.population.active[a.population.delegate[arrived]].all()
    federation.finish()


def test_a_registration_dissolves_the_lowest_priced_subnet_and_conserves_tao():
    """Three subnets; b has the lowest moving price.  Registering d dissolves b: every account
    is refunded pot / (α_out + α_in) TAO per token, its members move (refund in hand) where
    their role is paid most or leave with their TAO, the protocol's share is recycled, d's
    pool opens with the lock at price 1, and TAO in the pools changes by exactly
    lock − withdrawn − recycled.  b's ledger ends empty and verifies; d steps on with the
    others; with every subnet immune nothing is registered."""
    from sim.ledger import verify_ledger

    models = {
        name: EconomyModel.from_config(compose([*STAKERS, f"seed={i}"])["decentralized"])
        for i, name in enumerate("abc")
    }
    mobility = Mobility(roles=(*MOBILE_ROLES, Role.NOMINATOR), review=0.1)
    exchange = SubnetExchange(list(models), price=0.05)
    federation = Federation(models, mobility, exchange=exchange)
    federation.run(2)
    exchange.pools = replace(exchange.pools, moving_price=np.array([0.3, 0.1, 0.2]))
    b = federation.models["b"].world
    alpha_out = b.ledger.supply / UNITS_PER_TOKEN
    rate = exchange.pools.tao[1] / (alpha_out + exchange.pools.alpha_in[1])
    tao_before = exchange.pools.tao.sum()
    lock = dtao.lock_cost(1_000.0, exchange.block)
    members = sum(len(b.population.members(role)) for role in Role if role in b.population.blocks)
    newcomer = EconomyModel.from_config(compose([*STAKERS, "seed=3"])["decentralized"])
    earlier = len(federation.moves)
    record = federation.register("d", newcomer)
    assert record["dissolved"] == "b" and record["lock"] == pytest.approx(lock)
    assert record["refund_per_token"] == pytest.approx(rate)
    assert record["moved"] + record["left"] == members and record["moved"] > 0
    assert exchange.names == ["a", "d", "c"] and set(federation.models) == {"a", "c", "d"}
    assert exchange.pools.price[1] == pytest.approx(1.0) and exchange.pools.tao[1] == lock
    assert exchange.pools.tao.sum() == pytest.approx(
        tao_before + lock - exchange.withdrawn_tao - exchange.recycled_tao
    )
    assert exchange.recycled_tao > 0 and b.ledger.supply == 0
    assert verify_ledger(b.ledger.path)
    moved = federation.moves[earlier:]
    assert len(moved) == record["moved"] and {m.source for m in moved} == {"b"}
    assert {m.destination for m in moved} <= {"a", "c"}
    # b's stakers outnumber the free nominator slots (12 at most) of the subnet they prefer:
    # the rest go to the other.
    stakers = [m.destination for m in moved if m.role == Role.NOMINATOR]
    assert len(stakers) > 12 and set(stakers) == {"a", "c"}
    federation.mobility = STILL  # no moves after the tempo's settlement: pools = ledgers
    federation.run(2)
    assert newcomer.epoch == 2 and exchange.history[-1]["names"] == ["a", "d", "c"]
    assert exchange.pools.alpha_out[1] == pytest.approx(newcomer.ledger.supply / UNITS_PER_TOKEN)
    exchange.registrations.registered_at[:] = exchange.block  # all immune
    later = EconomyModel.from_config(compose([*STAKERS, "seed=4"])["decentralized"])
    assert federation.register("e", later) is None and set(federation.models) == {"a", "c", "d"}
    with pytest.raises(ValueError, match="'a' is already an organisation"):
        federation.register("a", later)
    federation.finish()
