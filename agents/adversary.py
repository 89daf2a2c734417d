"""Adversarial participants.  Each is a role's agent class with one decision rule replaced.

- FreeRider (builder): buys no compute, uses no data and resubmits the network model.
- SybilBuilder (builder): one of several identities of a single owner; buys nothing and
  resubmits the owner's primary submission, to multiply the owner's share of rewards.
- WeightCopier (validator): does not evaluate; sets last epoch's agreed weights (the consensus
  vector) as its own, to earn dividends for free.
- CabalValidator (validator): puts all of its weight on one friend builder.

The model draws which slots are adversarial from the population stream (config ``adversaries``),
so that two scenarios with one seed face the same adversaries.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from agents.roles import ModelBuilder, Validator


class Adversary(str, Enum):
    free_rider = "free_rider"
    sybil = "sybil"
    weight_copier = "weight_copier"
    cabal = "cabal"


class FreeRider(ModelBuilder):
    kind = Adversary.free_rider

    @staticmethod
    def submission(network_model: np.ndarray) -> np.ndarray:
        return network_model


class SybilBuilder(ModelBuilder):
    kind = Adversary.sybil

    @staticmethod
    def submission(primary: np.ndarray) -> np.ndarray:
        return primary


class WeightCopier(Validator):
    kind = Adversary.weight_copier

    @staticmethod
    def copied_weights(last_consensus: np.ndarray, submitted: np.ndarray) -> np.ndarray:
        """Last epoch's consensus weights, on this epoch's submissions."""
        return np.where(submitted, last_consensus, 0.0)


class CabalValidator(Validator):
    kind = Adversary.cabal

    @staticmethod
    def collusive_weights(n_builders: int, friend: int) -> np.ndarray:
        row = np.zeros(n_builders)
        row[friend] = 1.0
        return row


ADVERSARY_CLASSES = {
    Adversary.free_rider: FreeRider,
    Adversary.sybil: SybilBuilder,
    Adversary.weight_copier: WeightCopier,
    Adversary.cabal: CabalValidator,
}
