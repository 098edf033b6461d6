"""The ``hybrid_ode`` surrogate family: the membrane equation kept, channel kinetics learned.

Method of record: Beck, Deistler, Molnár, Macke & Berens, "Learning Hybrid Biophysical Neuron
Models with Neural ODEs" (arXiv 2606.16693), written here in PyTorch. The control is an injected
current and enters only the voltage equation, additively and exactly, so the surrogate runs at any
constant current and under any current waveform.

One free-run step of the surrogate is one sampling interval of the training store
(``substeps`` RK4 steps); rollouts, checks and the Lyapunov exponent treat it as a map.

It trains on a simulated trajectory store or on a recording store (recorded sweeps, latent mode,
time in ms, current in pA); on a recording, candidates are ranked by how well they reproduce the
spike count of every training step when driven by the sweep's own command current.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import xarray as xr

from ...dynamics.lyapunov import LyapunovEstimate, lyapunov_torch_map
from ...io.stores import read_dataset
from ...models import NeuronModel, get_model
from ...recordings.features import step_features
from ...recordings.store import KIND as RECORDING_KIND
from ...recordings.store import recording_from_dataset
from ..base import STORE_ATTRS, ObservedRollout, Surrogate, masked_lyapunov
from ..free_run import free_run
from ..settings import CheckSettings
from ..training import (
    RESUME_SUFFIX,
    CheckpointError,
    EpochRecord,
    ResumeFile,
    fingerprint,
    load_checkpoint,
    resolve_device,
    save_checkpoint,
    write_curve,
)
from ..training_check import TrainingCheck, run_training_check
from .data import RECORDING_MODEL, TrainingTraces, split_segments
from .fit import FitResult, Plan, fit
from .kinetics import gate_errors
from .model import HybridArchitecture, HybridOde
from .settings import HybridOdeSettings

STATE_BOUND = 50.0
"""|state component| above which a free run counts as unbounded (scaled V, gates in [0, 1], h in [-1, 1])."""

CURVE_FILE = "training_curves.tsv"
"""Training curves of every candidate, inside the run folder."""


@dataclass(frozen=True)
class HybridOdeInfo:
    """What a ``hybrid_ode`` surrogate records besides its weights and architecture.

    Attributes:
        training_values: control values of the training data, control unit.
        store_attrs: descriptive attrs of the training store.
        sample_dt: sampling interval = one free-run step, model time unit.
        substeps: RK4 steps per sampling interval.
        time_scale: the time scale T that sized the fit, model time unit.
        v_range: (low, high) observed voltage range of the training traces, mV (figures).
        seed: training seed.
        gate_errors: gates mode: per learned gate the largest |x_inf| error and relative tau error
            against the model's own over ``v_range`` (:func:`~.kinetics.gate_errors`).
        settings: the settings the surrogate was trained with.
        selected_candidate: the candidate kept.
        candidates: per candidate: validation loss and training-value check outcome.
    """

    training_values: list[float]
    store_attrs: dict[str, Any]
    sample_dt: float
    substeps: int
    time_scale: float
    v_range: list[float]
    seed: int | None = None
    settings: dict[str, Any] | None = None
    selected_candidate: int | None = None
    candidates: list[dict[str, Any]] | None = None
    gate_errors: dict[str, dict[str, float]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HybridOdeInfo:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class HybridOdeSurrogate(Surrogate):
    """A trained :class:`HybridOde` with what it needs to run like the truth's traces."""

    family: ClassVar[str] = "hybrid_ode"
    settings_type: ClassVar[type] = HybridOdeSettings

    def __init__(self, net: HybridOde, anchors: torch.Tensor, info: HybridOdeInfo) -> None:
        self.net = net.eval()
        self.anchors = anchors
        self.info = info

    @property
    def store_attrs(self) -> dict[str, Any]:
        return dict(self.info.store_attrs)

    @property
    def training_values(self) -> np.ndarray:
        return np.asarray(self.info.training_values, dtype=np.float64)

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters(), torch.zeros(0)).device

    @property
    def dt(self) -> float:
        return self.info.sample_dt / self.info.substeps

    def step(self, state: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
        """One sampling interval from states (batch, n_state) at currents (batch, 1), control unit."""
        return self.net.step(state, current[:, 0], self.dt, self.info.substeps)

    def initial_states(self, n_ic: int, seed: int) -> torch.Tensor:
        """(n_ic, n_state) initial states drawn (seeded) from the anchors: states of the training
        traces, the voltage observed and the hidden states inferred by a clamped warm-up, so they
        lie on the training data's rest and spiking states alike."""
        gen = np.random.default_rng(seed)
        pick = gen.choice(self.anchors.shape[0], size=n_ic, replace=n_ic > self.anchors.shape[0])
        return self.anchors[torch.as_tensor(pick, device=self.anchors.device)].clone()

    def _controls(self, control: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(control, dtype=np.float32)[:, None], device=self.device)

    def _observed(self, states: torch.Tensor) -> np.ndarray:
        return self.net.voltage(states[..., 0]).float().cpu().numpy()

    @torch.no_grad()
    def rollout(
        self, control_values: np.ndarray, n_ic: int, n_steps: int, transient_steps: int, seed: int,
        lyapunov_steps: int = 0,
    ) -> ObservedRollout:
        control_values = np.asarray(control_values, dtype=np.float64)
        n_param = control_values.size
        control = np.repeat(control_values, n_ic)
        start = self.initial_states(n_ic, seed).repeat(n_param, 1)
        result = free_run(self.step, start, self._controls(control), n_steps, transient_steps, STATE_BOUND)
        status = result.status.cpu().numpy()
        observed = np.where(status[:, None] != 0, np.nan, self._observed(result.z)).astype(np.float32)
        shape = (n_param, n_ic)
        estimate = None
        if lyapunov_steps > 0:
            raw = self.lyapunov(result.z[:, -1], control, lyapunov_steps)
            estimate = masked_lyapunov(raw, status, shape)
        return ObservedRollout(observed.reshape(*shape, n_steps), status.reshape(shape), estimate)

    def lyapunov(self, state: torch.Tensor, control: np.ndarray, n_steps: int) -> LyapunovEstimate:
        """Largest Lyapunov exponent of the surrogate (as a map over one sampling interval) from
        states (batch, n_state) at control values (batch,), in 1 / (time unit)."""
        start = torch.nan_to_num(state, nan=0.0, posinf=0.0, neginf=0.0)
        return lyapunov_torch_map(self.step, start, self._controls(control), n_iter=n_steps,
                                  step=float(self.info.sample_dt))

    @torch.no_grad()
    def forecast(self, history: np.ndarray, control: np.ndarray, n_steps: int) -> np.ndarray:
        """Infer the hidden states by driving them with the observed history (V clamped), then run
        freely from the last observed sample at the given constant currents (see base)."""
        history = torch.as_tensor(np.asarray(history, dtype=np.float32), device=self.device)
        v_scaled = self.net.scaled(history)
        hidden = self.net.clamp(v_scaled, self.info.sample_dt)
        start = torch.cat([v_scaled[:, -1:], hidden], dim=1)
        result = free_run(self.step, start, self._controls(control), n_steps, 0, STATE_BOUND)
        status = result.status.cpu().numpy()
        return np.where(status[:, None] != 0, np.nan, self._observed(result.z)).astype(np.float32)

    @torch.no_grad()
    def drive(self, current: np.ndarray, state: torch.Tensor | None = None, seed: int = 0) -> np.ndarray:
        """Voltage under injected-current waveforms (a recorded stimulus), one sample per interval.

        Args:
            current: (batch, n_steps) current in force over every sampling interval, control unit.
            state: (batch, n_state) starting states; None: :meth:`initial_states` of ``seed``.

        Returns:
            (batch, n_steps) float32 voltage after every interval, mV (NaN from a non-finite state on).
        """
        current = torch.as_tensor(np.asarray(current, dtype=np.float32), device=self.device)
        state = self.initial_states(current.shape[0], seed) if state is None else state
        out = torch.empty(current.shape, dtype=torch.float32, device=self.device)
        for k in range(current.shape[1]):
            state = self.step(state, current[:, k, None])
            out[:, k] = self.net.voltage(state[:, 0])
        return out.cpu().numpy()

    @torch.no_grad()
    def predict_sweeps(self, voltage: np.ndarray, current: np.ndarray) -> np.ndarray:
        """Recorded sweeps predicted from their start: the hidden states are inferred from the first
        warm-up of observed voltage (V clamped, the holding period before any step), then the
        surrogate runs freely under the rest of each sweep's command current.

        Args:
            voltage: (n_sweep, n_time) observed voltage, mV, one sample per sampling interval.
            current: (n_sweep, n_time) command current in force over each interval, control unit.

        Returns:
            (n_sweep, n_time) float32 voltage, mV: the first ``warmup + 1`` samples observed, the
            rest predicted (NaN from a non-finite state on).
        """
        warmup = min(self.warmup_samples, voltage.shape[1] // 4)
        v_scaled = self.net.scaled(torch.as_tensor(np.asarray(voltage[:, : warmup + 1], dtype=np.float32),
                                                   device=self.device))
        start = torch.cat([v_scaled[:, -1:], self.net.clamp(v_scaled, self.info.sample_dt)], dim=1)
        predicted = self.drive(np.asarray(current)[:, warmup:-1], start)
        out = np.asarray(voltage, dtype=np.float32).copy()
        out[:, warmup + 1 :] = predicted
        bad = ~np.isfinite(out)
        return np.where(np.cumsum(bad, axis=1) > 0, np.nan, out).astype(np.float32)

    @property
    def warmup_samples(self) -> int:
        """Samples of the clamped warm-up that infers hidden states from observations."""
        warmup = float((self.info.settings or {}).get("warmup", HybridOdeSettings.warmup))
        return max(1, round(warmup * self.info.time_scale / self.info.sample_dt))

    def save(self, path: str | os.PathLike) -> None:
        save_checkpoint(path, {"net": self.net.state_dict(), "anchors": {"states": self.anchors}}, {
            "family": self.family, "component": "surrogate", "architecture": self.net.arch.to_dict(),
            **self.info.to_dict(),
        })

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "auto") -> HybridOdeSurrogate:
        device = resolve_device(device)
        states, metadata = load_checkpoint(path, device)
        if metadata.get("family") != cls.family or metadata.get("component") != "surrogate":
            raise CheckpointError(f"{str(path)!r} is not a complete {cls.family} surrogate "
                                  f"(family={metadata.get('family')!r}, component={metadata.get('component')!r})")
        net = HybridOde(HybridArchitecture.from_dict(metadata["architecture"])).to(device)
        net.load_state_dict(states["net"])
        return cls(net, states["anchors"]["states"], HybridOdeInfo.from_dict(metadata))

    @classmethod
    def train(
        cls,
        train_store: Path,
        settings: HybridOdeSettings,
        seed: int,
        device: str,
        out_dir: Path,
        progress: Callable[[str], None],
    ) -> HybridOdeSurrogate:
        """Fit ``settings.candidates`` hybrid ODEs and keep the one the training-value check likes
        best (see :mod:`neurorecon.surrogates.hybrid_ode.fit`); write the surrogate, its curves and
        figures into ``out_dir``."""
        from .figures import write_figures  # matplotlib only when training

        torch_device = resolve_device(device)
        ds = read_dataset(train_store)
        recorded = ds.attrs.get("kind") == RECORDING_KIND
        if not recorded:
            ds = read_dataset(train_store, kind="trajectories")  # names the expected kind when wrong
            for key, problem in settings.problems_with_model(get_model(str(ds.attrs["model"]))):
                raise ValueError(f"{key}: {problem}")
        else:
            for key, problem in settings.problems_with_recording():
                raise ValueError(f"{key}: {problem}")
        traces = TrainingTraces.from_store(ds)
        time_scale = settings.time_scale or traces.median_isi()
        plan = Plan.of(settings, time_scale, traces.sample_dt)
        if recorded:
            progress(f"recording {ds.attrs['source_file']}: {traces.voltage.shape[0]} training sweeps at "
                     f"{1.0 / traces.sample_dt:g} kHz, membrane capacitance {traces.capacitance:.4g} pF")
        progress(f"hybrid_ode ({settings.mode}): time scale T = {time_scale:.4g} {traces.time_unit}; warm-up "
                 f"{plan.warmup} samples, horizons {list(plan.horizons)} samples; {traces.voltage.shape[0]} traces "
                 f"of {traces.voltage.shape[1]} samples")
        segments = split_segments(*traces.voltage.shape, plan.warmup, plan.horizons[-1], settings.heldback_fraction,
                                  plan.warmup + plan.horizons[-1], seed)
        arch = architecture(settings, traces, traces.model, time_scale)
        identity = {"settings": settings.to_dict(), "seed": seed, "device": torch_device.type,
                    "data": fingerprint(traces.voltage, traces.current)}
        info = dict(training_values=[float(v) for v in traces.training_values],
                    store_attrs=recording_attrs(traces) if recorded else
                    {key: ds.attrs[key] for key in STORE_ATTRS if key in ds.attrs},
                    sample_dt=traces.sample_dt, substeps=settings.substeps, time_scale=float(time_scale),
                    v_range=[float(traces.voltage.min()), float(traces.voltage.max())], seed=seed,
                    settings=settings.to_dict())
        results: list[FitResult] = []
        outcomes: list[dict[str, Any]] = []
        records: list[EpochRecord] = []
        for candidate in range(settings.candidates):
            torch.manual_seed(seed * 1000 + candidate)
            net = HybridOde(arch).to(torch_device)
            resume = ResumeFile(out_dir / f"candidate{candidate}{RESUME_SUFFIX}",
                                {**identity, "candidate": candidate}, settings.checkpoint_every)
            result = fit(net, traces, segments, plan, settings, seed * 1000 + candidate,
                         lambda record: progress(record.line()), label=f"candidate {candidate}", resume=resume)
            net.load_state_dict(result.state)
            surrogate = cls(net, anchor_states(net, traces, plan, seed), HybridOdeInfo(**info))
            if recorded:
                passed, total, error = recording_selection_check(surrogate, ds)
            else:
                check = selection_check(surrogate, ds, get_model(str(ds.attrs["model"])), time_scale, seed)
                passed, total, error = check.n_values_passed, len(traces.training_values), check.error
            outcomes.append({"candidate": candidate, "val_loss": result.val_loss,
                             "n_values_passed": passed, "check_error": error})
            progress(f"candidate {candidate}: validation loss {result.val_loss:.4g}, training "
                     f"{'steps' if recorded else 'values'} passed {passed}/{total}")
            results.append(result)
            records += result.records
            resume.remove()
        best = min(range(len(results)), key=lambda c: (-outcomes[c]["n_values_passed"], outcomes[c]["check_error"],
                                                       outcomes[c]["val_loss"]))
        net = HybridOde(arch).to(torch_device)
        net.load_state_dict(results[best].state)
        errors = gate_errors(net, tuple(info["v_range"])) or None
        surrogate = cls(net, anchor_states(net, traces, plan, seed),
                        HybridOdeInfo(**info, selected_candidate=best, candidates=outcomes, gate_errors=errors))
        for name, error in (errors or {}).items():
            progress(f"learned gate {name} over the visited {info['v_range'][0]:.4g}…{info['v_range'][1]:.4g} mV: "
                     f"max |{name}∞ error| {error['x_inf_max_abs_error']:.3g}, "
                     f"max |τ error| {100 * error['tau_max_rel_error']:.3g} %")
        out_dir.mkdir(parents=True, exist_ok=True)
        write_curve(out_dir / CURVE_FILE, records)
        write_figures(surrogate, records, out_dir)
        surrogate.save(out_dir / "surrogate")
        progress(f"kept candidate {best}")
        return surrogate


N_ANCHORS = 256
"""Anchor states (initial states of rollouts) kept with a surrogate."""


@torch.no_grad()
def anchor_states(net: HybridOde, traces: TrainingTraces, plan: Plan, seed: int) -> torch.Tensor:
    """(N_ANCHORS, n_state) states of the training traces at random samples (seeded): the observed
    voltage and the hidden states inferred over the warm-up before it."""
    gen = np.random.default_rng([seed, 11])
    n_trace, n_time = traces.voltage.shape
    trace = gen.integers(0, n_trace, N_ANCHORS)
    start = gen.integers(plan.warmup, n_time, N_ANCHORS)
    index = start[:, None] + np.arange(-plan.warmup, 1)[None, :]
    device = next(net.parameters()).device
    v_scaled = net.scaled(torch.as_tensor(traces.voltage[trace[:, None], index], dtype=torch.float32, device=device))
    return torch.cat([v_scaled[:, -1:], net.clamp(v_scaled, plan.sample_dt)], dim=1)


def architecture(settings: HybridOdeSettings, traces: TrainingTraces, model: str, time_scale: float) -> HybridArchitecture:
    """The architecture of a fit: settings, the model's parameters, the training voltage range.

    On a recording in ``gates`` mode the template model's default parameters stand for the cell's,
    its capacitance per area (1 uF/cm^2) for the membrane, and the recorded current enters as a
    density (pA / the measured capacitance in pF)."""
    low, high = float(traces.voltage.min()), float(traces.voltage.max())
    v_scale = max((high - low) / 2.0, 1e-3)
    parameters, capacitance, current_factor = traces.parameters, traces.capacitance, 1.0
    if model == RECORDING_MODEL and settings.mode == "gates":
        model, current_factor = settings.template, 1.0 / traces.capacitance
        parameters, capacitance = get_model(model).parameters(None, {}), None
    declared = None if model == RECORDING_MODEL else get_model(model).channels
    learned = settings.learned_gates
    if settings.mode == "gates" and not learned:
        learned = tuple(gate.name for gate in declared.kinetic_gates)
    if capacitance is not None:
        scale = capacitance
    else:
        scale = parameters[declared.capacitance] if declared is not None else 1.0
    tau_init = settings.tau_init * time_scale
    return HybridArchitecture(
        mode=settings.mode, model=model, parameters=parameters, learned_gates=learned,
        latent_dim=settings.latent_dim, width=settings.width, depth=settings.depth,
        v_offset=(high + low) / 2.0, v_scale=v_scale, tau_init=tau_init, tau_floor=settings.tau_floor * time_scale,
        current_scale=scale * v_scale / tau_init, capacitance=capacitance, current_factor=current_factor,
        learn_conductances=settings.learn_conductances,
    )


def selection_check(surrogate: HybridOdeSurrogate, ds: xr.Dataset, model: NeuronModel, time_scale: float,
                    seed: int) -> TrainingCheck:
    """A short training-value check that ranks candidates: two states per training value, a record
    of ten time scales (at least the model's shortest classifiable record) after two of transient."""
    record = max(10.0 * time_scale, model.min_record)
    sample_dt = float(ds.attrs["sample_dt"])
    transient = round(2.0 * time_scale / sample_dt)
    settings = CheckSettings(n_steps=round(record / sample_dt) + transient, transient_steps=transient, n_ic=2)
    return run_training_check(surrogate, ds, settings, seed)


def recording_attrs(traces: TrainingTraces) -> dict[str, Any]:
    """The descriptive attrs of a surrogate trained on a recording (time in ms, current in pA)."""
    return {"model": RECORDING_MODEL, "observed": "V", "time_unit": traces.time_unit, "sample_dt": traces.sample_dt,
            "control": "I", "control_unit": "pA", "control_is_current": 1,
            "spike_threshold": traces.spike_threshold}


def recording_selection_check(surrogate: HybridOdeSurrogate, ds: xr.Dataset) -> tuple[int, int, float]:
    """(steps reproduced, steps, mean spike-count error) of the training sweeps of a recording store: every
    sweep predicted under its own command current (:meth:`HybridOdeSurrogate.predict_sweeps`) and
    each step's spike count compared with the recording's; a step is reproduced within one spike."""
    recording = recording_from_dataset(ds)
    predicted = surrogate.predict_sweeps(recording.voltage_mV, recording.current_pA)
    observed = np.array([step.n_spikes for step in step_features(recording)])
    modelled = np.array([step.n_spikes for step in step_features(replace(recording, voltage_mV=predicted))])
    error = np.abs(modelled - observed)
    return int(np.sum(error <= 1)), int(error.size), float(np.mean(error)) if error.size else 0.0
