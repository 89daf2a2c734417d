"""Adversarial participants.  Each is a role's agent class with one decision rule replaced.

- FreeRider (builder): buys no compute, uses no data and resubmits the network model.
- SybilBuilder (builder): one of several identities of a single owner; buys nothing and
  resubmits the owner's primary submission, to multiply the owner's share of rewards.
- WeightCopier (validator): does not evaluate; sets last epoch's agreed weights (the consensus
  vector) as its own, to earn dividends for free.
- CabalValidator (validator): puts all of its weight on one friend builder.
- Model-poisoning builders (attacks on aggregation, Baruch et al. 2019; Blanchard et al. 2017):
  SignFlipper submits θ − s·Δ (its update reversed and scaled), NoiseInjector θ + N(0, σ²),
  LittleIsEnough the honest updates' coordinate mean minus z standard deviations, LabelFlipper
  trains honestly on labels y ↦ C − 1 − y.

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
    sign_flipper = "sign_flipper"
    noise_injector = "noise_injector"
    little_is_enough = "little_is_enough"
    label_flipper = "label_flipper"


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


class SignFlipper(ModelBuilder):
    kind = Adversary.sign_flipper

    @staticmethod
    def poison(network_model: np.ndarray, trained: np.ndarray, scale: float) -> np.ndarray:
        """θ − scale · (θ_b − θ), row-wise: the update reversed and amplified."""
        return network_model - scale * (trained - network_model)


class NoiseInjector(ModelBuilder):
    kind = Adversary.noise_injector

    @staticmethod
    def poison(
        network_model: np.ndarray, rng: np.random.Generator, n: int, std: float
    ) -> np.ndarray:
        return network_model + rng.normal(0.0, std, (n, network_model.size))


class LittleIsEnough(ModelBuilder):
    """Baruch, Baruch & Goldberg, "A Little Is Enough: Circumventing Defenses For Distributed
    Learning", NeurIPS 2019: every attacker sends μ − z·σ of the honest updates, per coordinate,
    small enough to pass median- and distance-based filters."""

    kind = Adversary.little_is_enough

    @staticmethod
    def poison(
        network_model: np.ndarray, honest_updates: np.ndarray, z: float, n: int
    ) -> np.ndarray:
        if len(honest_updates) == 0:
            return np.tile(network_model, (n, 1))
        shift = honest_updates.mean(axis=0) - z * honest_updates.std(axis=0)
        return np.tile(network_model + shift, (n, 1))


class LabelFlipper(ModelBuilder):
    kind = Adversary.label_flipper

    @staticmethod
    def flip(labels: np.ndarray, n_classes: int) -> np.ndarray:
        return n_classes - 1 - labels


ADVERSARY_CLASSES = {
    Adversary.free_rider: FreeRider,
    Adversary.sybil: SybilBuilder,
    Adversary.weight_copier: WeightCopier,
    Adversary.cabal: CabalValidator,
    Adversary.sign_flipper: SignFlipper,
    Adversary.noise_injector: NoiseInjector,
    Adversary.little_is_enough: LittleIsEnough,
    Adversary.label_flipper: LabelFlipper,
}

POISONERS = (
    Adversary.sign_flipper,
    Adversary.noise_injector,
    Adversary.little_is_enough,
    Adversary.label_flipper,
)
