"""Sweep a trained surrogate over control values into a trajectory store (same layout as truth).

The result has dims (param, ic, time), one float32 data variable named like the observed variable,
``status`` (param, ic) int8 (non-zero: the rollout became non-finite or unbounded), coordinates
with units, and attrs ``kind="trajectories"``, ``source="surrogate"`` plus the descriptive attrs of
the training store (``observed``, ``spike_threshold``, ``time_unit``, ``sample_dt``, ``control``,
``model``, ...), so the regime classifier and the figures treat truth and surrogate alike.
"""

from __future__ import annotations

import json
import os

import numpy as np
import xarray as xr

from ..dynamics.lyapunov import LyapunovEstimate
from ..io.stores import STATUS_FLAGS
from ..units import per_time
from .base import Surrogate
from .registry import load_surrogate


def sweep(
    surrogate: Surrogate | str | os.PathLike,
    control_values: np.ndarray,
    n_ic: int,
    n_steps: int,
    transient_steps: int,
    seed: int,
    device: str = "auto",
    lyapunov_steps: int = 0,
) -> xr.Dataset:
    """Run a surrogate freely at every control value and lay the traces out as a trajectory store.

    Args:
        surrogate: a loaded :class:`Surrogate`, or the path of a checkpoint (stem, ``.pt`` or
            ``.json``) or of the directory holding ``surrogate.pt``/``surrogate.json``.
        control_values: (n_param,) control values, control unit.
        n_ic: initial states per control value (the same for every value).
        n_steps: recorded samples per trajectory; one map step is one sampling interval.
        transient_steps: samples run and discarded before recording.
        seed: seed of the initial states.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``... (ignored for an already loaded surrogate).
        lyapunov_steps: steps over which the surrogate's own largest Lyapunov exponent is estimated
            from the end of every trajectory; > 0 adds ``lyap_max``, ``lyap_stderr`` and
            ``lyap_converged`` (param, ic), which the regime classifier then uses.

    Returns:
        The trajectory Dataset (not written; see :func:`neurorecon.io.stores.write_dataset`). The time
        coordinate counts from the start of the rollout, so the first sample is at
        ``(transient_steps + 1) * sample_dt``.

    Raises:
        ValueError: no control values, non-finite values, or n_ic / n_steps < 1.
    """
    control_values = np.asarray(control_values, dtype=np.float64).reshape(-1)
    if control_values.size == 0 or not np.isfinite(control_values).all():
        raise ValueError("sweep needs at least one control value, all finite")
    if n_ic < 1 or n_steps < 1 or transient_steps < 0 or lyapunov_steps < 0:
        raise ValueError(f"sweep needs n_ic >= 1, n_steps >= 1, transient_steps >= 0, lyapunov_steps >= 0; got "
                         f"{n_ic}, {n_steps}, {transient_steps}, {lyapunov_steps}")
    if not isinstance(surrogate, Surrogate):
        surrogate = load_surrogate(surrogate, device)
    result = surrogate.rollout(control_values, n_ic, n_steps, transient_steps, seed, lyapunov_steps)
    attrs = surrogate.store_attrs
    observed = str(attrs["observed"])
    sample_dt = float(attrs["sample_dt"])
    time_unit = str(attrs.get("time_unit", ""))
    time = (transient_steps + 1 + np.arange(n_steps)) * sample_dt
    coords = {
        "param": ("param", control_values, {"units": attrs.get("control_unit", ""),
                                            "long_name": attrs.get("control", "control"),
                                            "control": attrs.get("control", "")}),
        "ic": ("ic", np.arange(n_ic), {"long_name": "initial state index"}),
        "time": ("time", time, {"units": time_unit, "long_name": "time since the start of the rollout"}),
    }
    data_vars = {
        observed: (("param", "ic", "time"), result.observed.astype(np.float32),
                   {"units": attrs.get("observed_unit", ""), "long_name": f"{observed} (surrogate)"}),
        "status": (("param", "ic"), result.status.astype(np.int8), {
            "long_name": "rollout status", "flag_values": list(STATUS_FLAGS.values()),
            "flag_meanings": " ".join(STATUS_FLAGS)}),
    }
    if result.lyapunov is not None:
        data_vars.update(_lyapunov_variables(result.lyapunov, time_unit))
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(attrs)
    ds.attrs.update({
        "kind": "trajectories",
        "source": "surrogate",
        "surrogate_family": surrogate.family,
        "training_values": json.dumps(surrogate.training_values.tolist()),
        "transient_steps": int(transient_steps),
        "n_steps": int(n_steps),
        "sweep_seed": int(seed),
        "lyapunov_steps": int(lyapunov_steps),
    })
    return ds


def _lyapunov_variables(estimate: LyapunovEstimate, time_unit: str) -> dict[str, tuple]:
    """``lyap_max``, ``lyap_stderr``, ``lyap_converged`` (param, ic) as in the truth's regime store."""
    unit = per_time(time_unit)
    dims = ("param", "ic")
    return {
        "lyap_max": (dims, estimate.exponent, {"units": unit, "long_name": "largest Lyapunov exponent (surrogate)"}),
        "lyap_stderr": (dims, estimate.stderr, {
            "units": unit, "long_name": "standard error of the largest Lyapunov exponent"}),
        "lyap_converged": (dims, estimate.converged, {"long_name": "first- and second-half estimates agree"}),
    }

