"""Regime classification of (param, ic) ensembles of the observed variable, truth and surrogate alike.

Codes (CF flags, see :func:`regime_attrs`): 0 rest, 1 subthreshold oscillation, 2 tonic spiking,
3 bursting, 4 chaotic, 5 divergent. Rules, applied to each post-transient trace (settings in
:class:`ClassifierSettings`; defaults in brackets):

1. Divergent: any non-finite sample or |x| > ``bound`` [1e6]. No exception is raised.
2. Spikes are upward crossings of the model's spike threshold with hysteresis ``hysteresis`` [0.05]
   times the trace's peak-to-peak range. With at least ``min_spikes`` [2] spikes, the last one
   followed by at most ``max_silence`` [2] times the longest ISI of silence, the trace spikes:
   bursting if the ISIs form two clusters by the logISI rule (:mod:`neurorecon.dynamics.bursts`;
   inter-/intra-burst median ISI ratio at least ``burst_ratio`` [3]), tonic spiking otherwise.
3. Without (sustained) spikes: rest if the last quarter of the trace is flat (peak-to-peak <=
   ``flat_tolerance`` [1e-3] times a scale: ``scale`` if given, else the distance between the spike
   threshold and the trace's last-quarter mid-level), or if its oscillation is dying out (last-quarter
   peak-to-peak < ``decay_ratio`` [0.5] times the first quarter's), or if it does not complete
   ``min_cycles`` [2] cycles around its mid-level in the last quarter (a slow drift). Otherwise
   subthreshold oscillation.
4. Chaotic (overrides 1-3, never rest or divergent): ``lyap_max`` > ``lyap_rel_tol`` [0.02] *
   f + ``lyap_abs_tol`` [0], with f the firing rate (spiking) or the oscillation frequency
   (subthreshold), both per time unit: the separation must grow by more than a factor
   exp(lyap_rel_tol) per spike or cycle, well above the error of a finite-time estimate on a limit
   cycle. Where a standard error of the estimate is known (:func:`classify_trajectories` given the
   output of :func:`lyapunov_for_store`), ``lyap_max - lyap_sigmas [2] * stderr`` must clear the
   threshold, so a short, noisy estimate is not called chaos; an estimate whose standard error is
   undefined (NaN) never establishes chaos. Without ``lyap_max`` nothing is chaotic.

A store of a registered model whose record (after ``transient``) is shorter than the model's
``min_record`` is refused by :func:`classify_trajectories`: its regime is undetermined, and no
regime is given.

Per-param multistability: the initial states of one parameter value end in different regimes.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from enum import IntEnum

import numba
import numpy as np
import xarray as xr

from ..models import MODELS, get_model
from ..units import per_time
from .bifurcation import DEFAULT_K_MAX, bifurcation_data, bifurcation_dataset
from .bursts import DEFAULT_MIN_RATIO, analyse_bursts
from .lyapunov import lyapunov_ode, lyapunov_ode_adaptive
from .spikes import DEFAULT_HYSTERESIS, detect_spikes


class Regime(IntEnum):
    """Regime codes stored in the ``regime`` variable."""

    REST = 0
    SUBTHRESHOLD_OSCILLATION = 1
    TONIC_SPIKING = 2
    BURSTING = 3
    CHAOTIC = 4
    DIVERGENT = 5


def regime_attrs() -> dict[str, object]:
    """CF attrs of the ``regime`` variable: ``flag_values`` (int8) and space-separated ``flag_meanings``."""
    return {
        "long_name": "dynamical regime",
        "flag_values": np.array([r.value for r in Regime], dtype=np.int8),
        "flag_meanings": " ".join(r.name.lower() for r in Regime),
    }


@dataclass(frozen=True)
class ClassifierSettings:
    """Settings of :func:`classify` (see the module docstring for the rules).

    Attributes:
        transient: time discarded from the start of every trace, in the time unit of the traces.
        bound: |x| above which a trace is divergent, in the observed unit.
        hysteresis: spike-detector hysteresis, fraction of the trace's peak-to-peak range.
        min_spikes: fewest spikes for a spiking regime.
        max_silence: longest silence after the last spike, in multiples of the longest ISI, for
            the spiking to count as sustained.
        burst_ratio: smallest ratio of median inter- to intra-burst ISI (logISI split).
        flat_tolerance: peak-to-peak below this fraction of the scale is rest.
        scale: amplitude scale in the observed unit; None: per trace |threshold - mid-level|.
        decay_ratio: last-/first-quarter peak-to-peak ratio below which an oscillation is dying out.
        min_cycles: fewest cycles in the last quarter for a subthreshold oscillation.
        lyap_rel_tol: chaos threshold per spike (or cycle), dimensionless.
        lyap_abs_tol: extra chaos threshold, in 1 / time unit.
        lyap_sigmas: standard errors the exponent must clear the chaos threshold by, when known.
    """

    transient: float = 0.0
    bound: float = 1e6
    hysteresis: float = DEFAULT_HYSTERESIS
    min_spikes: int = 2
    max_silence: float = 2.0
    burst_ratio: float = DEFAULT_MIN_RATIO
    flat_tolerance: float = 1e-3
    scale: float | None = None
    decay_ratio: float = 0.5
    min_cycles: int = 2
    lyap_rel_tol: float = 0.02
    lyap_abs_tol: float = 0.0
    lyap_sigmas: float = 2.0


@numba.njit(cache=True, parallel=True)
def _summarise(x, bound):
    """Per trace: bounded and finite?, range of the whole trace, of the first and last quarter."""
    n, m = x.shape
    quarter = max(m // 4, 1)
    ok = np.ones(n, dtype=np.bool_)
    ranges = np.empty((n, 6))  # low, high, first-quarter low, high, last-quarter low, high
    for i in numba.prange(n):
        low = np.inf
        high = -np.inf
        low1 = np.inf
        high1 = -np.inf
        low4 = np.inf
        high4 = -np.inf
        for k in range(m):
            v = np.float64(x[i, k])
            if not abs(v) <= bound:
                ok[i] = False
                break
            low = min(low, v)
            high = max(high, v)
            if k < quarter:
                low1 = min(low1, v)
                high1 = max(high1, v)
            if k >= m - quarter:
                low4 = min(low4, v)
                high4 = max(high4, v)
        ranges[i, 0] = low
        ranges[i, 1] = high
        ranges[i, 2] = low1
        ranges[i, 3] = high1
        ranges[i, 4] = low4
        ranges[i, 5] = high4
    return ok, ranges


def classify(
    observed: np.ndarray,
    time: np.ndarray,
    spike_threshold: float,
    lyap_max: np.ndarray | None = None,
    settings: ClassifierSettings = ClassifierSettings(),
) -> dict[str, np.ndarray]:
    """Classify the regime of every (param, ic) trace of the observed variable.

    Args:
        observed: (n_param, n_ic, n_time) float32/float64 samples (NaN after divergence allowed).
        time: (n_time,) sample times, in the model's time unit.
        spike_threshold: spike threshold in the observed unit.
        lyap_max: (n_param, n_ic) largest Lyapunov exponents in 1 / time unit, or None.
        settings: :class:`ClassifierSettings`.

    Returns:
        Arrays with dims (n_param, n_ic): ``regime`` int8 codes (:class:`Regime`); ``firing_rate``
        float64 spikes per time unit (1 / mean ISI; 0 unless spiking; NaN if divergent);
        ``spikes_per_burst`` float64 mean over complete bursts (NaN unless the ISIs show bursts,
        which chaotic bursting keeps); ``spikes_per_burst_stable`` bool (every complete burst has
        the same count); ``isi_cv`` float64 (NaN unless spiking); ``n_spikes`` int32 (0 if
        divergent). And ``multistable``: (n_param,) bool.
    """
    observed = np.asarray(observed)
    if observed.ndim != 3:
        raise ValueError(f"observed must have shape (n_param, n_ic, n_time), got {observed.shape}")
    n_param, n_ic, _ = observed.shape
    time = np.asarray(time, dtype=np.float64)
    start = int(np.searchsorted(time, time[0] + settings.transient))
    t = time[start:]
    x = observed[..., start:].reshape(n_param * n_ic, -1)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    n = x.shape[0]

    ok, ranges = _summarise(x, float(settings.bound))
    ranges[~ok] = np.nan
    low, high, low1, high1, low4, high4 = ranges.T
    trains = detect_spikes(x, t, spike_threshold, settings.hysteresis * (high - low))

    regime = np.full(n, Regime.DIVERGENT, dtype=np.int8)
    firing_rate = np.full(n, np.nan)
    spikes_per_burst = np.full(n, np.nan)
    stable = np.zeros(n, dtype=bool)
    isi_cv = np.full(n, np.nan)
    n_spikes = np.where(ok, trains.counts, 0).astype(np.int32)
    frequency = np.zeros(n)  # spikes or cycles per time unit, the reference of the chaos test

    spiking = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(ok & (trains.counts >= settings.min_spikes)):
        times = trains.times[i, : trains.counts[i]]
        if t[-1] - times[-1] > settings.max_silence * np.diff(times).max():
            continue  # the spikes were a transient: judged as a quiet trace below
        spiking[i] = True
        stats = analyse_bursts(times, t[0], t[-1], settings.burst_ratio)
        regime[i] = Regime.BURSTING if stats.bursting else Regime.TONIC_SPIKING
        firing_rate[i] = frequency[i] = stats.firing_rate
        spikes_per_burst[i] = stats.spikes_per_burst
        stable[i] = stats.spikes_per_burst_stable
        isi_cv[i] = stats.isi_cv

    quiet = ok & ~spiking
    firing_rate[quiet] = 0.0
    regime[quiet] = Regime.REST
    ptp_last = high4 - low4
    mid_last = 0.5 * (high4 + low4)
    scale = np.abs(spike_threshold - mid_last) if settings.scale is None else settings.scale
    flat = ptp_last <= settings.flat_tolerance * scale
    dying = ptp_last < settings.decay_ratio * (high1 - low1)
    candidate = np.flatnonzero(quiet & ~flat & ~dying)
    if candidate.size:
        last = t >= t[-1] - (t[-1] - t[0]) / 4
        level, hysteresis = mid_last[candidate], 0.25 * ptp_last[candidate]
        cycles = detect_spikes(x[candidate][:, last], t[last], level, hysteresis)
        for j, i in enumerate(candidate):
            count = cycles.counts[j]
            if count >= settings.min_cycles:
                regime[i] = Regime.SUBTHRESHOLD_OSCILLATION
                span = cycles.times[j, count - 1] - cycles.times[j, 0]
                frequency[i] = (count - 1) / span if span > 0 else 0.0

    if lyap_max is not None:
        lyap = np.asarray(lyap_max, dtype=np.float64).reshape(n)
        oscillating = np.isin(
            regime, [Regime.SUBTHRESHOLD_OSCILLATION, Regime.TONIC_SPIKING, Regime.BURSTING]
        )
        with np.errstate(invalid="ignore"):
            chaotic = oscillating & (lyap > settings.lyap_rel_tol * frequency + settings.lyap_abs_tol)
        regime[chaotic] = Regime.CHAOTIC

    regime = regime.reshape(n_param, n_ic)
    return {
        "regime": regime,
        "firing_rate": firing_rate.reshape(n_param, n_ic),
        "spikes_per_burst": spikes_per_burst.reshape(n_param, n_ic),
        "spikes_per_burst_stable": stable.reshape(n_param, n_ic),
        "isi_cv": isi_cv.reshape(n_param, n_ic),
        "n_spikes": n_spikes.reshape(n_param, n_ic),
        "multistable": (regime != regime[:, :1]).any(axis=1),
    }


MIN_LYAPUNOV_INTERVALS = 20
"""Fewest renormalisation intervals of a store's Lyapunov estimate: after the default tenth is
discarded, each of the blocks behind its standard error holds at least two, so the error is defined."""

PROVENANCE_ATTRS = (
    "neurorecon_version", "git_sha", "config_hash", "rule", "wildcards", "created_utc", "seed",
    "slurm_job_id",
)
"""Store attrs describing the job that wrote a store; not copied to derived stores."""


def check_trajectory_store(ds: xr.Dataset) -> str:
    """Check that ``ds`` follows the trajectory-store schema; return the observed variable's name.

    Raises:
        ValueError: naming everything that is missing or wrong.
    """
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"expected a trajectory store (xarray.Dataset), got {type(ds).__name__}")
    problems = []
    kind = ds.attrs.get("kind")
    if kind != "trajectories":
        problems.append(
            "no attribute 'kind'" if kind is None else f"attribute kind={kind!r}, expected 'trajectories'"
        )
    for attr in ("observed", "spike_threshold"):
        if attr not in ds.attrs:
            problems.append(f"no attribute {attr!r}")
    if "spike_threshold" in ds.attrs:
        try:
            threshold_ok = math.isfinite(float(ds.attrs["spike_threshold"]))
        except (TypeError, ValueError):
            threshold_ok = False
        if not threshold_ok:
            problems.append(f"attribute spike_threshold={ds.attrs['spike_threshold']!r} is not a finite number")
    if "parameters" in ds.attrs:
        try:
            parameters = json.loads(ds.attrs["parameters"])
            parameters_ok = isinstance(parameters, dict) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in parameters.values())
        except (TypeError, ValueError):
            parameters_ok = False
        if not parameters_ok:
            problems.append("attribute 'parameters' is not a JSON object of numbers")
    for coord in ("param", "ic", "time"):
        if coord not in ds.coords:
            problems.append(f"no coordinate {coord!r}")
    observed = ds.attrs.get("observed")
    if observed is not None:
        if observed not in ds.data_vars:
            present = ", ".join(map(str, ds.data_vars)) or "none"
            problems.append(f"observed variable {observed!r} missing (data variables: {present})")
        elif set(ds[observed].dims) != {"param", "ic", "time"}:
            dims = ds[observed].dims
            problems.append(f"observed variable {observed!r} has dims {dims}, expected (param, ic, time)")
    if problems:
        raise ValueError("not a trajectory store: " + "; ".join(problems))
    return str(observed)


def check_record_length(ds: xr.Dataset, transient: float = 0.0) -> None:
    """Refuse a record too short to decide a regime of its model (:attr:`NeuronModel.min_record`).

    The record is the span of the ``time`` coordinate plus one sampling interval, less
    ``transient``. Stores of a model that is not registered have no known minimum and pass.

    Raises:
        ValueError: naming the record length, the minimum and the model.
    """
    name = ds.attrs.get("model")
    if name not in MODELS:
        return
    model = get_model(name)
    time = np.asarray(ds["time"].values, dtype=np.float64)
    spacing = float(ds.attrs.get("sample_dt", np.median(np.diff(time)) if time.size > 1 else 0.0))
    record = (time[-1] - time[0] + spacing if time.size else 0.0) - transient
    if record < model.min_record * (1.0 - 1e-9):
        unit = model.time_label
        raise ValueError(
            f"the record is {record:g} {unit} long, too short to decide a regime of model {name!r}: the "
            f"classifier needs at least {model.min_record:g} {unit} (about two of its slowest periods); "
            "simulate a longer duration"
        )


def _param_ic_values(values, ds: xr.Dataset) -> np.ndarray:
    """Values of a (param, ic) DataArray or array, checked against the store's shape."""
    if isinstance(values, xr.DataArray):
        values = values.transpose("param", "ic").values
    array = np.asarray(values)
    if array.shape != _store_shape(ds):
        raise ValueError(f"lyap_max has shape {array.shape}, expected (param, ic) = {_store_shape(ds)}")
    return array


def classify_trajectories(
    ds: xr.Dataset,
    lyap_max: xr.Dataset | xr.DataArray | np.ndarray | None = None,
    settings: ClassifierSettings = ClassifierSettings(),
    k_max: int = DEFAULT_K_MAX,
) -> xr.Dataset:
    """Regime store of a trajectory store (truth or surrogate): :func:`classify` plus bifurcation data.

    Args:
        ds: trajectory store: attrs ``kind="trajectories"``, ``observed``, ``spike_threshold``;
            observed variable with dims (param, ic, time); optional ``status`` (param, ic), where a
            non-zero value marks the trajectory divergent.
        lyap_max: (param, ic) largest Lyapunov exponents (1 / time unit) as an array or DataArray,
            or the Dataset of :func:`lyapunov_for_store` (all its variables and attrs are copied).
        settings: classifier settings, recorded as JSON in the ``classifier`` attr.
        k_max: events kept per trajectory in the bifurcation variables ``isi`` and ``peak``.

    Returns:
        Dataset with dims (param, ic): ``regime`` (int8, CF flags), ``lyap_max`` (NaN if not given),
        ``firing_rate``, ``spikes_per_burst``, ``spikes_per_burst_stable``, ``isi_cv``,
        ``n_spikes``; ``multistable`` (param); ``isi`` (param, ic, isi_index) and ``peak``
        (param, ic, peak_index), NaN for divergent trajectories. Coordinates ``param`` and ``ic``
        with their attrs; attrs ``kind="regimes"`` plus the descriptive attrs of ``ds``.

    Raises:
        ValueError: ``ds`` is not a trajectory store, its record is shorter than its model's
            ``min_record``, or ``lyap_max`` has the wrong shape.
    """
    observed = check_trajectory_store(ds)
    check_record_length(ds, settings.transient)
    variable = ds[observed].transpose("param", "ic", "time")
    x = variable.values
    time = ds["time"].values
    threshold = float(ds.attrs["spike_threshold"])
    if "status" in ds:
        bad = ds["status"].transpose("param", "ic").values != 0
        if bad.any():
            x = np.where(bad[..., None], np.nan, x)

    lyap_vars: dict[str, xr.DataArray] = {}
    lyap_attrs: dict[str, object] = {}
    if isinstance(lyap_max, xr.Dataset):
        lyap_vars = {name: lyap_max[name] for name in lyap_max.data_vars}
        lyap_attrs = dict(lyap_max.attrs)
        lyap = _param_ic_values(lyap_max["lyap_max"], ds).astype(np.float64)
    else:
        lyap = None if lyap_max is None else _param_ic_values(lyap_max, ds).astype(np.float64)

    lyap_for_chaos = lyap
    if lyap is not None and "lyap_stderr" in lyap_vars:
        stderr = _param_ic_values(lyap_vars["lyap_stderr"], ds).astype(np.float64)
        lyap_for_chaos = lyap - settings.lyap_sigmas * stderr  # NaN stderr: chaos not established
    result = classify(x, time, threshold, lyap_for_chaos, settings)
    isi, peak = bifurcation_data(x, time, threshold, k_max, settings.transient, settings.hysteresis)
    divergent = result["regime"] == Regime.DIVERGENT
    isi[divergent] = np.nan
    peak[divergent] = np.nan

    time_unit = ds.attrs.get("time_unit", ds["time"].attrs.get("units", ""))
    rate_unit = per_time(time_unit)
    dims = ("param", "ic")
    out = xr.Dataset(
        {
            "regime": (dims, result["regime"], regime_attrs()),
            "lyap_max": (dims, np.full(_store_shape(ds), np.nan) if lyap is None else lyap, {
                "units": rate_unit, "long_name": "largest Lyapunov exponent"}),
            "firing_rate": (dims, result["firing_rate"], {
                "units": rate_unit, "long_name": "firing rate (1 / mean inter-spike interval)"}),
            "spikes_per_burst": (dims, result["spikes_per_burst"], {
                "units": "1", "long_name": "mean spikes per complete burst"}),
            "spikes_per_burst_stable": (dims, result["spikes_per_burst_stable"], {
                "long_name": "every complete burst has the same number of spikes"}),
            "isi_cv": (dims, result["isi_cv"], {
                "units": "1", "long_name": "coefficient of variation of inter-spike intervals"}),
            "n_spikes": (dims, result["n_spikes"], {"units": "1", "long_name": "number of spikes"}),
            "multistable": (("param",), result["multistable"], {
                "long_name": "initial states end in different regimes"}),
        },
        coords={"param": ds["param"], "ic": ds["ic"]},
    )
    for name, values in lyap_vars.items():  # lyap_max itself is replaced by the same values
        out[name] = (dims, _param_ic_values(values, ds), dict(values.attrs))
    observed_unit = variable.attrs.get("units", "")
    bifurcation = bifurcation_dataset(isi, peak, ds["param"], ds["ic"], time_unit, observed_unit)
    out["isi"] = bifurcation["isi"]
    out["peak"] = bifurcation["peak"]
    out.attrs = {key: value for key, value in ds.attrs.items() if key not in PROVENANCE_ATTRS}
    out.attrs.update(lyap_attrs)
    out.attrs.update(kind="regimes", classifier=json.dumps(asdict(settings)), k_max=int(k_max))
    return out


def _store_shape(ds: xr.Dataset) -> tuple[int, int]:
    """(n_param, n_ic) of a store."""
    return ds.sizes["param"], ds.sizes["ic"]


LYAPUNOV_TOLERANCE_FACTOR = 0.01
"""Lyapunov estimates of an adaptively integrated model use its tolerances times this factor: the
model's tolerances are set for spike times, and the exponent needs more. At ``srk``'s rtol 1e-6
the 13-spike burster at I = -39 gave 0.020-0.028 / s; at 1e-8 and 1e-10 (and RK4 with 1 ms and
0.25 ms steps) |exponent| < 0.006 / s, the two tolerances within 0.0006 / s of each other."""


def lyapunov_for_store(
    ds: xr.Dataset,
    model=None,
    duration: float | None = None,
    renorm_samples: int = 10,
    dt: float | None = None,
    n_discard: int | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Largest Lyapunov exponent of every (param, ic) trajectory of a ground-truth store.

    Restarts two-trajectory renormalisation from the store's ``final_state`` with the model's
    right-hand side, so the estimate starts on the attractor the trajectory reached. The model's
    integrator (``model.integrator``) advances the copies: adaptive Dormand–Prince with the model's
    ``rtol`` and ``atol`` times :data:`LYAPUNOV_TOLERANCE_FACTOR`
    (:func:`~neurorecon.dynamics.lyapunov.lyapunov_ode_adaptive`) or RK4 with step ``dt``
    (:func:`~neurorecon.dynamics.lyapunov.lyapunov_ode`).

    Args:
        ds: trajectory store with ``final_state`` (param, ic, state) and attrs ``model`` and
            ``parameters`` (JSON of the full parameter dict; if absent, the set named by attr
            ``parameter_set`` or the model's default set); a population store's ``conductance``
            (param, ic, channel) gives every twin its own maximal conductances.
        model: the :class:`~neurorecon.models.NeuronModel`; None: ``get_model(ds.attrs["model"])``.
        duration: integration time in the model's time unit; None: the recorded duration of ``ds``.
        renorm_samples: renormalisation interval in sample intervals of ``ds`` (attr ``sample_dt``,
            else the spacing of ``time``).
        dt: RK4 step (a model integrated with RK4 only); None: attr ``dt`` of ``ds``, else the
            model's default step.
        n_discard, seed: see :func:`~neurorecon.dynamics.lyapunov.lyapunov_ode`.

    Returns:
        Dataset (param, ic): ``lyap_max`` (1 / time unit), ``lyap_stderr``, ``lyap_converged``; attrs
        record duration, renormalisation interval, integrator and its step or tolerances.

    Raises:
        ValueError: not a trajectory store, or no ``final_state`` (e.g. a surrogate store).
    """
    check_trajectory_store(ds)
    if "final_state" not in ds:
        raise ValueError("lyapunov_for_store needs 'final_state' (param, ic, state): a ground-truth store")
    if model is None:
        if "model" not in ds.attrs:
            raise ValueError("store has no attribute 'model'; pass the model explicitly")
        model = get_model(ds.attrs["model"])
    if "parameters" in ds.attrs:
        parameters = json.loads(ds.attrs["parameters"])
    else:
        parameters = model.parameters(ds.attrs.get("parameter_set"))
    final = ds["final_state"].transpose("param", "ic", "state")
    if "state" in final.coords:
        final = final.sel(state=list(model.state_names))
    n_param, n_ic = _store_shape(ds)
    y0 = final.values.reshape(n_param * n_ic, model.n_state).astype(np.float64)
    params = np.repeat(model.parameter_vector(parameters)[None, :], n_param * n_ic, axis=0)
    if "conductance" in ds:  # a degenerate population: every twin has its own conductances, the
        # control values are DIC values, not a parameter (neurorecon.simulate.population)
        twins = ds["conductance"].transpose("param", "ic", "channel")
        for name in twins["channel"].values:
            params[:, model.parameter_names.index(str(name))] = twins.sel(channel=name).values.ravel()
    else:
        params[:, model.parameter_names.index(model.control.name)] = np.repeat(ds["param"].values, n_ic)

    time = ds["time"].values
    spacing = np.median(np.diff(time)) if time.size > 1 else model.sample_dt
    sample_dt = float(ds.attrs.get("sample_dt", spacing))
    duration = float(time[-1] - time[0] + sample_dt if duration is None else duration)
    adaptive = model.integrator == "dopri5"
    if adaptive:
        interval = renorm_samples * sample_dt
        step_rtol, step_atol = LYAPUNOV_TOLERANCE_FACTOR * model.rtol, LYAPUNOV_TOLERANCE_FACTOR * model.atol
        attrs = {"lyap_integrator": "dopri5", "lyap_rtol": step_rtol, "lyap_atol": step_atol}
    else:
        dt = float(ds.attrs.get("dt", model.dt) if dt is None else dt)
        renorm_steps = max(1, round(renorm_samples * sample_dt / dt))
        interval = renorm_steps * dt
        attrs = {"lyap_integrator": "rk4", "lyap_dt": dt}
    n_renorm = max(1, round(duration / interval))
    if n_renorm < MIN_LYAPUNOV_INTERVALS:
        unit = model.time_label
        raise ValueError(
            f"the record is too short for a Lyapunov exponent: it gives {n_renorm} renormalisation "
            f"intervals of {interval:g} {unit}, at least {MIN_LYAPUNOV_INTERVALS} "
            f"({MIN_LYAPUNOV_INTERVALS * interval:g} {unit}) are needed"
        )
    common = {"n_discard": n_discard, "bound": model.divergence_bound, "seed": seed}
    if adaptive:
        estimate = lyapunov_ode_adaptive(
            model.rhs, y0, params, interval, n_renorm, step_rtol=step_rtol, step_atol=step_atol, **common
        )
    else:
        estimate = lyapunov_ode(model.rhs, y0, params, dt, renorm_steps, n_renorm, **common)
    dims = ("param", "ic")
    unit = per_time(model.time_unit)
    return xr.Dataset(
        {
            "lyap_max": (dims, estimate.exponent.reshape(n_param, n_ic), {
                "units": unit, "long_name": "largest Lyapunov exponent"}),
            "lyap_stderr": (dims, estimate.stderr.reshape(n_param, n_ic), {
                "units": unit, "long_name": "standard error of the largest Lyapunov exponent"}),
            "lyap_converged": (dims, estimate.converged.reshape(n_param, n_ic), {
                "long_name": "first- and second-half estimates agree"}),
        },
        coords={"param": ds["param"], "ic": ds["ic"]},
        attrs={"lyap_duration": duration, "lyap_renorm_interval": interval, **attrs},
    )
