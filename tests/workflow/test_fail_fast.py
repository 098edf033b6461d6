"""Fail fast: every invalid config FILE stops ``snakemake -n`` before any job, naming key and problem.

Each case is a config file written to its own workdir and run through the real ``snakemake -n``
(the Snakefile re-reads config files strictly and validates them while it is parsed, before the DAG
is built). All dry runs run in a module fixture, a few at a time, each a fork of one process that
imported Snakemake and the package once (Snakemake's own command-line entry point and arguments;
one case is also checked against a separate ``snakemake`` process); the parametrised test then
checks one case: non-zero exit, no ``results/`` or ``logs/`` directory, no job planned,
and the message text (the dotted key path and the problem).

YAML syntax errors: Snakemake parses ``--configfile`` itself before it reads the Snakefile, so the
user sees Snakemake's own message "Config file is not valid JSON or YAML" (without file or line);
nothing in the Snakefile runs first. That message is what the case asserts; the file and line are
what :func:`neurorecon.config.load_yaml` reports for the same file (checked here too), e.g. with
``python -c "from neurorecon.config import load_yaml; load_yaml('study.yaml')"``.

Cases marked ``surrogate_settings`` need the ``vae_map`` family's settings class
(``get_family("vae_map").settings_type``); they are skipped, with the reason, until it exists.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from neurorecon.config import ConfigError, load_yaml

from .conftest import SNAKEMAKE, output_of, run_many, run_many_prewarmed

pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")

# config/tiny.yaml plus a small surrogate section.
BASE = {
    "seed": 0,
    "datasets": {
        "fhn": {
            "model": "fitzhugh_nagumo",
            "train": {"values": [0.5]},
            "heldout": {"start": 0.0, "stop": 1.5, "num": 4},
            "simulation": {"n_ic": 2, "transient": 20.0, "duration": 100.0, "values_per_chunk": 2},
        }
    },
}
SURROGATE = {
    "kind": "vae_map",
    "datasets": ["fhn"],
    "seeds": [0],
    "settings": {"latent": {"dims": [2]}, "vae": {"embedding_dim": 10, "epochs": 1}, "map": {"epochs": 1}},
    "sweep": {"n_steps": 200, "transient_steps": 10},
}

TINY_TEXT = """\
datasets:
  fhn:
    model: fitzhugh_nagumo
    train: {values: [0.5]}
    heldout: {start: 0.0, stop: 1.5, num: 4}
"""


@dataclass(frozen=True)
class Case:
    id: str
    text: str  # the config file
    expected: tuple[str, ...]  # substrings of Snakemake's output, in this order of importance
    needs: str = ""  # "" | "surrogates" | "surrogate_settings": the case imports torch


def _config(path: str, value, surrogate: bool = False) -> str:
    """BASE (plus the surrogate section ``surrogates.vm``) with ``path`` set to ``value``."""
    config = copy.deepcopy(BASE)
    if surrogate:
        config["surrogates"] = {"vm": copy.deepcopy(SURROGATE)}
    node = config
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return yaml.safe_dump(config, sort_keys=False)


def _key(key: str, problem: str) -> tuple[str, ...]:
    return ("invalid configuration: ", f"config key {key}: ", problem)


CASES = [
    Case("unknown-model", _config("datasets.fhn.model", "nosuchmodel"),
         _key("datasets.fhn.model", "unknown model 'nosuchmodel'")),
    Case("unknown-parameter-set", _config("datasets.fhn.parameter_set", "snic"),
         _key("datasets.fhn.parameter_set", "no parameter set 'snic'")),
    Case("unknown-parameter", _config("datasets.fhn.parameters", {"gX": 1.0}),
         _key("datasets.fhn.parameters", "no parameter 'gX'")),
    Case("control-as-parameter", _config("datasets.fhn.parameters", {"I": 0.3}),
         _key("datasets.fhn.parameters.I", "this is the control parameter")),
    Case("wrong-type-heldout-num", _config("datasets.fhn.heldout.num", "four"),
         _key("datasets.fhn.heldout.num", "'four' is not of type 'integer'")),
    Case("wrong-type-train-value", _config("datasets.fhn.train.values", ["a"]),
         _key("datasets.fhn.train.values[0]", "'a' is not of type 'number'")),
    Case("wrong-type-n-ic", _config("datasets.fhn.simulation.n_ic", 2.5),
         _key("datasets.fhn.simulation.n_ic", "2.5 is not of type 'integer'")),
    Case("empty-train-values", _config("datasets.fhn.train.values", []),
         _key("datasets.fhn.train.values", "[] should be non-empty")),
    Case("train-value-out-of-range", _config("datasets.fhn.train.values", [0.5, 99.0]),
         _key("datasets.fhn.train.values[1]", "99.0 is outside the allowed range [0.0, 1.5]")),
    Case("heldout-start-above-stop", _config("datasets.fhn.heldout", {"start": 1.5, "stop": 0.0, "num": 4}),
         _key("datasets.fhn.heldout", "start (1.5) must be below stop (0.0)")),
    Case("heldout-start-equals-stop", _config("datasets.fhn.heldout", {"start": 1.0, "stop": 1.0, "num": 4}),
         _key("datasets.fhn.heldout", "start (1.0) must be below stop (1.0)")),
    Case("negative-duration", _config("datasets.fhn.simulation.duration", -5.0),
         _key("datasets.fhn.simulation.duration", "-5.0 is less than or equal to the minimum of 0")),
    Case("negative-transient", _config("datasets.fhn.simulation.transient", -1.0),
         _key("datasets.fhn.simulation.transient", "-1.0 is less than the minimum of 0")),
    Case("protocol-on-a-voltage-control",
         "datasets:\n  srk:\n    model: srk\n    train: {values: [-40.0], protocol: {}}\n"
         "    heldout: {start: -48.0, stop: -24.0, num: 4}\n",
         _key("datasets.srk.train.protocol", "model 'srk' is controlled by VS [mV]")
         + ("which is not an injected current",)),
    Case("protocol-step-shorter-than-min-record", _config("datasets.fhn.train.protocol", {"step": 40.0}),
         _key("datasets.fhn.train.protocol.step", "40 time units is shorter than the shortest classifiable record")),
    Case("protocol-holding-out-of-range", _config("datasets.fhn.train.protocol", {"holding": 2.0}),
         _key("datasets.fhn.train.protocol.holding", "2 is outside the allowed range [0, 1.5] of I")),
    Case("unknown-top-level-key", _config("datasetz", {}),
         _key("<top level>", "'datasetz' was unexpected")),
    Case("duplicate-dataset-name",
         TINY_TEXT + "  fhn:\n    model: hh\n    train: {values: [8.0]}\n"
                     "    heldout: {start: 0.0, stop: 20.0, num: 4}\n",
         ("invalid configuration: ", "config.yaml' is not valid YAML", "duplicate key 'fhn'", "line 6")),
    Case("yaml-syntax-error", TINY_TEXT.replace("{values: [0.5]}", "{values: [0.5]"),
         ("Config file is not valid JSON or YAML",)),
    Case("unknown-surrogate-kind", _config("surrogates.vm.kind", "nosuch", surrogate=True),
         _key("surrogates.vm.kind", "unknown surrogate family 'nosuch'"), needs="surrogates"),
    Case("unknown-surrogate-dataset", _config("surrogates.vm.datasets", ["fhn", "nope"], surrogate=True),
         _key("surrogates.vm.datasets[1]", "unknown dataset 'nope'"), needs="surrogates"),
    Case("sweep-shorter-than-classifiable", _config("surrogates.vm.sweep.n_steps", 100, surrogate=True),
         _key("surrogates.vm.sweep.n_steps", "100 samples of 0.4 time units record 40 time units, shorter than the "
              "80 time units the classifier needs"), needs="surrogates"),
    Case("latent-dims-contain-zero", _config("surrogates.vm.settings.latent.dims", [0, 2], surrogate=True),
         _key("surrogates.vm.settings.latent.dims", "must be a non-empty list of distinct dimensions >= 1"),
         needs="surrogate_settings"),
    Case("vae-epochs-zero", _config("surrogates.vm.settings.vae.epochs", 0, surrogate=True),
         _key("surrogates.vm.settings.vae.epochs", "must be >= 1, got 0"), needs="surrogate_settings"),
    Case("unknown-surrogate-setting", _config("surrogates.vm.settings.map.epoch", 3, surrogate=True),
         _key("surrogates.vm.settings.map.epoch", "unknown key"), needs="surrogate_settings"),
]


@pytest.fixture(scope="module")
def dry_runs(tmp_path_factory) -> dict[str, tuple[Path, str, int]]:
    """case id -> (workdir, Snakemake output, exit status) of ``snakemake -n`` on the case's file."""
    root = tmp_path_factory.mktemp("fail-fast")
    groups: dict[bool, list[tuple[str, Path, tuple[str, ...]]]] = {False: [], True: []}
    for case in CASES:
        folder = root / case.id
        workdir = folder / "work"
        workdir.mkdir(parents=True)
        (folder / "config.yaml").write_text(case.text)
        groups[bool(case.needs)].append((case.id, workdir, ("-n", "--configfile", str(folder / "config.yaml"))))
    # Two pre-warmed drivers side by side: forks of a process that imported torch start slower,
    # so only the surrogate cases pay for it.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            torch: pool.submit(run_many_prewarmed, [(workdir, args) for _, workdir, args in calls],
                               root / f"outputs-{torch}", surrogates=torch, timeout=300)
            for torch, calls in groups.items() if calls
        }
        results = {}
        for torch, future in futures.items():
            for (case_id, workdir, _), run in zip(groups[torch], future.result(), strict=True):
                results[case_id] = (workdir, output_of(run), run.returncode)
    return results


def test_cases_cover_the_required_kinds():
    assert len(CASES) >= 12
    assert len({case.id for case in CASES}) == len(CASES)


def test_base_config_passes_and_a_plain_snakemake_process_says_the_same(tmp_path, dry_runs):
    """The cases differ from a config that works, and the pre-warmed dry runs behave like
    ``snakemake`` started as its own process (checked on one case)."""
    ok, bad = tmp_path / "ok.yaml", tmp_path / "bad.yaml"
    ok.write_text(yaml.safe_dump(BASE))
    bad.write_text(CASES[0].text)
    runs = run_many([(tmp_path / "ok", ("-n", "--configfile", str(ok))),
                     (tmp_path / "bad", ("-n", "--configfile", str(bad)))], timeout=120)
    assert runs[0].returncode == 0, output_of(runs[0])[-3000:]
    assert "simulate_chunk" in output_of(runs[0])
    _, prewarmed, status = dry_runs[CASES[0].id]
    assert runs[1].returncode == status != 0
    message = [line for line in output_of(runs[1]).splitlines() if "invalid configuration" in line]
    assert message and all(line in prewarmed for line in message), (message, prewarmed[-2000:])


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_invalid_config_file_fails_before_any_job(case, dry_runs):
    workdir, output, status = dry_runs[case.id]
    assert status != 0, output[-3000:]
    for text in case.expected:
        assert text in output, f"{text!r} not in the output of snakemake -n:\n{output[-3000:]}"
    assert not (workdir / "results").exists() and not (workdir / "logs").exists()
    assert "Job stats" not in output  # stopped before the DAG was built
    assert "Traceback" not in output  # a message, not a crash


def test_yaml_syntax_error_file_and_line_from_the_strict_loader(tmp_path):
    """What Snakemake cannot say (file, line) for the syntax-error case, the package's loader does."""
    (case,) = [case for case in CASES if case.id == "yaml-syntax-error"]
    path = tmp_path / "study.yaml"
    path.write_text(case.text)
    with pytest.raises(ConfigError, match=r"(?s)study\.yaml' is not valid YAML.*line \d+"):
        load_yaml(path)
