"""The Snakemake workflow: lint, fan-out of the default config, fail-fast config errors, a tiny run."""

import re

import numpy as np
import pytest

from neurorecon.io.stores import read_dataset
from neurorecon.models import get_model

from .conftest import ROOT, SNAKEMAKE
from .conftest import run_snakemake as _snakemake

pytestmark = pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed")


def test_lint_is_clean(tmp_path):
    run = _snakemake(tmp_path, "--lint", "--configfile", str(ROOT / "config" / "config.yaml"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Lints for" not in run.stdout + run.stderr


def test_default_config_fans_out_in_chunks(tmp_path):
    run = _snakemake(tmp_path, "-n", "--configfile", str(ROOT / "config" / "config.yaml"))
    assert run.returncode == 0, run.stderr
    out = run.stdout + run.stderr
    # srk: 41 held-out values in chunks of 14 -> 3 jobs; 5 other datasets in one chunk each; 6 train jobs.
    assert re.search(r"^simulate_chunk\s+14$", out, re.MULTILINE), out
    assert re.search(r"^merge_truth\s+12$", out, re.MULTILINE), out
    # vae_map on srk, seeds 0-2: one VAE per latent dimension 2-4, one map per seed.
    assert re.search(r"^train_vae\s+9$", out, re.MULTILINE) and re.search(r"^train_map\s+3$", out, re.MULTILINE)
    # reservoir on all six simulated datasets, seed 0: one job per run; hybrid_ode on hh, ml_hopf
    # and ml_snic in gates mode (seeds 0-2 each), on ml_snic in latent mode (seed 0) and on the
    # recorded cell (seed 0), which is imported, predicted and compared.
    assert re.search(r"^train_reservoir\s+6$", out, re.MULTILINE), out
    assert re.search(r"^train_hybrid_ode\s+11$", out, re.MULTILINE), out
    for rule in ("import_recording", "predict_recording", "compare_recording", "recording_benchmark"):
        assert re.search(rf"^{rule}\s+1$", out, re.MULTILINE), rule


def test_invalid_config_stops_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "datasets:\n  fhn:\n    model: fitzhugh_nagumo\n    train: {values: [0.5]}\n"
        "    heldout: {start: 1.0, stop: 0.5, num: 4}\n"
    )
    run = _snakemake(tmp_path, "--configfile", str(bad))
    assert run.returncode != 0
    assert "datasets.fhn.heldout: start (1.0) must be below stop (0.5)" in run.stderr
    assert not (tmp_path / "results").exists()


def test_tiny_config_runs_and_merges_chunks(tmp_path):
    run = _snakemake(tmp_path, "--configfile", str(ROOT / "config" / "tiny.yaml"))
    assert run.returncode == 0, run.stderr[-3000:]
    heldout = read_dataset(tmp_path / "results/fhn/truth/heldout.zarr", kind="trajectories")
    n_time = round(100.0 / get_model("fitzhugh_nagumo").sample_dt)  # duration / sampling interval
    assert heldout.sizes == {"param": 4, "ic": 2, "time": n_time, "state": 2}
    np.testing.assert_allclose(heldout["param"].values, [0.0, 0.5, 1.0, 1.5])
    assert heldout.attrs["rule"] == "merge_truth" and heldout.attrs["config_hash"]
    assert np.all(np.isfinite(heldout["v"].values))
    log = (tmp_path / "logs/fhn/simulate_chunk/heldout-0.log").read_text()
    assert "fitzhugh_nagumo: 100.0%" in log
    regimes = read_dataset(tmp_path / "results/fhn/truth/regimes.zarr", kind="regimes")
    # FitzHugh–Nagumo rests at I = 0 and 1.5 and oscillates at 0.5 and 1.0.
    assert regimes["regime"].values[:, 0].tolist() == [0, 2, 2, 0]
    for figure in ("bifurcation", "regimes", "lyapunov", "fi_curve"):
        assert (tmp_path / f"results/fhn/figures/truth_{figure}.png").stat().st_size > 10_000
