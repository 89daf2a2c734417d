"""Structured configuration: the schema every composed config is checked against.

The dataclasses below are registered in Hydra's ConfigStore as ``schema``; ``configs/config.yaml``
extends it, so a typo'd key or a value of the wrong type fails at composition.  Ranges are checked
in ``__post_init__`` when the composed config is turned into objects (``validate``), and each
mechanism checks its own parameters when it is built.  Every failure is a ``ConfigError`` whose
message starts with the offending key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, make_dataclass
from enum import Enum, StrEnum
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.utils import get_class, get_method
from omegaconf import MISSING, DictConfig, OmegaConf

from mechanisms import FAMILIES


class ConfigError(ValueError):
    """A configuration value that cannot run; the message names the key and what is allowed."""


def _at_least(key: str, value, low) -> None:
    if value < low:
        raise ConfigError(f"{key}: must be ≥ {low}, got {value}")


def _fraction(key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{key}: must be a fraction in [0, 1], got {value}")


NETWORK = {"_target_": "sim.organisation.Network"}


class Partition(StrEnum):
    dirichlet = "dirichlet"
    iid = "iid"
    shards = "shards"
    quantity_skew = "quantity_skew"
    natural = "natural"  # whole owners per provider (an .npz with an owner array)


class Payoff(StrEnum):
    profit = "profit"
    return_on_capital = "return_on_capital"


class UnplayedPayoff(StrEnum):
    own = "own"
    last_seen = "last_seen"


class ModelKind(StrEnum):
    logreg = "logreg"
    mlp = "mlp"
    cnn1d = "cnn1d"  # for sequence-shaped features such as MNIST-1D's


class LedgerDetail(StrEnum):
    full = "full"
    summary = "summary"


class RemovalTarget(StrEnum):
    degree = "degree"
    stake = "stake"


class Topology(str, Enum):
    star = "star"
    random_regular = "random_regular"
    erdos_renyi = "erdos_renyi"
    watts_strogatz = "watts_strogatz"


@dataclass
class ScenarioConfig:
    name: str = MISSING
    # Who runs the economy (sim.organisation): a class built from its ``_target_``.
    organisation: Any = field(default_factory=lambda: dict(NETWORK))
    topology: Topology = Topology.random_regular
    peer_degree: int = 4
    platform_capital: float = 2000.0  # tokens the coordinator starts with (platform only)
    public_ledger: bool = True  # decision inputs published (network) or kept private (platform)
    # Validator permits (a Bittensor subnet: 64): only this many largest stakes set weights that
    # count; null: every validator (mechanisms/subnet/permits.py).
    max_validators: int | None = None
    # A UID cap (a Bittensor subnet: 256 builder and validator UIDs together): a registrant into
    # a full network replaces the UID outside its immunity period with the lowest emission last
    # epoch, ties to the earliest registered (mechanisms/subnet/registration.py); null: no cap.
    max_uids: int | None = None
    # Epochs a newcomer cannot be pruned (the chain's 5,000 blocks ≈ 14 tempos).
    immunity_epochs: int = 0
    # Consensus counts no validator stake above this percentile of the validators' stakes
    # (Lui & Sun's proposed cap: 88); null: no cap.
    stake_cap_percentile: float | None = None

    def __post_init__(self):
        _at_least("scenario.peer_degree", self.peer_degree, 1)
        _at_least("scenario.platform_capital", self.platform_capital, 0)
        if self.max_validators is not None:
            _at_least("scenario.max_validators", self.max_validators, 1)
        if self.max_uids is not None:
            _at_least("scenario.max_uids", self.max_uids, 2)
        _at_least("scenario.immunity_epochs", self.immunity_epochs, 0)
        if self.stake_cap_percentile is not None and not 0 < self.stake_cap_percentile <= 100:
            raise ConfigError(
                "scenario.stake_cap_percentile: must lie in (0, 100], got "
                f"{self.stake_cap_percentile}"
            )
        target = self.organisation.get("_target_") if isinstance(self.organisation, dict) else None
        if not target:
            raise ConfigError(
                "scenario.organisation: needs a _target_ naming the organisation's class, e.g. "
                "sim.organisation.Network"
            )
        try:
            organisation = get_class(target)
        except Exception as error:
            raise ConfigError(
                f"scenario.organisation: cannot import {target!r} ({error})"
            ) from None
        if organisation.needs_star and self.topology != Topology.star:
            raise ConfigError(f"scenario.topology: a {organisation.name} needs topology=star")


@dataclass
class PopulationConfig:
    compute_providers: int = 6
    data_providers: int = 20
    builders: int = 12
    validators: int = 8
    consumers: int = 60
    # Token holders who do no work and delegate their stake to validators (a Bittensor
    # subnet's nominators; sim/epoch/delegation.py); none by default.
    nominators: int = 0
    newcomer_slots: int = 4  # extra slots per role for participants who join during the run
    # Free nominator slots for stakers who move in from another organisation (sim/federation.py,
    # ``Mobility.roles`` with nominators); nominators do not otherwise arrive.
    nominator_slots: int = 0
    arrival_rate: float = 0.5  # expected applicants per role per epoch (Poisson)
    patience: int = 5  # consecutive loss-making epochs before a participant leaves
    # Epochs in which the coordinator is down do not count toward patience (false: they do,
    # and an outage as long as the patience empties a platform for good).
    wait_out_outages: bool = True
    entry_horizon: int = 20  # epochs over which an applicant spreads its entry cost
    # Share of an adapting participant's first policy spread over its role's other strategies
    # (with adaptation other than fixed; the rest is on the strategy it was given).
    strategy_exploration: float = 0.1
    # What adapting participants compare strategies by: ``profit`` (tokens this epoch) or
    # ``return_on_capital``, under which validators, whose income grows with their stake whatever
    # they play, compare profit per token of stake (with what is delegated to them) at the
    # epoch's start, so that a rich validator's income does not pass for its strategy's.
    payoff: Payoff = Payoff.profit
    # What a learner credits a strategy nobody in its role played this epoch with: ``own``, the
    # member's own payoff (no information: the strategy neither gains nor loses ground), or
    # ``last_seen``, the mean payoff it earned the last epoch anyone played it (what a public
    # ledger's history shows; the member's own payoff until it has been played once).
    unplayed_payoff: UnplayedPayoff = UnplayedPayoff.own
    endowment: float = 50.0  # median tokens a supplier brings (log-normal, σ below)
    endowment_sigma: float = 1.0
    consumer_endowment: float = 100.0
    # Log-normal σ of validators' and nominators' endowments (their stake); null: endowment_sigma.
    # σ = 2.5 gives a stake Gini near 0.92, as concentrated as Bittensor's subnets.
    stake_sigma: float | None = None
    consumer_value: float = 4.0  # median tokens per epoch a consumer gives for a perfect model

    def __post_init__(self):
        for key in ("compute_providers", "data_providers", "builders", "validators", "consumers"):
            _at_least(f"population.{key}", getattr(self, key), 1)
        _at_least("population.newcomer_slots", self.newcomer_slots, 0)
        _at_least("population.nominator_slots", self.nominator_slots, 0)
        _at_least("population.arrival_rate", self.arrival_rate, 0)
        _at_least("population.patience", self.patience, 1)
        _at_least("population.entry_horizon", self.entry_horizon, 1)
        _fraction("population.strategy_exploration", self.strategy_exploration)
        for key in ("endowment", "endowment_sigma", "consumer_endowment", "consumer_value"):
            _at_least(f"population.{key}", getattr(self, key), 0)
        _at_least("population.nominators", self.nominators, 0)
        if self.stake_sigma is not None:
            _at_least("population.stake_sigma", self.stake_sigma, 0)


@dataclass
class LearningConfig:
    # A registered data set (sim.learning.data.DATASETS): digits (bundled, 1,797 images),
    # gaussian_mixture and mnist1d (generated, any size), npz (arrays X, y at data_path).
    dataset: str = "digits"
    samples: int | None = None  # size of a generated data set (None: its default)
    data_path: str | None = None  # the .npz (arrays X and y) when dataset=npz
    partition: Partition = Partition.dirichlet
    shards_per_provider: int = 2  # label-sorted shards per data provider (partition=shards)
    quantity_beta: float = 0.5  # Dirichlet concentration of shard sizes (partition=quantity_skew)
    model: ModelKind = ModelKind.logreg
    hidden: int = 32  # hidden units of the MLP
    hidden_layers: int = 1  # hidden layers of the MLP (MNIST-1D's reference MLP has 2 × 100)
    test_fraction: float = 0.2
    validation_fraction: float = 0.15
    dirichlet_alpha: float = 0.5  # label skew across data providers (small = non-IID)
    licenses_per_builder: int = 2  # shards a builder trains on each epoch
    learning_rate: float = 0.5
    max_local_steps: int = 10
    # Records per local step: null uses all of a builder's records (full batch); a number draws
    # a minibatch of that size with replacement, so a step costs the same whatever a builder
    # holds (what large economies need; configs/scale/n100k.yaml sets 32).
    batch_size: int | None = None
    steps_per_unit: float = 2.0  # local steps one compute unit pays for
    # Held-out records each evaluator scores on at least; fewer evaluators than the validation
    # pool can serve at this size share overlapping samples of it.
    min_validation_records: int = 20
    # Memory one scoring call may take: evaluators × submissions are scored in chunks that fit.
    evaluation_memory_mb: int = 256
    # Memory one training call may take: builders are trained in groups that fit.
    training_memory_mb: int = 1024
    # Test records on which each submission's quality (a metric only) is measured; the network
    # model's test accuracy always uses the whole test pool.
    quality_sample: int = 1000

    def __post_init__(self):
        self._check_data()
        _at_least("learning.shards_per_provider", self.shards_per_provider, 1)
        if self.quantity_beta <= 0:
            raise ConfigError(f"learning.quantity_beta: must be > 0, got {self.quantity_beta}")
        _at_least("learning.hidden", self.hidden, 1)
        if self.batch_size is not None:
            _at_least("learning.batch_size", self.batch_size, 1)
        _at_least("learning.hidden_layers", self.hidden_layers, 1)
        _fraction("learning.test_fraction", self.test_fraction)
        _fraction("learning.validation_fraction", self.validation_fraction)
        if self.test_fraction + self.validation_fraction >= 0.9:
            raise ConfigError(
                "learning.test_fraction + learning.validation_fraction: must stay below 0.9"
            )
        if self.dirichlet_alpha <= 0:
            raise ConfigError(f"learning.dirichlet_alpha: must be > 0, got {self.dirichlet_alpha}")
        _at_least("learning.licenses_per_builder", self.licenses_per_builder, 1)
        if self.learning_rate <= 0:
            raise ConfigError(f"learning.learning_rate: must be > 0, got {self.learning_rate}")
        _at_least("learning.max_local_steps", self.max_local_steps, 1)
        _at_least("learning.min_validation_records", self.min_validation_records, 1)
        _at_least("learning.evaluation_memory_mb", self.evaluation_memory_mb, 1)
        _at_least("learning.training_memory_mb", self.training_memory_mb, 1)
        _at_least("learning.quality_sample", self.quality_sample, 1)
        if self.steps_per_unit <= 0:
            raise ConfigError(f"learning.steps_per_unit: must be > 0, got {self.steps_per_unit}")

    def _check_data(self) -> None:
        """The data set, its size and path, and whether it has the owners a partition needs."""
        from sim.learning.data import DATASETS

        if self.dataset not in DATASETS:
            raise ConfigError(
                f"learning.dataset: must be one of: {', '.join(DATASETS)}; got {self.dataset!r}"
            )
        if self.samples is not None:
            _at_least("learning.samples", self.samples, 10)
            if self.dataset in ("digits", "npz"):
                raise ConfigError(
                    f"learning.samples: {self.dataset} has a fixed size; drop learning.samples"
                )
        if self.data_path is not None and self.dataset != "npz":
            raise ConfigError(
                f"learning.data_path: is read only with learning.dataset=npz, not "
                f"{self.dataset!r}; add learning.dataset=npz or drop learning.data_path"
            )
        if self.dataset == "npz":
            from sim.learning.data import load_npz

            if not self.data_path:
                raise ConfigError("learning.data_path: dataset=npz needs the path of an .npz file")
            try:
                owners = load_npz(self.data_path, with_owners=True)[3]
            except ValueError as error:
                raise ConfigError(f"learning.data_path: {error}") from error
            if self.partition == Partition.natural and owners is None:
                raise ConfigError(
                    f"learning.partition=natural: {self.data_path} has no owner array; add "
                    "one (who holds each record) or choose another partition"
                )
        elif self.partition == Partition.natural:
            raise ConfigError(
                f"learning.partition=natural: learning.dataset={self.dataset} has no owner "
                "keys; use learning.dataset=npz with an owner array, or another partition"
            )


@dataclass
class ValidationConfig:
    # Submissions each evaluator scores per epoch, drawn at random (those it never scored
    # first); the rest read as its moving average (null: every submission, every epoch).
    sample_size: int | None = None
    # Weight of a fresh margin in an evaluator's moving average of a builder's margin over the
    # network model (Bittensor's subnet template: neuron.moving_average_alpha, 0.1).
    moving_average_alpha: float = 0.1
    # Every evaluator scores on the whole validation pool (a subnet whose validators sample one
    # public corpus and agree on the scores) instead of a held-out pool of its own.
    shared: bool = False

    def __post_init__(self):
        if self.sample_size is not None:
            _at_least("validation.sample_size", self.sample_size, 1)
        if not 0 < self.moving_average_alpha <= 1:
            raise ConfigError(
                "validation.moving_average_alpha: must be in (0, 1], got "
                f"{self.moving_average_alpha}"
            )


@dataclass
class EconomyConfig:
    consumer_price: float = 1.0  # tokens per epoch of model access (a governed parameter)
    compute_capacity: float = 8.0  # median units a compute provider sells per epoch
    compute_unit_cost: float = 0.3  # median marginal cost of a unit
    builder_cost: float = 0.5  # tokens per epoch a builder spends besides compute
    validator_cost: float = 0.5
    data_provider_cost: float = 0.1
    governance_interval: int = 5  # epochs between proposals (consumer price, emission rate)
    price_step: float = 0.2  # a proposal moves its parameter by this fraction
    # A governed parameter stays within [start / range, start × range]: governance moves it, the
    # protocol bounds it (as Bittensor's registration burn moves only between the chain's
    # min_burn and max_burn).
    governance_range: float = 10.0
    # Tokens an honest validator spends on each submission it scores (copiers spend none).
    evaluation_cost: float = 0.0
    # Epochs until committed weights become visible to other validators (commit-reveal, usable
    # with every consensus member): a weight copier copies the agreed weights of that many
    # committed rounds ago (1: last round's, no commit-reveal).
    reveal_interval: int = 1

    def __post_init__(self):
        for key in (
            "consumer_price",
            "compute_capacity",
            "compute_unit_cost",
            "builder_cost",
            "validator_cost",
            "data_provider_cost",
            "evaluation_cost",
        ):
            _at_least(f"economy.{key}", getattr(self, key), 0)
        _at_least("economy.reveal_interval", self.reveal_interval, 1)
        _at_least("economy.governance_interval", self.governance_interval, 1)
        _fraction("economy.price_step", self.price_step)
        _at_least("economy.governance_range", self.governance_range, 1)


@dataclass
class DelegationConfig:
    """How nominators' stake follows validators' yields (sim/epoch/delegation.py)."""

    # The share of the dividends earned by delegated stake its validator keeps (the chain:
    # 0 to 11,796 / 65,535, the default; 0.18 stands for that maximum).
    take: float = 0.18
    # Share of the moved stake a nominator loses when it moves (the chain's swap fee is about
    # 0.0005); it moves when its horizon's extra yield covers this.
    switching_cost: float = 0.0005
    # Probability a nominator reviews its validator in an epoch.
    review_probability: float = 0.2

    def __post_init__(self):
        if not 0.0 <= self.take <= 0.18:
            raise ConfigError(f"delegation.take: must lie in [0, 0.18], got {self.take}")
        _fraction("delegation.switching_cost", self.switching_cost)
        _fraction("delegation.review_probability", self.review_probability)


@dataclass
class FaultConfig:
    offline_probability: float = 0.05  # each node, the coordinator included, each epoch
    coordinator_outage_start: int = -1  # epoch of a forced coordinator outage (−1: none)
    coordinator_outage_length: int = 0
    failure_domains: int = 1  # nodes are spread over this many domains (racks, regions, clouds)
    domain_failure_probability: float = 0.0  # each domain, each epoch: all its nodes go offline
    targeted_removal_epoch: int = (
        -1
    )  # epoch at which the best-connected nodes are removed (−1: never)
    targeted_removal_fraction: float = 0.0  # share of active participants removed then
    targeted_removal_by: RemovalTarget = RemovalTarget.degree
    partition_start: int = -1  # epoch a network partition begins (−1: none)
    partition_length: int = 0
    partition_fraction: float = 0.0  # share of participants cut off from the rest

    def __post_init__(self):
        _fraction("faults.offline_probability", self.offline_probability)
        _at_least("faults.coordinator_outage_length", self.coordinator_outage_length, 0)
        _at_least("faults.failure_domains", self.failure_domains, 1)
        _fraction("faults.domain_failure_probability", self.domain_failure_probability)
        _fraction("faults.targeted_removal_fraction", self.targeted_removal_fraction)
        _at_least("faults.partition_length", self.partition_length, 0)
        _fraction("faults.partition_fraction", self.partition_fraction)


ATTACK_PARAMETERS = (
    ("attack_scale", 4.0),  # sign flippers submit θ − attack_scale · Δ
    ("noise_std", 1.0),  # noise injectors submit θ + N(0, noise_std²)
    ("alie_z", 1.0),  # little-is-enough submits honest mean − alie_z · std (Baruch 2019)
    ("lazy_sample", 0.1),  # the share of submissions a lazy validator scores (at least one)
    ("hoard_uids", 3.0),  # the UIDs a UID hoarder holds in all (a whole number, at least 2)
)


def _check_adversaries(self) -> None:
    from agents.adversary import ADVERSARIES

    for key in ADVERSARIES:
        _fraction(f"adversaries.{key}", getattr(self, key))
    for role in {cls.role for cls in ADVERSARIES.values()}:
        keys = [key for key, cls in ADVERSARIES.items() if cls.role == role]
        if sum(getattr(self, key) for key in keys) > 1:
            raise ConfigError(
                f"adversaries.{' + adversaries.'.join(keys)}: the shares of adversarial "
                f"{role.name.lower()}s must not add up to more than 1"
            )
    for key, _ in ATTACK_PARAMETERS:
        _at_least(f"adversaries.{key}", getattr(self, key), 0)
    _fraction("adversaries.lazy_sample", self.lazy_sample)
    _at_least("adversaries.hoard_uids", self.hoard_uids, 2)
    if self.hoard_uids != int(self.hoard_uids):
        raise ConfigError(f"adversaries.hoard_uids={self.hoard_uids}: must be a whole number")


def adversary_config_class() -> type:
    """The ``adversaries`` section: one share in [0, 1] per registered adversary (its config key,
    agents.adversary) and the attacks' parameters."""
    from agents.adversary import ADVERSARIES

    shares = [(key, float, field(default=0.0)) for key in ADVERSARIES]
    parameters = [(key, float, field(default=value)) for key, value in ATTACK_PARAMETERS]
    return make_dataclass(
        "AdversaryConfig", shares + parameters, namespace={"__post_init__": _check_adversaries}
    )


AdversaryConfig = adversary_config_class()


@dataclass
class ExperimentConfig:
    # The function that runs the experiment: f(cfg, overrides, run_dir, progress).
    _target_: str = "sim.run.run_single"
    name: str = "single"
    seeds: int = 1  # paired seeds, for experiments that repeat runs (comparison_table)

    def __post_init__(self):
        try:
            get_method(self._target_)
        except Exception as error:
            raise ConfigError(
                f"experiment._target_: cannot import {self._target_!r} ({error})"
            ) from None
        _at_least("experiment.seeds", self.seeds, 1)


@dataclass
class OutputConfig:
    figures: bool = True
    progress: bool = True
    # full: every movement and decision; summary: per-epoch totals and closing balances (for
    # very large runs, whose full ledgers grow by megabytes per epoch).
    ledger: LedgerDetail = LedgerDetail.full
    # Per-participant rows (role, strategy, active, balance) in the model's mesa DataCollector
    # each epoch: what mesa.batch_run returns beside the model's columns.
    agent_data: bool = True


@dataclass
class Config:
    seed: int = 0
    epochs: int = 30
    baseline: str | None = "centralized"  # scenario run beside the chosen one (null: none)
    resume: bool = False  # skip the run when its folder already holds a finished summary.json
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    learning: LearningConfig = field(default_factory=LearningConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    economy: EconomyConfig = field(default_factory=EconomyConfig)
    delegation: DelegationConfig = field(default_factory=DelegationConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    adversaries: Any = field(default_factory=AdversaryConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    consensus: Any = MISSING
    incentive: Any = MISSING
    aggregation: Any = MISSING
    market: Any = MISSING
    access: Any = MISSING
    governance: Any = MISSING
    scoring: Any = MISSING  # how evaluators turn scores into weights (mechanisms/scoring)
    adaptation: Any = MISSING  # a mechanisms.adaptation rule, for every adapting role
    # Per-role rules instead: +adaptation@adaptation_by_role.builder=hedge (roles: compute_provider,
    # data_provider, builder, validator).
    adaptation_by_role: Any = field(default_factory=dict)

    def __post_init__(self):
        _at_least("seed", self.seed, 0)
        roles = ("compute_provider", "data_provider", "builder", "validator")
        for role, rule in (self.adaptation_by_role or {}).items():
            if role not in roles:
                raise ConfigError(
                    f"adaptation_by_role.{role}: not an adapting role; use one of: "
                    f"{', '.join(roles)}"
                )
            if not isinstance(rule, dict) or "_target_" not in rule:
                raise ConfigError(f"adaptation_by_role.{role}: needs a rule with a _target_")
        _at_least("epochs", self.epochs, 1)
        # A fault scheduled after the last epoch would be silently ignored.
        faults = self.faults
        scheduled = {
            "faults.coordinator_outage_start": (
                faults.coordinator_outage_start,
                faults.coordinator_outage_length > 0,
            ),
            "faults.partition_start": (faults.partition_start, faults.partition_length > 0),
            "faults.targeted_removal_epoch": (
                faults.targeted_removal_epoch,
                faults.targeted_removal_fraction > 0,
            ),
        }
        for key, (epoch, active) in scheduled.items():
            if active and epoch >= self.epochs:
                raise ConfigError(
                    f"{key}: epoch {epoch} is after the last epoch ({self.epochs - 1}) and would "
                    f"never happen; use at most {self.epochs - 1} or raise epochs"
                )


def register_schema() -> None:
    """Store the schema, its ``adversaries`` section derived from the adversaries registered
    now (a module defining a new one must be imported before this is called)."""
    global AdversaryConfig
    AdversaryConfig = adversary_config_class()
    schema = make_dataclass(
        "Config",
        [("adversaries", AdversaryConfig, field(default_factory=AdversaryConfig))],
        bases=(Config,),
    )
    ConfigStore.instance().store(name="schema", node=schema)


def validate(cfg: DictConfig) -> Config:
    """Check ranges and the presence of every mechanism; return the typed config."""
    for family in FAMILIES:
        node = cfg.get(family)
        if not isinstance(node, DictConfig) or "_target_" not in node:
            raise ConfigError(f"{family}: no mechanism chosen; pick one with {family}=<name>")
    node = cfg.get("adaptation")
    if not isinstance(node, DictConfig) or "_target_" not in node:
        raise ConfigError("adaptation: no rule chosen; pick one with adaptation=<name>")
    try:
        return OmegaConf.to_object(cfg)
    except ConfigError:
        raise
    except Exception as error:  # omegaconf's own type errors carry the key
        raise ConfigError(describe_omegaconf_error(error)) from error


def describe_omegaconf_error(error: BaseException) -> str:
    key = getattr(error, "full_key", None)
    message = str(getattr(error, "msg", error)).splitlines()[0]
    choices = re.fullmatch(r"Invalid value '(.*)', expected one of \[(.*)\]", message)
    if choices:  # a string choice (an enum field) given a value it does not have
        message = f"must be one of: {choices[2]}; got {choices[1]!r}"
    return f"{key}: {message}" if key else message
