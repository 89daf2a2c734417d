"""Optional capabilities a mechanism may declare, each read in this one place with its default.

- a market's posted ``price`` is the compute price builders plan with before the first sale
  (default: the economy's median unit cost);
- an aggregation rule that ``mix_peers`` keeps one model per builder (decentralized SGD);
- an incentive's ``emission_per_epoch`` is a governed parameter (default: none minted);
- an access mechanism's ``slash_fraction`` is the share of a bond burned per proven fault (0);
- a consensus outcome's ``consensus`` vector is what weight copiers copy (default: the agreed
  builder weights).
"""

from __future__ import annotations

import numpy as np


def initial_market_price(market, default: float) -> float:
    return float(getattr(market, "price", default))


def keeps_peer_models(aggregation) -> bool:
    return callable(getattr(aggregation, "mix_peers", None))


def has_emission(incentive) -> bool:
    return hasattr(incentive, "emission_per_epoch")


def emission_rate(incentive) -> float:
    return float(getattr(incentive, "emission_per_epoch", 0.0))


def slashing_fraction(access) -> float:
    return float(getattr(access, "slash_fraction", 0.0))


def consensus_vector(outcome) -> np.ndarray:
    return np.asarray(getattr(outcome, "consensus", outcome.builder_weight))
