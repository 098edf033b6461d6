"""The contract every surrogate family passes: trained through ``neurorecon train``, a family's run
folder holds the fixed outputs; its surrogate round-trips through save/load, rolls out with the
documented shapes, the same way for the same seed, with divergence masked; its sweep is a
trajectory store the classifier accepts; and its training check has the family-independent schema.

Parametrised over every family shipped (:data:`FAMILIES`) and the test-only ``toy`` family, which
is registered as a plug-in by the ``toy_family`` fixture.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from neurorecon.cli import main
from neurorecon.dynamics.regimes import check_trajectory_store
from neurorecon.surrogates import FAMILIES, get_family, load_surrogate
from neurorecon.surrogates.sweep import sweep
from neurorecon.surrogates.training_check import SCHEMA, TrainingCheck

ROOT = Path(__file__).resolve().parents[2]
TINY = yaml.safe_load((ROOT / "config" / "tiny_surrogate.yaml").read_text())
TOY_ENTRY = {"kind": "toy", "datasets": ["fhn"], "seeds": [0], "settings": {"diverge_above": 1.2},
             "sweep": {"n_ic": 2, "n_steps": 300, "transient_steps": 50, "lyapunov_steps": 0},
             "check": {"n_steps": 300, "transient_steps": 50, "n_ic": 2}}
HYBRID_ENTRY = {"kind": "hybrid_ode", "datasets": ["fhn"], "seeds": [0],
                "settings": {"mode": "latent", "width": 8, "depth": 1, "time_scale": 5.0, "iterations": 4,
                             "segments": [1.1, 1.3], "batch": 16, "candidates": 1},
                "sweep": TOY_ENTRY["sweep"], "check": TOY_ENTRY["check"]}
RESERVOIR_ENTRY = {"kind": "reservoir", "datasets": ["fhn"], "seeds": [0],
                   "settings": {"size": 60, "washout": 20, "warmup": 30, "n_anchors": 4, "max_stride": 4,
                                "ridge": [1e-6, 1e-4], "input_noise": [0.01],
                                "selection": {"n_steps": 300, "transient_steps": 50, "n_ic": 1}},
                   "sweep": TOY_ENTRY["sweep"], "check": TOY_ENTRY["check"]}
ENTRIES = {"vae_map": TINY["surrogates"]["vae_map"], "reservoir": RESERVOIR_ENTRY, "hybrid_ode": HYBRID_ENTRY,
           "toy": TOY_ENTRY}
"""A tiny config entry per family: fast, not good."""
FAMILY_NAMES = [*sorted(FAMILIES), "toy"]


def _config(name: str) -> dict:
    config = {key: value for key, value in TINY.items() if key != "surrogates"}
    config["surrogates"] = {name: ENTRIES[name]}
    return config


@pytest.fixture(scope="module", params=FAMILY_NAMES)
def trained(request, toy_family, tmp_path_factory):
    """A run folder trained by ``neurorecon train`` for each family, on the tiny study's data."""
    name = request.param
    root = tmp_path_factory.mktemp(f"contract-{name}")
    config = root / "study.yaml"
    config.write_text(yaml.safe_dump(_config(name)))
    out = root / "run"
    code = main(["train", str(config), "--dataset", "fhn", "--train-store", str(root / "train.zarr"),
                 "-o", str(out)])
    assert code == 0
    return name, out, root / "train.zarr"


def test_training_writes_the_fixed_outputs_and_the_familys_figures(trained):
    name, out, _ = trained
    for required in ("surrogate.pt", "surrogate.json", "training_check.json", *get_family(name).figures):
        assert (out / required).is_file(), required
    assert json.loads((out / "surrogate.json").read_text())["family"] == name


def test_save_load_round_trip_gives_the_same_rollout(trained, tmp_path):
    _, out, _ = trained
    surrogate = load_surrogate(out, "cpu")
    surrogate.save(tmp_path / "copy")
    again = load_surrogate(tmp_path / "copy", "cpu")
    args = (np.array([0.5, 0.8]), 2, 120, 10, 3)
    first, second = surrogate.rollout(*args), again.rollout(*args)
    np.testing.assert_array_equal(first.observed, second.observed)
    np.testing.assert_array_equal(first.status, second.status)
    np.testing.assert_array_equal(again.training_values, surrogate.training_values)


def test_rollout_shapes_dtypes_and_the_same_traces_for_the_same_seed(trained):
    _, out, _ = trained
    surrogate = load_surrogate(out, "cpu")
    result = surrogate.rollout(np.array([0.2, 0.5, 1.0]), 2, 150, 20, 7)
    assert result.observed.shape == (3, 2, 150) and result.observed.dtype == np.float32
    assert result.status.shape == (3, 2) and result.status.dtype == np.int8
    np.testing.assert_array_equal(surrogate.rollout(np.array([0.2, 0.5, 1.0]), 2, 150, 20, 7).observed,
                                  result.observed)
    assert set(np.unique(result.status)) <= {0, 1, 2}


def test_divergence_is_masked(trained):
    name, out, _ = trained
    result = load_surrogate(out, "cpu").rollout(np.array([0.5, 1.4]), 2, 200, 0, 0)
    bad = result.status != 0
    assert np.isfinite(result.observed[~bad]).all()
    assert np.isnan(result.observed[bad]).any(axis=-1).all()
    if name == "toy":  # the toy diverges above 1.2 by construction: the mask is exercised
        assert bad[1].all() and not bad[0].any()


def test_sweep_is_a_trajectory_store_the_classifier_accepts(trained):
    name, out, _ = trained
    ds = sweep(out, np.array([0.0, 0.5, 1.0]), n_ic=2, n_steps=250, transient_steps=20, seed=0, device="cpu")
    assert check_trajectory_store(ds) == "v"
    assert ds["v"].dims == ("param", "ic", "time") and ds.sizes["time"] == 250
    assert ds.attrs["source"] == "surrogate" and ds.attrs["surrogate_family"] == name
    assert ds["status"].dims == ("param", "ic")
    np.testing.assert_array_equal(ds["param"].values, [0.0, 0.5, 1.0])


def test_training_check_has_the_family_independent_schema(trained):
    _, out, _ = trained
    data = json.loads((out / "training_check.json").read_text())
    assert data["schema"] == SCHEMA
    assert {"passed", "n_values_passed", "n_traces_passed", "error", "settings", "values"} <= set(data)
    check = TrainingCheck.read(out / "training_check.json")
    assert [value["control"] for value in check.values] == [0.5, 0.8]
    assert check.n_values_passed == sum(value["passed"] for value in check.values)
    assert check.passed == (check.n_values_passed == 2)
    for value in check.values:
        assert {"regime", "spikes_per_burst", "period"} <= set(value["truth"])
        assert len(value["traces"]) == data["settings"]["n_ic"]


def test_a_training_check_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "training_check.json"
    path.write_text(json.dumps({"passed": True}))
    with pytest.raises(ValueError, match="not a training check file"):
        TrainingCheck.read(path)
