"""Every mechanism parameter's documented range: its end points are accepted, the first values
beyond them are refused with the parameter named, before any work."""

from __future__ import annotations

import pytest

from mechanisms.access.bonded import StakeBond
from mechanisms.access.permissioned import Permissioned
from mechanisms.access.permissionless import RegistrationBurn
from mechanisms.aggregation.gossip import Gossip
from mechanisms.aggregation.robust import Krum, NormClipping, TrimmedMean
from mechanisms.consensus.bft import BFTQuorum
from mechanisms.consensus.voting import Majority, StakeMajority
from mechanisms.consensus.yuma import Yuma
from mechanisms.governance.quadratic import QuadraticVoting
from mechanisms.governance.token_vote import TokenVote
from mechanisms.incentive.bittensor import BittensorEmission
from mechanisms.incentive.numerai import NumeraiStake
from mechanisms.incentive.ocean import OceanDataFarming
from mechanisms.incentive.platform_wages import PlatformWages
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.incentive.shapley import ShapleyRewards
from mechanisms.market.auction import ReverseAuction
from mechanisms.market.double_auction import DoubleAuction
from mechanisms.market.posted_price import PostedPrice

# (class, keyword arguments on the boundary of the accepted range)
ACCEPTED = [
    (StakeBond, {"bond": 0.0, "slash_fraction": 0.0}),
    (StakeBond, {"slash_fraction": 1.0}),
    (Permissioned, {"capacity": 0}),
    (RegistrationBurn, {"burn": 0.0}),
    (Gossip, {"rounds": 1, "degree": 1}),
    (TrimmedMean, {"beta": 0.0}),
    (TrimmedMean, {"beta": 0.499}),
    (Krum, {"f": 0, "multi": 1}),
    (NormClipping, {"max_norm": 1e-9}),
    (BFTQuorum, {"quorum": 0.5, "committee_size": 1}),
    (BFTQuorum, {"quorum": 0.999}),
    (Majority, {"threshold": 0.0, "quorum": 0.0}),
    (StakeMajority, {"threshold": 1.0, "quorum": 1.0}),
    (Yuma, {"kappa": 0.0, "bonds_penalty": 0.0, "bonds_moving_average": 0.0}),
    (Yuma, {"kappa": 1.0, "bonds_penalty": 1.0, "bonds_moving_average": 1.0}),
    (Yuma, {"version": "yuma3", "liquid_alpha": (0.0, 1.0), "max_validators": 1}),
    (Yuma, {"version": "yuma3", "liquid_alpha": (0.5, 0.5)}),
    (QuadraticVoting, {"threshold": 0.0}),
    (TokenVote, {"threshold": 0.0}),
    (BittensorEmission, {"emission_per_epoch": 0.0, "owner_cut": 0.0, "fee_share": 0.0}),
    (BittensorEmission, {"owner_cut": 1.0, "fee_share": 1.0}),
    (NumeraiStake, {"threshold": 1e-9, "clip": 0.0}),
    (OceanDataFarming, {"apy_cap": 0.0, "record_value": 0.0}),
    (PlatformWages, {"wage_per_update": 0.0, "price_per_record": 0.0}),
    (ProportionalEmission, {"emission_per_epoch": 0.0, "fee_share": 0.0}),
    (ProportionalEmission, {"builder_share": 1.0, "validator_share": 0.0, "data_share": 0.0}),
    (ShapleyRewards, {"n_permutations": 1}),
    (ReverseAuction, {"max_price": 0.0, "markup": 0.0}),
    (ReverseAuction, {"max_price": 0.5}),
    (DoubleAuction, {"value_per_unit": 0.0, "max_price": 1e-9}),
    (PostedPrice, {"price": 0.0}),
]

# (class, keyword arguments just outside the range, text the error must contain)
REFUSED = [
    (StakeBond, {"bond": -0.01}, "bond"),
    (StakeBond, {"slash_fraction": -0.01}, "slash_fraction"),
    (StakeBond, {"slash_fraction": 1.01}, "slash_fraction"),
    (Permissioned, {"capacity": -1}, "capacity"),
    (RegistrationBurn, {"burn": -0.01}, "burn"),
    (Gossip, {"rounds": 0}, "rounds"),
    (Gossip, {"degree": 0}, "degree"),
    (TrimmedMean, {"beta": -0.01}, "beta"),
    (TrimmedMean, {"beta": 0.5}, "beta"),
    (Krum, {"f": -1}, "f must be"),
    (Krum, {"multi": 0}, "multi"),
    (NormClipping, {"max_norm": 0.0}, "max_norm"),
    (BFTQuorum, {"quorum": 0.49}, "quorum"),
    (BFTQuorum, {"quorum": 1.0}, "quorum"),
    (BFTQuorum, {"committee_size": 0}, "committee_size"),
    (Majority, {"threshold": -0.01}, "threshold"),
    (Majority, {"quorum": 1.01}, "quorum"),
    (Yuma, {"kappa": -0.01}, "kappa"),
    (Yuma, {"kappa": 1.01}, "kappa"),
    (Yuma, {"bonds_penalty": 1.01}, "bonds_penalty"),
    (Yuma, {"bonds_moving_average": -0.01}, "bonds_moving_average"),
    (Yuma, {"bonds_moving_average": 1.01}, "bonds_moving_average"),
    (Yuma, {"version": "yuma2"}, "version"),
    (Yuma, {"version": "yuma3", "liquid_alpha": (0.6, 0.5)}, "liquid_alpha"),
    (Yuma, {"version": "yuma3", "liquid_alpha": (-0.1, 0.5)}, "liquid_alpha"),
    (Yuma, {"version": "yuma3", "liquid_alpha": (0.1, 1.1)}, "liquid_alpha"),
    (Yuma, {"liquid_alpha": (0.1, 0.5)}, "only to version=yuma3"),
    (Yuma, {"max_validators": 0}, "max_validators"),
    (QuadraticVoting, {"threshold": 1.0}, "threshold"),
    (QuadraticVoting, {"threshold": -0.01}, "threshold"),
    (TokenVote, {"threshold": 1.0}, "threshold"),
    (BittensorEmission, {"emission_per_epoch": -0.01}, "emission_per_epoch"),
    (BittensorEmission, {"owner_cut": 1.01}, "owner_cut"),
    (BittensorEmission, {"fee_share": -0.01}, "fee_share"),
    (NumeraiStake, {"threshold": 0.0}, "threshold"),
    (NumeraiStake, {"clip": -0.01}, "clip"),
    (OceanDataFarming, {"apy_cap": -0.01}, "apy_cap"),
    (OceanDataFarming, {"record_value": -0.01}, "record_value"),
    (PlatformWages, {"wage_per_update": -0.01}, "wage_per_update"),
    (PlatformWages, {"price_per_record": -0.01}, "price_per_record"),
    (ProportionalEmission, {"emission_per_epoch": -0.01}, "emission_per_epoch"),
    (ProportionalEmission, {"fee_share": 1.01}, "fee_share"),
    (ProportionalEmission, {"builder_share": 0.6}, "data_share = 1"),
    (ShapleyRewards, {"n_permutations": 0}, "n_permutations"),
    (ShapleyRewards, {"method": "banzhaf"}, "method"),
    (ReverseAuction, {"max_price": -0.01}, "max_price"),
    (ReverseAuction, {"markup": -0.01}, "markup"),
    (DoubleAuction, {"value_per_unit": -0.01}, "value_per_unit"),
    (DoubleAuction, {"max_price": 0.0}, "max_price"),
    (PostedPrice, {"price": -0.01}, "price"),
]


def _id(case) -> str:
    return f"{case[0].__name__}-{'-'.join(f'{k}={v}' for k, v in case[1].items())}"


@pytest.mark.parametrize("case", ACCEPTED, ids=[_id(c) for c in ACCEPTED])
def test_the_ends_of_every_parameter_range_are_accepted(case):
    cls, kwargs = case
    instance = cls(**kwargs)
    for name, value in kwargs.items():
        if name in ("bonds_moving_average", "builder_share", "validator_share", "data_share"):
            continue  # stored in another form (α = 1 − moving average; a shares vector)
        stored = getattr(instance, name)
        assert stored == (tuple(value) if name == "liquid_alpha" else value)


@pytest.mark.parametrize("case", REFUSED, ids=[_id(c) for c in REFUSED])
def test_values_beyond_a_range_are_refused_naming_the_parameter(case):
    cls, kwargs, named = case
    with pytest.raises(ValueError, match=named):
        cls(**kwargs)
