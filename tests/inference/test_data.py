"""Training data: compensation hits the requested (g_s, g_u), a chunk is reproducible and its
spikes and regimes are those of the simulated traces."""

import numpy as np

from neurorecon.dynamics.dic import dics
from neurorecon.inference.data import draw_sets, generate_chunk, read_spike_sets, write_chunk
from neurorecon.inference.settings import SamplingSettings
from neurorecon.inference.training import examples_from, usable
from neurorecon.models import get_model

SAMPLING = SamplingSettings(transient=100.0, duration=400.0, max_isis=16)


def test_drawn_sets_have_the_requested_dics_and_no_negative_conductance():
    model = get_model("stg")
    draw = draw_sets(model, SAMPLING, 300, np.random.default_rng(4))
    assert np.all(draw.conductances >= 0)
    values = dics(model, draw.conductances, parameters=model.parameters("spiking"))
    np.testing.assert_allclose(values.slow, draw.g_s, rtol=0, atol=1e-6)
    np.testing.assert_allclose(values.ultraslow, draw.g_u, rtol=0, atol=1e-6)
    assert draw.g_s.min() >= -6.0 and draw.g_s.max() <= 4.0 and draw.g_u.min() >= 2.0 and draw.g_u.max() <= 8.0


def test_a_chunk_is_reproducible_and_round_trips(tmp_path):
    a = generate_chunk(SAMPLING, 3, seed=5, chunk=1)
    b = generate_chunk(SAMPLING, 3, seed=5, chunk=1)
    np.testing.assert_array_equal(a["spike_times"].values, b["spike_times"].values)
    assert not np.array_equal(a["g_s"].values, generate_chunk(SAMPLING, 3, seed=5, chunk=2)["g_s"].values)
    times = a["spike_times"].values
    counts = np.isfinite(times).sum(axis=1)
    np.testing.assert_array_equal(counts, np.minimum(a["n_spikes"].values, SAMPLING.max_isis + 1))
    assert np.all(np.nanmax(times, axis=1) <= SAMPLING.duration)
    write_chunk(SAMPLING, 3, 5, 1, tmp_path / "c1.zarr")
    merged = read_spike_sets([tmp_path / "c1.zarr", tmp_path / "c1.zarr"])
    assert merged.sizes["example"] == 6
    examples = examples_from(merged, SAMPLING.max_isis)
    assert len(examples) == int(usable(merged).sum())
