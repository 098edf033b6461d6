"""VAE on delay windows, and latent-dimension selection on families of known intrinsic dimension.

Two sine families of windows (D_e = 16 samples, period 12 samples):
- ``amplitude``: a * sin(2 pi j / 12) with the amplitude a varying: one latent variable suffices;
- ``phase``: sin(2 pi j / 12 + phi) with the phase phi varying: the windows lie on a circle, which
  no continuous one-dimensional encoding covers, so d = 1 leaves a clearly higher loss and d = 2
  is needed.
"""

import numpy as np
import pytest
import torch

from neurorecon.surrogates.training import seed_everything
from neurorecon.surrogates.vae_map.selection import choose_latent_dim
from neurorecon.surrogates.vae_map.settings import LatentSelection, VaeSettings
from neurorecon.surrogates.vae_map.vae import encode_means, fit_vae

D_E, PERIOD = 16, 12.0
SETTINGS = VaeSettings(embedding_dim=D_E, hidden=(64, 64), epochs=25, batch_size=64, lr=3e-3, beta=1e-4)
RULE = LatentSelection(dims=(1, 2, 3), rel_tol=0.5, last_epochs=3, margin=0)


def _family(kind: str, n: int, seed: int) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    j = np.arange(D_E)
    if kind == "amplitude":
        windows = rng.uniform(-1.5, 1.5, (n, 1)) * np.sin(2 * np.pi * j / PERIOD)[None, :]
    else:
        windows = np.sin(2 * np.pi * j[None, :] / PERIOD + rng.uniform(0, 2 * np.pi, (n, 1)))
    return torch.tensor(windows, dtype=torch.float32)


def _scan(kind: str):
    train, heldback = _family(kind, 3000, 0), _family(kind, 500, 1)
    curves, vaes = {}, {}
    for d in RULE.dims:
        seed_everything(d, torch.device("cpu"))
        vaes[d], records = fit_vae(train, heldback, d, SETTINGS, lambda record: None)
        curves[d] = [record.row() for record in records]
    return curves, vaes, heldback


@pytest.fixture(scope="module")
def amplitude_scan():
    return _scan("amplitude")


@pytest.fixture(scope="module")
def phase_scan():
    return _scan("phase")


def test_reconstruction_error_far_below_the_variance(phase_scan):
    _, vaes, heldback = phase_scan
    vae = vaes[2]
    with torch.no_grad():
        reconstruction = vae.decode(encode_means(vae, heldback))
    mse = (reconstruction - heldback).pow(2).mean()
    assert mse < 0.02 * heldback.var()


def test_selection_picks_one_latent_variable_for_the_amplitude_family(amplitude_scan):
    curves, _, _ = amplitude_scan
    choice = choose_latent_dim(curves, RULE)
    assert choice.latent_dim == 1
    assert choice.levels[1] <= choice.threshold


def test_selection_needs_two_latent_variables_for_the_phase_family(phase_scan):
    curves, _, _ = phase_scan
    choice = choose_latent_dim(curves, RULE)
    assert choice.latent_dim == 2
    # the test can fail: d = 1 is far off the plateau (about 10x), not just outside the tolerance
    assert choice.levels[1] > 4 * choice.levels[2]


def test_training_curve_records_every_epoch(amplitude_scan):
    curves, _, _ = amplitude_scan
    rows = curves[2]
    assert [row["epoch"] for row in rows] == list(range(1, SETTINGS.epochs + 1))
    assert rows[-1]["val_loss"] < rows[0]["val_loss"]
    for key in ("loss", "val_loss", "lr", "elapsed_s", "reconstruction", "kl", "val_reconstruction"):
        assert np.isfinite(rows[-1][key])


def test_selection_rule_on_given_levels():
    def curve(level):
        return [{"val_loss": level + 1.0}, {"val_loss": level}, {"val_loss": level}]

    curves = {1: curve(1.0), 2: curve(0.12), 3: curve(0.10), 4: curve(0.101)}
    for rel_tol, elbow in ((0.25, 2), (0.0, 3), (20.0, 1)):
        choice = choose_latent_dim(curves, LatentSelection(rel_tol=rel_tol, last_epochs=2, margin=0))
        assert choice.elbow == choice.latent_dim == elbow
    choice = choose_latent_dim(curves, LatentSelection(rel_tol=0.25, last_epochs=2, margin=1))
    assert (choice.elbow, choice.latent_dim) == (2, 3)
    assert choice.threshold == pytest.approx(1.25 * 0.10)
    assert choice.to_dict()["levels"]["2"] == pytest.approx(0.12)
    choice = choose_latent_dim(curves, LatentSelection(rel_tol=0.0, last_epochs=2, margin=3))
    assert (choice.elbow, choice.latent_dim) == (3, 4)  # elbow + margin beyond the scan: the largest d
    with pytest.raises(ValueError, match="latent scan is empty"):
        choose_latent_dim({}, LatentSelection())
    with pytest.raises(ValueError, match="no column"):
        choose_latent_dim({1: [{"loss": 1.0}]}, LatentSelection())
