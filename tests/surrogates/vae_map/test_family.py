"""The vae_map surrogate's readout: which decoded window entry is the observed value, and the lag it
brings, checked on an exactly solvable surrogate.

The exact surrogate: windows of D_e = 3 samples of x[n] = cos(w n) (delay 1); a linear "VAE" whose
encoder mean is the window itself and whose decoder is the identity; and the exact linear map of
windows x[n+1] = 2 cos(w) x[n] - x[n-1] (so z[n] -> z[n+1]). Every prediction is then exact, and
any error in the readout's time alignment shows as a phase error.
"""

import numpy as np
import pytest
import torch
from torch import nn

from neurorecon.surrogates.vae_map.embedding import EmbeddingSpec, Scaler
from neurorecon.surrogates.vae_map.family import VaeMapInfo, VaeMapSurrogate
from neurorecon.surrogates.vae_map.map_model import MapArchitecture, NeuralMap
from neurorecon.surrogates.vae_map.stages import readout_entry
from neurorecon.surrogates.vae_map.vae import Vae, VaeArchitecture, entry_errors

OMEGA = 0.3
DIM = 3


class CosineWindowMap(nn.Module):
    """z = (x[n-2], x[n-1], x[n]) -> (x[n-1], x[n], 2 cos(w) x[n] - x[n-1]), for every control."""

    def forward(self, z: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return torch.stack([z[:, 1], z[:, 2], 2 * np.cos(OMEGA) * z[:, 2] - z[:, 1]], dim=-1)


def _identity_vae() -> Vae:
    vae = Vae(VaeArchitecture(input_dim=DIM, latent_dim=DIM, hidden=()))
    with torch.no_grad():
        vae.encoder[0].weight.copy_(torch.cat([torch.eye(DIM), torch.zeros(DIM, DIM)]))
        vae.encoder[0].bias.zero_()
        vae.decoder[0].weight.copy_(torch.eye(DIM))
        vae.decoder[0].bias.zero_()
    return vae


def _exact_surrogate(entry: int | None) -> VaeMapSurrogate:
    info = VaeMapInfo([0.0], {"sample_dt": 1.0}, ic_noise=0.0, bound=10.0, readout_entry=entry)
    surrogate = VaeMapSurrogate(
        _identity_vae(), NeuralMap(MapArchitecture(DIM, 4, 1)), EmbeddingSpec(DIM, 1), Scaler(0.0, 1.0),
        Scaler(0.0, 1.0), torch.zeros(DIM), torch.ones(DIM), torch.zeros(1, DIM), info)
    surrogate.net = CosineWindowMap()  # a plain module: the free run calls it as the map
    return surrogate


@pytest.mark.parametrize("entry", [None, 0, 1, 2])
def test_forecast_continues_the_observed_series_exactly_whatever_the_readout_entry(entry):
    surrogate = _exact_surrogate(entry)
    assert surrogate.readout_lag == DIM - 1 - (DIM - 1 if entry is None else entry)
    n = np.arange(60)
    history = np.cos(OMEGA * n)[None, :40]
    predicted = surrogate.forecast(history, np.array([0.0]), n_steps=20)
    assert predicted.shape == (1, 20)
    np.testing.assert_allclose(predicted[0], np.cos(OMEGA * n[40:]), atol=1e-4)


def test_decoding_reads_out_the_chosen_entry_of_the_window():
    window = np.array([[0.5, -0.25, 0.75]])
    for entry in range(DIM):
        surrogate = _exact_surrogate(entry)
        decoded = surrogate.decode_observed(surrogate.encode(window))
        assert float(decoded[0]) == pytest.approx(window[0, entry])


def test_entry_errors_and_the_best_readout_find_the_worst_and_best_reconstructed_entries():
    vae = _identity_vae()
    with torch.no_grad():  # entry 0 decoded as 0.5 x, entry 2 as 0.9 x, entry 1 exactly
        vae.decoder[0].weight.copy_(torch.diag(torch.tensor([0.5, 1.0, 0.9])))
    windows = torch.randn(1000, DIM)
    errors = entry_errors(vae, windows)
    expected = torch.stack([(0.5 * windows[:, 0]).pow(2).mean(), torch.tensor(0.0),
                            (0.1 * windows[:, 2]).pow(2).mean()])
    torch.testing.assert_close(errors, expected)

    class HeldBack:  # Segments-like: split() returns (fitted, held back) with a .series
        series = np.cos(OMEGA * np.arange(200))[None, :]

        def split(self, fraction):
            return self, self

    class Settings:
        heldback_fraction, stride = 0.2, 1

    spec, scaler, cpu = EmbeddingSpec(DIM, 1), Scaler(0.0, 1.0), torch.device("cpu")
    assert readout_entry(vae, HeldBack(), scaler, spec, Settings(), "best", cpu) == 1
    assert readout_entry(vae, HeldBack(), scaler, spec, Settings(), "newest", cpu) == DIM - 1
