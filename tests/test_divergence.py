"""Divergent surrogate trajectories: classified ``divergent``, compared without exceptions.

A surrogate store in the trajectory-store layout (dims param, ic, time; observed ``V``; ``status``
(param, ic) int8; attrs kind, observed, spike_threshold, time_unit, control, model) is built by
hand: regular spiking at most control values, and at others traces that turn NaN (status 1), grow
without bound (status 2), or blow past the classifier's bound with status 0. The regime classifier
must call exactly those trajectories divergent, and the comparison with a truth store must give
finite metrics where the surrogate is fine and regime disagreement where it diverged.

The same layout produced by :func:`neurorecon.surrogates.sweep` (with a toy surrogate in place of
a trained one) and by ``workflow/scripts/sweep_surrogate.py`` (run as Snakemake would, with only
the checkpoint loading replaced) is checked too, including the script's warning line.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neurorecon.analysis import classify_store
from neurorecon.dynamics.regimes import Regime, classify_trajectories
from neurorecon.evaluation.compare import compare_stores, summarise
from neurorecon.io.stores import read_dataset, write_dataset

ROOT = Path(__file__).resolve().parents[1]
PARAM = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
TRAIN_VALUES = [0.5]
N_IC, N_TIME, DT = 2, 3000, 0.1
THRESHOLD = 0.0

# (param index, ic) -> how the surrogate trajectory goes wrong; status is what a sweep would record.
NAN, UNBOUNDED, OVER_BOUND = "nan", "unbounded", "over_bound"
BROKEN = {
    (2, 0): NAN,  # one of two initial states at 1.0: the value stays tonic by majority (ties: lower code)
    (3, 0): NAN, (3, 1): NAN,  # 1.5: NaN from a third of the way in
    (4, 0): UNBOUNDED, (4, 1): UNBOUNDED,  # 2.0: exponential growth past 1e12, status 2
    (5, 0): OVER_BOUND, (5, 1): OVER_BOUND,  # 2.5: huge but finite, status 0: the bound alone decides
}
STATUS = {NAN: 1, UNBOUNDED: 2, OVER_BOUND: 0}
FINE_VALUES = [0, 1]  # every trajectory fine
DIVERGENT_VALUES = [3, 4, 5]  # every trajectory divergent


def _pulses(param: float, ic: int, period_scale: float = 1.0) -> np.ndarray:
    """A regular spike train (rest -65, peaks +35) whose rate grows with the control value."""
    t = np.arange(N_TIME) * DT
    period = period_scale * 10.0 / (1.0 + param)
    phase = (t + 0.37 * ic * period) % period
    return -65.0 + 100.0 * np.exp(-((phase - 0.5 * period) ** 2) / 0.3)


def traces(surrogate: bool) -> tuple[np.ndarray, np.ndarray]:
    """(n_param, n_ic, n_time) float64 traces and (n_param, n_ic) int8 status."""
    x = np.stack([[_pulses(p, k, 1.03 if surrogate else 1.0) for k in range(N_IC)] for p in PARAM])
    status = np.zeros((PARAM.size, N_IC), dtype=np.int8)
    if surrogate:
        growth = np.exp(np.linspace(0.0, 35.0, N_TIME))  # 1 ... 1.6e15
        for (i, k), kind in BROKEN.items():
            if kind == NAN:
                x[i, k, N_TIME // 3:] = np.nan
            elif kind == UNBOUNDED:
                x[i, k] = x[i, k] * growth
            else:
                x[i, k, N_TIME // 2:] = 5e7
            status[i, k] = STATUS[kind]
    return x, status


def trajectory_store(surrogate: bool, dtype=np.float32) -> xr.Dataset:
    """A store in the trajectory layout the sweep writes (truth: the same layout, float64, no errors)."""
    x, status = traces(surrogate)
    ds = xr.Dataset(
        {
            "V": (("param", "ic", "time"), x.astype(dtype if surrogate else np.float64),
                  {"units": "mV", "long_name": "V"}),
            "status": (("param", "ic"), status, {"long_name": "rollout status",
                                                 "flag_values": [0, 1, 2],
                                                 "flag_meanings": "ok nonfinite unbounded"}),
        },
        coords={
            "param": ("param", PARAM, {"units": "uA/cm2", "long_name": "injected current", "control": "I"}),
            "ic": ("ic", np.arange(N_IC), {"long_name": "initial state index"}),
            "time": ("time", (1 + np.arange(N_TIME)) * DT, {"units": "ms", "long_name": "time"}),
        },
    )
    ds.attrs.update(kind="trajectories", source="surrogate" if surrogate else "ground truth", observed="V",
                    spike_threshold=THRESHOLD, time_unit="ms", control="I", control_unit="uA/cm2",
                    control_is_current=True, model="toy", sample_dt=DT)
    return ds


def divergent_mask() -> np.ndarray:
    mask = np.zeros((PARAM.size, N_IC), dtype=bool)
    for index in BROKEN:
        mask[index] = True
    return mask


# ----- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_divergent_trajectories_are_classified_divergent_and_only_those(dtype):
    regimes = classify_trajectories(trajectory_store(surrogate=True, dtype=dtype))
    regime = regimes["regime"].transpose("param", "ic").values
    expected = np.where(divergent_mask(), Regime.DIVERGENT, Regime.TONIC_SPIKING)
    np.testing.assert_array_equal(regime, expected)
    bad = divergent_mask()
    assert np.isnan(regimes["firing_rate"].values[bad]).all()
    assert np.isfinite(regimes["firing_rate"].values[~bad]).all()
    assert (regimes["n_spikes"].values[bad] == 0).all()
    assert np.isnan(regimes["isi"].values[bad]).all() and np.isnan(regimes["peak"].values[bad]).all()
    assert regimes["multistable"].values.tolist() == [False, False, True, False, False, False]


def test_status_alone_marks_a_finite_trajectory_divergent():
    ds = trajectory_store(surrogate=False)
    ds["status"].values[1, 1] = 2  # traces fine, but the sweep flagged it
    regime = classify_trajectories(ds)["regime"].values
    assert regime[1, 1] == Regime.DIVERGENT
    assert (np.delete(regime.ravel(), 1 * N_IC + 1) == Regime.TONIC_SPIKING).all()


def test_store_round_trip_then_classify_store(tmp_path):
    """As in the workflow: the sweep's store is written, read back and classified (no Lyapunov model)."""
    write_dataset(trajectory_store(surrogate=True), tmp_path / "sweep.zarr")
    ds = read_dataset(tmp_path / "sweep.zarr", kind="trajectories")
    assert ds["V"].dtype == np.float32 and ds["status"].dtype == np.int8
    regimes = classify_store(ds, lyapunov=True)
    assert (regimes["regime"].values[divergent_mask()] == Regime.DIVERGENT).all()
    assert np.isnan(regimes["lyap_max"].values).all()


# ----- comparison -------------------------------------------------------------------------------


def _compare(truth: xr.Dataset, surrogate: xr.Dataset):
    truth_regimes = classify_store(truth, lyapunov=False)
    surrogate_regimes = classify_store(surrogate, lyapunov=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (overflow, mean of empty slice) either
        per_param, transitions = compare_stores(truth_regimes, surrogate_regimes, truth, surrogate, TRAIN_VALUES)
        summary = summarise(per_param, transitions)
    return per_param, transitions, summary


METRICS = ["firing_rate_rel_error", "isi_distance", "spectrum_hellinger", "state_space_divergence"]


def test_compare_is_finite_where_the_surrogate_is_fine_and_disagrees_where_it_diverged():
    per_param, transitions, summary = _compare(trajectory_store(surrogate=False), trajectory_store(surrogate=True))
    assert per_param["param"].tolist() == PARAM.tolist()
    fine = per_param.iloc[FINE_VALUES]
    assert fine["regime_agree"].all() and (fine["surrogate_regime"] == "tonic_spiking").all()
    assert np.isfinite(fine[METRICS].to_numpy(dtype=float)).all(), fine[METRICS]
    assert (fine["firing_rate_rel_error"] < 0.05).all()  # 3 % slower spikes
    # One initial state diverged at 1.0: the other one still gives every metric.
    assert per_param.iloc[2]["regime_agree"] and np.isfinite(per_param.iloc[2][METRICS].to_numpy(dtype=float)).all()

    diverged = per_param.iloc[DIVERGENT_VALUES]
    assert (diverged["surrogate_regime"] == "divergent").all() and not diverged["regime_agree"].any()
    assert (diverged["truth_regime"] == "tonic_spiking").all()
    values = diverged[METRICS].to_numpy(dtype=float)
    assert not np.isinf(values).any(), diverged[METRICS]  # NaN (no finite trace) or a number, never inf
    assert np.isnan(diverged["firing_rate_rel_error"]).all()

    # The truth is tonic throughout: the surrogate's divergence is not a regime transition.
    assert transitions.empty
    unseen = [i for i in range(PARAM.size) if PARAM[i] not in TRAIN_VALUES]
    expected = np.mean([i not in DIVERGENT_VALUES for i in unseen])
    assert summary["regime_agreement_unseen"] == pytest.approx(expected)
    assert math.isfinite(summary["spectrum_hellinger_median"])
    json.dumps(summary)  # serialisable as the compare rule writes it


# ----- the sweep itself, with a toy surrogate instead of a trained one ---------------------------


def _surrogates():
    try:
        import neurorecon.surrogates as surrogates
    except Exception as exc:  # torch missing, or the package mid-edit
        pytest.skip(f"neurorecon.surrogates does not import: {type(exc).__name__}: {exc}")
    return surrogates


def make_toy_surrogate():
    """A :class:`neurorecon.surrogates.Surrogate` whose rollout returns :func:`traces` (sliced)."""
    from neurorecon.surrogates import ObservedRollout, Surrogate

    class ToySurrogate(Surrogate):
        family = "toy"

        @property
        def store_attrs(self):
            attrs = trajectory_store(surrogate=True).attrs
            keys = ("model", "observed", "spike_threshold", "time_unit", "sample_dt", "control",
                    "control_unit", "control_is_current")
            return {key: attrs[key] for key in keys} | {"observed_unit": "mV"}

        @property
        def training_values(self):
            return np.asarray(TRAIN_VALUES)

        def rollout(self, control_values, n_ic, n_steps, transient_steps, seed, lyapunov_steps=0):
            x, status = traces(surrogate=True)
            rows = [int(np.flatnonzero(np.isclose(PARAM, p))[0]) for p in control_values]
            return ObservedRollout(x[rows, :n_ic, :n_steps].astype(np.float32), status[rows, :n_ic])

        def save(self, path):
            raise NotImplementedError

        @classmethod
        def load(cls, path, device="auto"):
            return cls()

        @classmethod
        def train(cls, train_store, settings, seed, device, out_dir, progress):
            raise NotImplementedError

    return ToySurrogate()


def test_sweep_lays_diverged_rollouts_out_as_status_and_they_classify_divergent():
    _surrogates()
    from neurorecon.surrogates.sweep import sweep

    ds = sweep(make_toy_surrogate(), PARAM, n_ic=N_IC, n_steps=N_TIME, transient_steps=0, seed=0, device="cpu")
    status = ds["status"].transpose("param", "ic").values
    assert status.dtype == np.int8
    assert int((status != 0).sum()) == sum(1 for kind in BROKEN.values() if STATUS[kind])  # what the script counts
    regimes = classify_store(ds, lyapunov=True)
    assert (regimes["regime"].values[divergent_mask()] == Regime.DIVERGENT).all()
    assert (regimes["regime"].values[~divergent_mask()] == Regime.TONIC_SPIKING).all()
    per_param, _, _ = _compare(trajectory_store(surrogate=False), ds)
    assert not per_param.iloc[DIVERGENT_VALUES]["regime_agree"].any()
    assert np.isfinite(per_param.iloc[FINE_VALUES][METRICS].to_numpy(dtype=float)).all()


# The sweep script as Snakemake runs it (`script:` puts a `snakemake` object into its globals), in a
# child process because it redirects stdout and stderr to its log. Only the checkpoint loading is
# replaced: load_surrogate (as the script imports it from the package) returns the toy surrogate.
_RUN_SCRIPT = textwrap.dedent("""
    import runpy, sys, types
    sys.path.insert(0, {root!r})
    import neurorecon.surrogates
    from tests.test_divergence import PARAM, make_toy_surrogate

    class Wildcards(dict):
        __getattr__ = dict.__getitem__

    neurorecon.surrogates.load_surrogate = lambda path, device="auto": make_toy_surrogate()
    for name, values in (("diverging", PARAM), ("fine", PARAM[:2])):
        ns = types.SimpleNamespace
        snakemake = ns(
            input=ns(checkpoint={tmp!r} + "/map/surrogate.pt"),
            output=[{tmp!r} + f"/{{name}}.zarr"], log=[{tmp!r} + f"/{{name}}.log"],
            params=ns(values=[float(v) for v in values], device="cpu",
                      settings={{"n_ic": 2, "n_steps": 3000, "transient_steps": 0, "lyapunov_steps": 0,
                                "forecast_starts": 0}}),
            wildcards=Wildcards(dataset="toy", surrogate="vm", seed="0"), threads=1, rule="sweep_surrogate",
        )
        runpy.run_path({script!r}, init_globals={{"snakemake": snakemake}}, run_name="__main__")
""")


def test_sweep_script_warns_about_diverged_trajectories(tmp_path):
    _surrogates()
    script = ROOT / "workflow" / "scripts" / "sweep_surrogate.py"
    code = _RUN_SCRIPT.format(root=str(ROOT), tmp=str(tmp_path), script=str(script))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    n_flagged = sum(1 for kind in BROKEN.values() if STATUS[kind])
    log = (tmp_path / "diverging.log").read_text()
    assert f"warning: {n_flagged} of {PARAM.size * N_IC} surrogate trajectories diverged" in log, log
    assert "warning" not in (tmp_path / "fine.log").read_text()
    swept = read_dataset(tmp_path / "diverging.zarr", kind="trajectories")
    assert int((swept["status"].values != 0).sum()) == n_flagged
    assert swept.attrs["rule"] == "sweep_surrogate" and swept.attrs["source"] == "surrogate"
