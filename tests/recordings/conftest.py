"""Shared test recordings: HH step responses (simulated once per session) and NWB files of them."""

import pytest

from .files import hh_recording, write_nwb

AMPLITUDES_PA = [-20.0, 0.0, 30.0, 60.0, 65.0, 80.0, 100.0, 150.0]
"""One sweep per amplitude; 0 pA is a sweep without a step."""


@pytest.fixture(scope="session")
def hh_steps():
    """HH at 10 kHz: one 0.3 s step per sweep starting at 0.2 s, sweeps of 0.6 s."""
    return hh_recording(AMPLITUDES_PA, start_s=0.2, step_s=0.3, total_s=0.6, rate_hz=10_000.0)


@pytest.fixture(scope="session")
def hh_nwb(hh_steps, tmp_path_factory):
    """``hh_steps`` as NWB with a second, voltage-clamp electrode listed first (two input channels)."""
    return write_nwb(hh_steps, tmp_path_factory.mktemp("nwb") / "hh_steps.nwb", voltage_clamp_first=True)
