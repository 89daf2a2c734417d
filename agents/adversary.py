"""Adversarial behaviours, one registered class each.

An adversary is a role's agent class with one decision replaced.  ``@adversary("free_riders")``
registers it under the config key that sets the share of the role's initial members who play it
(``adversaries.free_riders=0.25``); the config schema and the adversary report are derived from
this registry, so a new attack is one class here (or in any module imported before the config is
composed), nothing else.  The hooks act on all members at once:

- builders: ``buys_compute`` (who asks the market for compute), ``flips_labels`` (train on
  y ↦ C − 1 − y), ``submit(round, members)`` (replace what members submit, in the round);
- validators: ``set_member_weights(round, members)`` (replace the weights they set).

The attacks:

- FreeRider: buys no compute, uses no data and resubmits the network model.
- ModelCopier: buys no compute and resubmits last epoch's best-rewarded submission.
- SybilBuilder: one of several identities of a single owner; buys nothing and resubmits the
  owner's primary submission, to multiply the owner's share of rewards.
- UidHoarder: trains as an honest builder and holds ``adversaries.hoard_uids`` UIDs, registering
  (and paying the burn of) a SybilBuilder identity for each extra one (sim/epoch/hoarding.py).
- WeightCopier: does not evaluate; sets last epoch's agreed weights (the consensus vector).
- CabalValidator: puts all of its weight on one friend builder.
- LazyValidator: scores a random sample of the submissions and weighs only those.
- Markup25, Markup100 (compute providers): ask 25 % or 100 % over their unit cost.
- Withholder (data providers): license nothing.
- YieldChaser (nominators): reviews its delegation every epoch instead of now and then, moving
  to the best yield whenever the move pays (sim/epoch/delegation.py).
- Model poisoning (Blanchard et al., "Machine Learning with Adversaries: Byzantine Tolerant
  Gradient Descent", NeurIPS 2017; Baruch et al., NeurIPS 2019): SignFlipper submits θ − s·Δ,
  NoiseInjector θ + N(0, σ²), LittleIsEnough the honest updates' coordinate mean minus z
  standard deviations, LabelFlipper trains honestly on flipped labels.

Which slots are adversarial is drawn from the population stream, so two scenarios with one seed
face the same adversaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from agents.roles import ComputeProvider, DataProvider, ModelBuilder, Nominator, Validator
from sim.roles import Role

ADVERSARIES: dict[str, type] = {}  # config share key → behaviour class, in registration order


def adversary(share_key: str):
    """Register an adversarial agent class under its config share key."""

    def register(cls):
        if share_key in ADVERSARIES and ADVERSARIES[share_key] is not cls:
            raise ValueError(f"adversaries.{share_key} is already registered")
        cls.share_key = share_key
        ADVERSARIES[share_key] = cls
        return cls

    return register


def behaviours_of(role: Role) -> list[type]:
    return [cls for cls in ADVERSARIES.values() if cls.role == role]


def behaviour_of_kind(kind: str) -> type:
    return next(cls for cls in ADVERSARIES.values() if cls.kind == kind)


@dataclass
class SubmissionRound:
    """What builders are about to submit: the working table the behaviours rewrite."""

    thetas: np.ndarray  # (B, D) models by builder position
    submitted: np.ndarray  # (B,) bool
    network_model: np.ndarray  # (D,)
    population: Any
    builder_slots: np.ndarray
    rng: np.random.Generator
    params: Any  # the config's ``adversaries`` section
    # The submission with the most agreed weight in the last committed round (None before one).
    best_last: np.ndarray | None = None


@dataclass
class WeightingRound:
    """The (E, B) weights validators are about to set."""

    weights: np.ndarray
    submitted: np.ndarray
    last_consensus: np.ndarray
    friend: int | None  # the builder position a cabal backs
    params: Any
    rng: np.random.Generator | None = None  # for behaviours that draw (a lazy validator's sample)


@adversary("free_riders")
class FreeRider(ModelBuilder):
    kind = "free_rider"

    @classmethod
    def buys_compute(cls, population, slots):
        return np.zeros(len(slots), dtype=bool)

    @classmethod
    def submit(cls, round: SubmissionRound, members: np.ndarray) -> None:
        round.thetas[members] = cls.submission(round)
        round.submitted[members] = True

    @staticmethod
    def submission(round: SubmissionRound) -> np.ndarray:
        """What it resubmits without training: the network model."""
        return round.network_model


@adversary("sybils")
class SybilBuilder(ModelBuilder):
    kind = "sybil"
    adaptive = False  # an identity of an owner, not a strategy one builder can take up

    @classmethod
    def assign(cls, population, group: np.ndarray) -> None:
        """Every identity of the group belongs to the owner of the first."""
        if len(group):
            population.owner[group] = group[0]

    @classmethod
    def buys_compute(cls, population, slots):
        """Only the owner's primary identity trains; the others copy it."""
        return population.owner[slots] == slots

    @classmethod
    def submit(cls, round: SubmissionRound, members: np.ndarray) -> None:
        p, slots = round.population, round.builder_slots
        copies = members & (p.owner[slots] != slots)
        primary = p.position(Role.BUILDER, p.owner[slots[copies]])
        round.thetas[copies] = cls.submission(round.thetas[primary])
        round.submitted[copies] = round.submitted[primary]

    @staticmethod
    def submission(primary: np.ndarray) -> np.ndarray:
        return primary


@adversary("model_copiers")
class ModelCopier(FreeRider):
    """Buys no compute and resubmits the model that earned the most agreed weight last epoch,
    another builder's work (the model-copying attack on Bittensor's pre-training subnets, whose
    miners publish their models: the reason their scoring rule gives the earlier of two
    near-equal submissions an advantage, scoring=winner_take_all).  Before any round has
    committed it resubmits the network model, as a free rider does."""

    kind = "model_copier"

    @staticmethod
    def submission(round: SubmissionRound) -> np.ndarray:
        return round.network_model if round.best_last is None else round.best_last


@adversary("uid_hoarders")
class UidHoarder(ModelBuilder):
    """A Sybil by choice: trains and submits as an honest builder, and holds
    ``adversaries.hoard_uids`` UIDs in all, each extra one a SybilBuilder identity it owns that
    resubmits its model.  It pays every extra UID's registration burn from its own balance at the
    access mechanism's price (sim/epoch/hoarding.py registers and releases them), and learns from
    its own profit plus its identities' (sim/epoch/adaptation.py).  On Bittensor the UID, not the
    person, is paid: one miner running its model on several UIDs collects several incentives
    where validators do not penalise duplicates."""

    kind = "uid_hoarder"


@adversary("weight_copiers")
class WeightCopier(Validator):
    kind = "weight_copier"
    evaluates = False

    @classmethod
    def set_member_weights(cls, round: WeightingRound, members: np.ndarray) -> None:
        round.weights[members] = cls.copied_weights(round.last_consensus, round.submitted)

    @staticmethod
    def copied_weights(last_consensus: np.ndarray, submitted: np.ndarray) -> np.ndarray:
        """Last epoch's consensus weights, on this epoch's submissions."""
        return np.where(submitted, last_consensus, 0.0)


def sampled(rng, rows: int, positions: np.ndarray, k, width: int) -> np.ndarray:
    """(rows, width) mask: each row keeps ``k`` (a number, or one per row) of ``positions``
    drawn without replacement, from one draw for all rows (each row's k smallest random keys
    are its sample)."""
    keys = rng.random((rows, len(positions)))
    rank = np.argsort(np.argsort(keys, axis=1), axis=1)
    kept = np.zeros((rows, width), dtype=bool)
    kept[:, positions] = rank < np.reshape(k, (-1, 1))
    return kept


@adversary("lazy_validators")
class LazyValidator(Validator):
    """Scores only a random sample of the submissions (``adversaries.lazy_sample`` of them, at
    least one) and weighs those as an honest validator would, leaving the rest at zero: it pays
    the evaluation cost of its sample only."""

    kind = "lazy_validator"

    @classmethod
    def scored_count(cls, received: int, params) -> float:
        return min(received, max(1, int(np.ceil(params.lazy_sample * received))))

    @classmethod
    def set_member_weights(cls, round: WeightingRound, members: np.ndarray) -> None:
        positions = np.flatnonzero(round.submitted)
        if not len(positions):
            return
        rows = np.flatnonzero(members)
        k = int(cls.scored_count(len(positions), round.params))
        kept = sampled(round.rng, len(rows), positions, k, round.weights.shape[1])
        round.weights[rows] = cls.sampled_weights(round.weights[rows], kept)

    @staticmethod
    def sampled_weights(honest: np.ndarray, kept: np.ndarray) -> np.ndarray:
        return np.where(kept, honest, 0.0)


@adversary("cabal")
class CabalValidator(Validator):
    kind = "cabal"
    evaluates = False

    @classmethod
    def set_member_weights(cls, round: WeightingRound, members: np.ndarray) -> None:
        if round.friend is not None and members.any():
            round.weights[members] = cls.collusive_weights(round.weights.shape[1], round.friend)

    @staticmethod
    def collusive_weights(n_builders: int, friend: int) -> np.ndarray:
        row = np.zeros(n_builders)
        row[friend] = 1.0
        return row


class ModelPoisoner(ModelBuilder):
    """A builder that trains, then replaces the model it submits (only what it submits)."""

    @classmethod
    def submit(cls, round: SubmissionRound, members: np.ndarray) -> None:
        members = members & round.submitted
        round.thetas[members] = cls.poisoned(round, members)

    @classmethod
    def poisoned(cls, round: SubmissionRound, members: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@adversary("sign_flippers")
class SignFlipper(ModelPoisoner):
    kind = "sign_flipper"

    @classmethod
    def poisoned(cls, round, members):
        return cls.poison(round.network_model, round.thetas[members], round.params.attack_scale)

    @staticmethod
    def poison(network_model: np.ndarray, trained: np.ndarray, scale: float) -> np.ndarray:
        """θ − scale · (θ_b − θ), row-wise: the update reversed and amplified."""
        return network_model - scale * (trained - network_model)


@adversary("noise_injectors")
class NoiseInjector(ModelPoisoner):
    kind = "noise_injector"

    @classmethod
    def poisoned(cls, round, members):
        n, std = int(members.sum()), round.params.noise_std
        return cls.poison(round.network_model, round.rng, n, std)

    @staticmethod
    def poison(
        network_model: np.ndarray, rng: np.random.Generator, n: int, std: float
    ) -> np.ndarray:
        return network_model + rng.normal(0.0, std, (n, network_model.size))


@adversary("little_is_enough")
class LittleIsEnough(ModelPoisoner):
    """Baruch, Baruch & Goldberg, "A Little Is Enough: Circumventing Defenses For Distributed
    Learning", NeurIPS 2019: every attacker sends μ − z·σ of the honest updates, per coordinate,
    small enough to pass median- and distance-based filters."""

    kind = "little_is_enough"

    @classmethod
    def poisoned(cls, round, members):
        p, slots = round.population, round.builder_slots
        honest = round.submitted & (p.adversary[slots] == "")
        updates = round.thetas[honest] - round.network_model
        return cls.poison(round.network_model, updates, round.params.alie_z, int(members.sum()))

    @staticmethod
    def poison(
        network_model: np.ndarray, honest_updates: np.ndarray, z: float, n: int
    ) -> np.ndarray:
        if len(honest_updates) == 0:
            return np.tile(network_model, (n, 1))
        shift = honest_updates.mean(axis=0) - z * honest_updates.std(axis=0)
        return np.tile(network_model + shift, (n, 1))


@adversary("label_flippers")
class LabelFlipper(ModelBuilder):
    kind = "label_flipper"
    flips_labels: ClassVar[bool] = True

    @staticmethod
    def flip(labels: np.ndarray, n_classes: int) -> np.ndarray:
        return n_classes - 1 - labels


@adversary("markup_25")
class Markup25(ComputeProvider):
    """A compute provider that asks 25 % over its cost."""

    kind = "markup_25"
    markup = 0.25


@adversary("markup_100")
class Markup100(ComputeProvider):
    """A compute provider that asks twice its cost."""

    kind = "markup_100"
    markup = 1.0


@adversary("withholders")
class Withholder(DataProvider):
    """A data provider that keeps its records to itself: nobody trains on them, and it earns
    nothing for them."""

    kind = "withholder"
    licenses = False


@adversary("yield_chasers")
class YieldChaser(Nominator):
    """Reviews its delegation every epoch (a loyal nominator reviews with probability
    ``delegation.review_probability``) and moves its stake to the validator with the best yield
    whenever the extra yield over ``population.entry_horizon`` epochs pays the switching cost
    it burns: it earns what it catches of the best validators' yields and pays a swap fee on
    every move (sim/epoch/delegation.py)."""

    kind = "yield_chaser"
    always_reviews = True
