"""The whole pipeline with a (deliberately tiny) surrogate: train, select, sweep, classify, compare."""

import json

import numpy as np
import pandas as pd
import pytest

from neurorecon.io.stores import read_dataset

from .conftest import ROOT, SNAKEMAKE, run_snakemake

pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")


def test_tiny_surrogate_study_runs_end_to_end(tmp_path):
    run = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "tiny_surrogate.yaml"))
    assert run.returncode == 0, run.stderr[-4000:]
    seed_dir = tmp_path / "results/fhn/vae_map/seed0"

    choice = json.loads((seed_dir / "latent.json").read_text())
    assert choice["latent_dim"] in (1, 2) and set(choice["levels"]) == {"1", "2"}

    truth = read_dataset(tmp_path / "results/fhn/truth/heldout.zarr", kind="trajectories")
    sweep = read_dataset(seed_dir / "sweep.zarr", kind="trajectories")
    np.testing.assert_array_equal(sweep["param"].values, truth["param"].values)
    assert sweep.attrs["source"] == "surrogate" and sweep.attrs["observed"] == "v"
    assert sweep["v"].dims == ("param", "ic", "time") and sweep.sizes["time"] == 300
    assert "status" in sweep
    ok = sweep["status"].values == 0
    assert np.isfinite(sweep["lyap_max"].values[ok]).all()  # the surrogate's own exponent
    assert sweep["forecast_horizon"].dims == ("param",) and np.isfinite(sweep["forecast_horizon"].values).all()

    regimes = read_dataset(seed_dir / "regimes.zarr", kind="regimes")
    assert regimes["regime"].shape == (4, 2)

    metrics = json.loads((seed_dir / "metrics.json").read_text())
    # held-out grid 0, 0.5, 1.0, 1.5 with training values 0.5 and 0.8: 0.5 is seen, three are unseen
    assert metrics["n_unseen"] == 3
    assert {t["kind"] for t in metrics["transitions"]} == {"rest->tonic_spiking", "tonic_spiking->rest"}
    table = pd.read_csv(seed_dir / "metrics.tsv", sep="\t")
    assert list(table["param"]) == [0.0, 0.5, 1.0, 1.5]
    assert table["seen"].tolist() == [False, True, False, False]
    np.testing.assert_array_equal(table["forecast_horizon"], sweep["forecast_horizon"].values)

    summary = pd.read_csv(tmp_path / "results/summary.tsv", sep="\t")
    assert summary[["dataset", "surrogate", "n_seeds"]].values.tolist() == [["fhn", "vae_map", 1]]
    for figure in ("latent_selection", "training_curves", "bifurcation", "regimes", "lyapunov", "regime_confusion",
                   "example_traces"):
        assert (seed_dir / "figures" / f"{figure}.png").stat().st_size > 10_000
    assert (tmp_path / "results/fhn/figures/surrogate_summary.png").stat().st_size > 10_000

    # the benchmark row, against the baseline, with the training time of the family's four jobs
    assert sorted(path.name for path in (seed_dir / "benchmarks").iterdir()) == [
        "select_latent.tsv", "train_map.tsv", "train_vae_d1.tsv", "train_vae_d2.tsv"]
    bench = pd.read_csv(tmp_path / "results/benchmark.tsv", sep="\t")
    assert bench[["dataset", "surrogate", "family", "n_seeds"]].values.tolist() == [["fhn", "vae_map", "vae_map", 1]]
    row = bench.iloc[0]
    baseline = json.loads((tmp_path / "results/fhn/baseline/metrics.json").read_text())
    assert row["baseline_regime_agreement_unseen"] == pytest.approx(baseline["regime_agreement_unseen"])
    assert row["regime_agreement_unseen_median"] == pytest.approx(metrics["regime_agreement_unseen"])
    assert row["training_time_s_median"] > 0
    assert (tmp_path / "results/benchmark.png").stat().st_size > 10_000


def test_vae_map_on_step_protocol_training_data_runs_end_to_end(tmp_path):
    """With train.protocol the training store holds the protocol and its command; vae_map trains on
    its step epochs and the training-value check compares with them; the held-out grid is unchanged."""
    import yaml

    config = yaml.safe_load((ROOT / "config" / "tiny_surrogate.yaml").read_text())
    config["datasets"]["fhn"]["train"]["protocol"] = {"step": 100.0, "gap": 40.0, "repeats": 2}
    study = tmp_path / "protocol.yaml"
    study.write_text(yaml.safe_dump(config))
    run = run_snakemake(tmp_path, "--configfile", str(study))
    assert run.returncode == 0, run.stderr[-4000:]
    train = read_dataset(tmp_path / "results/fhn/truth/train.zarr", kind="trajectories")
    protocol = json.loads(train.attrs["protocol"])
    assert protocol == {"holding": 0.0, "step": 100.0, "gap": 40.0, "repeats": 2, "settle": 20.0}
    assert train["command"].dims == ("param", "time") and sorted(np.unique(train["command"].values)) == [0.0, 0.5, 0.8]
    heldout = read_dataset(tmp_path / "results/fhn/truth/heldout.zarr", kind="trajectories")
    assert "protocol" not in heldout.attrs and "command" not in heldout
    seed_dir = tmp_path / "results/fhn/vae_map/seed0"
    check = json.loads((seed_dir / "training_check.json").read_text())
    assert [value["control"] for value in check["values"]] == [0.5, 0.8]
    assert isinstance(json.loads((seed_dir / "metrics.json").read_text())["training_check_passed"], bool)


def test_a_family_registered_as_a_plug_in_runs_through_the_workflow(tmp_path, toy_family):
    """The test-only toy family (one module under tests/, one entry point, no rule file) goes
    through the generic training rule, the training check, the sweep, the classifier and the
    comparison like any shipped family."""
    import yaml

    from ..surrogates.test_contract import TOY_ENTRY

    config = yaml.safe_load((ROOT / "config" / "tiny_surrogate.yaml").read_text())
    config["surrogates"] = {"toy": {**TOY_ENTRY, "settings": {}}}
    study = tmp_path / "toy.yaml"
    study.write_text(yaml.safe_dump(config))
    run = run_snakemake(tmp_path, "--configfile", str(study))
    assert run.returncode == 0, run.stderr[-4000:]
    seed_dir = tmp_path / "results/fhn/toy/seed0"
    for name in ("surrogate.pt", "surrogate.json", "training_check.json", "figures/toy_rate.png", "metrics.json",
                 "figures/regimes.png"):
        assert (seed_dir / name).is_file(), name
    assert "train_toy" in run.stderr and "train_vae" not in run.stderr
    summary = json.loads((seed_dir / "metrics.json").read_text())
    assert isinstance(summary["training_check_passed"], bool)
    regimes = read_dataset(seed_dir / "regimes.zarr", kind="regimes")
    assert regimes.attrs["surrogate_family"] == "toy"
    # its row in the benchmark, with the generic training rule's time: nothing names the family
    assert (seed_dir / "benchmarks" / "train.tsv").is_file()
    bench = pd.read_csv(tmp_path / "results/benchmark.tsv", sep="\t")
    assert bench[["dataset", "surrogate", "family"]].values.tolist() == [["fhn", "toy", "toy"]]
    assert bench["training_time_s_median"].iloc[0] > 0 and bench["baseline_regime_agreement_unseen"].notna().all()
