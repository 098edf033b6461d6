"""The ISI network: shapes and padding invariance of both encoders, learning a synthetic mapping on
a tiny problem, and the checkpoint round trip."""

import numpy as np
import pytest
import torch

from neurorecon.inference.features import isi_batch
from neurorecon.inference.network import IsiNetwork
from neurorecon.inference.predict import predict
from neurorecon.inference.settings import NetworkSettings, SamplingSettings, TrainingSettings
from neurorecon.inference.training import Examples, load_trained, save_trained, train_network
from neurorecon.surrogates.base import CheckpointError

SAMPLING = SamplingSettings(max_isis=16)


@pytest.mark.parametrize("architecture", ["gru", "transformer"])
def test_outputs_have_their_shapes_and_ignore_padding(architecture):
    torch.manual_seed(0)
    net = IsiNetwork(NetworkSettings(architecture=architecture, width=8, layers=1, heads=2), max_length=16).eval()
    trains = [np.cumsum(np.full(5, 10.0)), np.cumsum(np.full(9, 3.0))]
    batch = isi_batch(trains, 16)
    with torch.no_grad():
        out = net(torch.as_tensor(batch.values), torch.as_tensor(batch.mask))
        alone = net(torch.as_tensor(batch.values[:1, :4]), torch.as_tensor(batch.mask[:1, :4]))
    assert out.mean.shape == (2, 2) and out.log_var.shape == (2, 2) and out.logit.shape == (2,)
    torch.testing.assert_close(out.mean[:1], alone.mean, atol=1e-5, rtol=1e-5)  # padding is not read


def _synthetic(n, rng):
    """Trains alternating two ISIs; g_s from the first (log-linearly), g_u from the second."""
    g_s, g_u = rng.uniform(-6, 4, n), rng.uniform(2, 8, n)
    isi1, isi2 = np.exp(2.0 + 0.2 * g_s), np.exp(2.0 + 0.3 * g_u)
    trains = [np.cumsum(np.tile([a, b], 5)) for a, b in zip(isi1, isi2, strict=True)]
    batch = isi_batch(trains, SAMPLING.max_isis)
    values = np.zeros((n, SAMPLING.max_isis), np.float32)
    mask = np.zeros((n, SAMPLING.max_isis), bool)
    values[:, : batch.values.shape[1]], mask[:, : batch.mask.shape[1]] = batch.values, batch.mask
    return trains, Examples(values, mask, np.stack([g_s, g_u], 1), g_s < 0, np.arange(n))


@pytest.mark.parametrize(("architecture", "layers"), [("gru", 1), ("transformer", 2)])
def test_the_network_learns_a_synthetic_mapping_and_survives_a_checkpoint(tmp_path, architecture, layers):
    # both ISIs of these trains are shorter than e^3 ms (same-signed features): a linear embedding
    # of the transformer lost their magnitude in its layer norms and did not learn g_s at all
    rng = np.random.default_rng(0)
    _, examples = _synthetic(400, rng)
    settings = TrainingSettings(epochs=30, batch_size=64, learning_rate=5e-3, device="cpu", seed=3)
    network = NetworkSettings(architecture=architecture, width=16, layers=layers, heads=2)
    trained = train_network(examples, SAMPLING, network, settings)
    trains, test = _synthetic(200, np.random.default_rng(1))
    pred = predict(trained, trains)
    mae = np.abs(np.stack([pred.g_s, pred.g_u], 1) - test.target).mean(axis=0)
    baseline = np.abs(test.target - test.target.mean(axis=0)).mean(axis=0)
    assert np.all(mae < 0.2 * baseline), (mae, baseline)
    assert ((pred.p_bursting > 0.5) == test.bursting).mean() > 0.8  # chance: 0.6
    assert np.all(pred.sigma_s > 0) and np.all(pred.sigma_u > 0)

    save_trained(tmp_path / "net", trained)
    loaded = load_trained(tmp_path / "net.pt")
    again = predict(loaded, trains)
    np.testing.assert_array_equal(again.g_s, pred.g_s)
    np.testing.assert_array_equal(again.sigma_u, pred.sigma_u)
    assert loaded.sampling == SAMPLING and loaded.curve == trained.curve


def test_a_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_trained(tmp_path / "nothing.pt")
