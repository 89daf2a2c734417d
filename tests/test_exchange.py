"""Subnets of a federation priced through dynamic-TAO pools (sim/exchange.py): the pools follow
the ledgers, the tempo's TAO is emitted and split as the rule says, a move trades through both
pools exactly as the pool arithmetic gives, and TAO is conserved."""

import numpy as np
import pytest

from mechanisms.subnet import dtao
from sim.composition import compose
from sim.exchange import TEMPO, SubnetExchange
from sim.federation import Federation, Mobility
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
