"""The shipped recordings: `neurorecon recording features` against the reference table of their README."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurorecon.cli import main
from neurorecon.recordings.features import StepRegime, step_features
from neurorecon.recordings.read import read_recording
from neurorecon.recordings.resources import SHIPPED, SHIPPED_DIR, resolve_recording

README = Path(__file__).resolve().parents[2] / "resources" / "recordings" / "README.md"
STEP_A_START_S, STEP_B_MID_S = 0.147, 1.9


def reference_counts() -> dict[str, list[tuple[str, float, float, tuple[int, int]]]]:
    """Per file, the README's entries: (kind "le" / "range" / "eq", low, high, (count A, count B))."""
    table = {}
    for line in README.read_text().splitlines():
        match = re.match(r"\| `(\S+\.abf)` \|[^|]*\|[^|]*\| (.+) \|$", line)
        if not match:
            continue
        entries = []
        for entry in match.group(2).replace("−", "-").split("; "):
            key, counts = entry.split(": ")
            a, b = (int(n) for n in counts.split("/"))
            if key.startswith("≤"):
                entries.append(("le", -np.inf, float(key[1:]), (a, b)))
            elif "–" in key:
                low, high = (float(v) for v in key.split("–"))
                entries.append(("range", low, high, (a, b)))
            else:
                entries.append(("eq", float(key), float(key), (a, b)))
        table[match.group(1)] = entries
    return table


def expected(entries, amplitude: float) -> tuple[int, int] | None:
    for _kind, low, high, counts in entries:
        if low <= amplitude <= high:
            return counts
    return None


def test_readme_table_covers_every_shipped_file():
    table = reference_counts()
    assert sorted(table) == sorted(SHIPPED)
    assert expected(table["171116sh_0019.abf"], 1900.0) == (1, 1)
    assert expected(table["171116sh_0018.abf"], -100.0) == (0, 0)


def test_shipped_files_are_found_by_name():
    assert resolve_recording("171116sh_0018.abf") == SHIPPED_DIR / "171116sh_0018.abf"
    assert resolve_recording("no_such.abf") == Path("no_such.abf")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_step_matches_the_reference_counts_and_block_labels(tmp_path, name):
    out = tmp_path / "features.csv"
    assert main(["recording", "features", name, "--csv", str(out)]) == 0
    rows = pd.read_csv(out)
    entries = reference_counts()[name]
    assert set(rows.columns) >= {"sweep", "epoch", "start_s", "stop_s", "amplitude_pA", "n_spikes", "firing_rate_hz",
                                 "first_spike_latency_ms", "mean_isi_ms", "adaptation_index", "regime_name"}
    checked = {"A": 0, "B": 0}
    for sweep, steps in rows.groupby("sweep"):
        first = steps.iloc[0]
        has_a = abs(first.start_s - STEP_A_START_S) < 1e-3
        amplitude = first.amplitude_pA if has_a else 0.0  # a sweep without step A has no step at all
        counts = expected(entries, amplitude)
        for step in steps.itertuples():
            if abs(step.start_s - STEP_A_START_S) < 1e-3:
                which = "A"
            elif step.start_s < STEP_B_MID_S < step.stop_s and step.amplitude_pA == amplitude:
                which = "B"
            else:  # the hyperpolarising pre-pulse
                assert step.amplitude_pA < 0 and step.n_spikes == 0, (sweep, step)
                continue
            want = counts[0 if which == "A" else 1]
            assert abs(step.n_spikes - want) <= 1, (name, sweep, which, amplitude, step.n_spikes, want)
            block = name == "171116sh_0019.abf" and (amplitude >= 1600 or (amplitude == 1500 and which == "A"))
            assert (step.regime_name == "depolarisation_block") == block, (name, sweep, which, step.regime_name)
            checked[which] += 1
    n_sweeps = read_recording(resolve_recording(name)).n_sweeps
    assert checked["A"] == checked["B"] == n_sweeps - 1  # one sweep per file has no step


def test_spikes_riding_on_a_depolarised_membrane_are_counted():
    rec = read_recording(resolve_recording("171116sh_0019.abf"))
    sweep = 15  # 1400 pA
    step = next(s for s in step_features(rec, sweeps=[sweep]) if s.epoch == 1)
    assert step.amplitude_pA == 1400.0
    start = round((step.start_s + 0.05) * rec.rate_hz)
    stop = round(step.stop_s * rec.rate_hz)
    assert rec.voltage_mV[sweep, start:stop].min() > -30.0  # every trough after the first 50 ms
    assert abs(step.n_spikes - 13) <= 1 and step.regime == StepRegime.TONIC_SPIKING
