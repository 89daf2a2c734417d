"""The phases of an epoch, one module each, in the order ``EconomyModel.step`` runs them.

Each phase is a function of the world (sim.world), the results of earlier phases it needs and the
world's random stream, and returns a frozen result (sim.epoch.results).  docs/model.md lists
what each reads and returns.
"""

from sim.epoch.access import churn_and_access
from sim.epoch.adaptation import choose_strategies, learn_strategies
from sim.epoch.bookkeeping import account_profits
from sim.epoch.consensus import reach_consensus
from sim.epoch.data import obtain_data
from sim.epoch.decide import choose_decisions, learn_decisions
from sim.epoch.evaluation import evaluate
from sim.epoch.faults import apply_faults
from sim.epoch.governance import govern
from sim.epoch.hoarding import hold_uids
from sim.epoch.market import resource_market
from sim.epoch.rewards import pay
from sim.epoch.training import train_and_submit
from sim.epoch.update import update_model

__all__ = [
    "account_profits",
    "apply_faults",
    "choose_decisions",
    "choose_strategies",
    "churn_and_access",
    "evaluate",
    "govern",
    "hold_uids",
    "learn_decisions",
    "learn_strategies",
    "obtain_data",
    "pay",
    "reach_consensus",
    "resource_market",
    "train_and_submit",
    "update_model",
]
