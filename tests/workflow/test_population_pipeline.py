"""A population dataset (kind: population) through the truth stage of the workflow: twins drawn and
simulated per g_s value in chunks, merged, classified, and compared with the DIC prediction."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from neurorecon.io.stores import read_dataset

from .conftest import SNAKEMAKE, check_plan, output_of, run_snakemake

pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")

STUDY = {
    "datasets": {"stg_dic": {
        "kind": "population", "model": "stg", "parameter_set": "spiking",
        "population": {"g_u": 5.0, "free": ["gCaS", "gH"], "draws": 200,
                       "ranges": {"gNa": [2000, 6000], "gKd": [70, 140], "gCaT": [3, 7], "gKCa": [140, 180],
                                  "gA": [50, 200], "gL": [0.007, 0.014]}},
        # 3 values x 3 twins, the model's shortest classifiable record (min_record 400 ms), 2 chunks
        "heldout": {"start": -4.0, "stop": 4.0, "num": 3},
        "simulation": {"n_ic": 3, "transient": 600.0, "duration": 400.0, "values_per_chunk": 2},
    }},
    "surrogates": {},
}


def test_tiny_population_truth_matches_the_dic_prediction_far_from_the_boundary(tmp_path):
    configfile = tmp_path / "study.yaml"
    configfile.write_text(yaml.safe_dump(STUDY))
    run = run_snakemake(tmp_path, "--configfile", str(configfile))
    assert run.returncode == 0, output_of(run)[-4000:]

    results = tmp_path / "results" / "stg_dic"
    truth = read_dataset(results / "truth" / "heldout.zarr", kind="trajectories")
    assert list(truth["param"].values) == [-4.0, 0.0, 4.0] and truth.sizes["ic"] == 3
    assert truth.attrs["control"] == "g_s" and truth["param"].attrs["units"] == "g_L"
    assert truth["conductance"].dims == ("param", "ic", "channel") and np.all(truth["conductance"].values >= 0)
    assert not (results / "truth" / "train.zarr").exists()

    table = pd.read_csv(results / "truth" / "dic_regimes.tsv", sep="\t")
    assert list(table["g_s"]) == [-4.0, 0.0, 4.0] and set(table["n_twins"]) == {3}
    assert list(table["predicted"]) == ["bursting", "none", "tonic_spiking"]
    far = table[table["g_s"].abs() >= 4.0]
    assert list(far["agreement"]) == [1.0, 1.0]  # every twin in the predicted regime
    assert math.isnan(table.loc[1, "agreement"])
    np.testing.assert_allclose(table[["fraction_bursting", "fraction_tonic", "fraction_other"]].sum(axis=1), 1.0)

    figures = results / "figures"
    assert sorted(path.name for path in figures.iterdir()) == [
        "truth_bifurcation.png", "truth_dic_regimes.png", "truth_regimes.png"]  # no f-I curve, no Lyapunov
    assert (figures / "truth_dic_regimes.png").stat().st_size > 10_000
    assert not (tmp_path / "results" / "benchmark.tsv").exists()

    again = run_snakemake(tmp_path, "-n", "--configfile", str(configfile))
    assert again.returncode == 0 and check_plan(output_of(again)) == [], output_of(again)[-3000:]
