"""Check every job of a sweep before the first one runs, and say how many jobs failed after.

``grid_jobs`` lists a grid sweep's jobs as Hydra's basic sweeper will run them: the preset's
``hydra.sweeper.params`` and the command line's overrides (the command line wins for a key both
give), every combination in order.  ``check_jobs`` composes and checks each one as a single run
would be checked (sim.composition.preflight), so that ``-m experiment=resilience epochs=10`` is
refused in a second, with every bad job listed, instead of failing 27 of 36 jobs after minutes.

Composing with Hydra takes a few tenths of a second, too long to repeat for hundreds of jobs, so
jobs that differ only in plain values (``seed=3``, ``faults.offline_probability=0.1``) share one
composition: it is composed once per choice of config groups, each job's values are set on it
while the schema and the mechanisms check them, and the composed values are put back after.

``failed_jobs`` reads the job records a finished sweep left (sim.sweep) whichever sweeper ran it
(the grid, the design and the search sweeper), so that the command can exit non-zero with one
line per failed job.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.composition import CONFIG_DIR, SCENARIO_OWN_KEYS, check_scenarios, compose_all
from sim.config import ConfigError, describe_omegaconf_error

LISTED = 20  # bad jobs listed one per line; the rest are counted


def grid_jobs(overrides: list[str], preset_params: dict | None) -> list[list[str]]:
    """Every job of a basic (grid) sweep, in the order Hydra's BasicSweeper runs them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = [f"{key}={value}" for key, value in (preset_params or {}).items()]
    parsed = OverridesParser.create().parse_overrides([*params, *overrides])
    return BasicSweeper.split_arguments(parsed, None)[0]


@lru_cache(maxsize=1)
def _config_groups() -> frozenset[str]:
    root = Path(CONFIG_DIR)
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir())


def _is_plain_value(override: str) -> bool:
    """``key=value`` that sets a value in the composed config without choosing a config group,
    adding or deleting a key."""
    key, has_value, _ = override.partition("=")
    if not has_value or override.startswith(("+", "~")) or "@" in key:
        return False
    return key not in _config_groups() and not key.startswith("hydra")


class _JobValues:
    """Set each plain ``key=value`` on the composed configs as Hydra would (in the chosen
    scenario, and in its baseline unless the key is the scenario's own: its mechanisms), and
    put the composed values back on leaving: one composition serves every job of its group
    without a copy per job."""

    def __init__(self, configs: dict[str, DictConfig], values: list[str]):
        from hydra.core.override_parser.overrides_parser import OverridesParser

        self.configs, self.saved, self.added = configs, [], set()
        self.overrides = OverridesParser.create().parse_overrides(values)

    def __enter__(self) -> dict[str, DictConfig]:
        chosen = next(iter(self.configs))
        for override in self.overrides:
            key = override.key_or_group
            own = key.split(".")[0] in SCENARIO_OWN_KEYS
            for name, cfg in self.configs.items():
                if own and name != chosen:
                    continue
                self._set(cfg, key, override.value())
        return self.configs

    def _set(self, cfg: DictConfig, key: str, value) -> None:
        missing = object()
        before = OmegaConf.select(cfg, key, default=missing, throw_on_missing=False)
        try:
            OmegaConf.update(cfg, key, value, merge=False)
        except OmegaConfBaseException as error:
            described = describe_omegaconf_error(error)
            raise ConfigError(
                f"{key}: unknown key; check the spelling"
                if "not in struct" in described or "Key '" in described
                else described
            ) from error
        self.saved.append((cfg, key, None if before is missing else copy.deepcopy(before)))
        if before is missing:  # an open node took a new key: delete it on leaving
            self.added.add((id(cfg), key))

    def __exit__(self, *exc) -> bool:
        for cfg, key, before in reversed(self.saved):
            if (id(cfg), key) in self.added:
                parent, _, leaf = key.rpartition(".")
                node = OmegaConf.select(cfg, parent) if parent else cfg
                with open_dict(node):
                    del node[leaf]
            else:
                OmegaConf.update(cfg, key, before, merge=False)
        return False


def check_jobs(jobs: list[list[str]]) -> list[tuple[int, list[str], str]]:
    """(job number, overrides, one-line error) of every job that would fail its checks."""
    failures, composed = [], {}
    for number, job in enumerate(jobs):
        structural = [o for o in job if not _is_plain_value(o)]
        values = [o for o in job if _is_plain_value(o)]
        key = tuple(structural)
        try:
            if key not in composed:
                try:
                    composed[key] = compose_all(structural)
                except ConfigError as error:
                    composed[key] = error
            base = composed[key]
            if isinstance(base, ConfigError):
                # The group choice itself fails; compose with the values to name the key.
                check_scenarios(compose_all(job))
            else:
                with _JobValues(base, values) as configs:
                    check_scenarios(configs)
        except ConfigError as error:
            failures.append((number, job, str(error)))
    return failures


def describe_failures(failures, jobs: list[list[str]], what: str = "jobs") -> str:
    """One block: how many jobs would fail, then one line per job: its number, the overrides
    that tell it from the other jobs, and the error naming the key."""
    varying = {
        key
        for key in {o.split("=", 1)[0] for job in jobs for o in job}
        if len({o for job in jobs for o in job if o.split("=", 1)[0] == key}) > 1
    }
    errors = {error for _, _, error in failures}
    if len(failures) == len(jobs) and len(errors) == 1:
        return errors.pop()  # a misspelt key or a bad fixed value: every job fails alike
    lines = [f"{len(failures)} of {len(jobs)} {what} would fail; no job was run:"]
    for number, job, error in failures[:LISTED]:
        shown = [o for o in job if o.split("=", 1)[0] in varying] or job
        lines.append(f"  #{number} {' '.join(shown)}: {error}")
    if len(failures) > LISTED:
        lines.append(f"  … and {len(failures) - LISTED} more")
    return "\n".join(lines)


def failed_jobs(sweep_dir: Path) -> tuple[int, list[dict]]:
    """(jobs the sweep recorded, the records of those that failed or never finished)."""
    from sim.sweep import job_folders, job_order, job_record

    records = []
    for job_dir in sorted(job_folders(sweep_dir), key=lambda folder: job_order(folder.name)):
        record = job_record(job_dir)
        if record is not None:
            records.append({**record, "job": job_dir.name})
    return len(records), [r for r in records if r["status"] != "completed"]


def describe_failed_jobs(sweep_dir: Path, total: int, bad: list[dict]) -> str:
    lines = [
        f"{len(bad)} of {total} jobs failed; each failed job's folder holds its job.json and "
        f"log, and {Path(sweep_dir) / 'sweep.parquet'} lists them:"
    ]
    for record in bad[:LISTED]:
        error = (record.get("error") or record["status"]).splitlines()[0]
        lines.append(f"  job {record['job']} ({' '.join(record['overrides'])}): {error}")
    if len(bad) > LISTED:
        lines.append(f"  … and {len(bad) - LISTED} more")
    return "\n".join(lines)
