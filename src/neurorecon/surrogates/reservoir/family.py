"""The ``reservoir`` surrogate family: a parameter-aware echo-state network (Kong, Fan, Grebogi &
Lai, Phys. Rev. Research 3, 013090, 2021), the standard baseline of the parameter-extrapolation
literature. numpy only: no torch is imported.

Coordinates:
- the observed variable is scaled to [-1, 1] over the training data (``observed_scaler``);
- the control value p is scaled so that the training values span [-1, 1] (``control_scaler``;
  centred on a single training value with unit half-range);
- the reservoir steps once per ``stride`` samples of the store; its input is the block of the last
  ``stride`` scaled samples and its readout predicts the next block, so free runs come out at the
  store's ``sample_dt`` whatever the stride.

Training (:meth:`ReservoirSurrogate.train`): teacher forcing on every training record at every
training value together (each record driven with its own control value, Gaussian input noise),
washout discarded, one ridge regression for the readout. No checkpoint selection: one reservoir
per seed.

Initial states of a free run (:meth:`ReservoirSurrogate.rollout`): the reservoir starts from zero
and is driven (teacher forcing, at the run's own control value) through ``warmup`` steps of a
stored piece of the training record at the nearest training value; initial state i takes a piece
drawn with the rollout's seed (random record and offset, fixed at training). The echo-state
property makes the state a function of the recent input, so the free run starts on the training
attractor and then follows the closed loop at the run's control value. Forecasts warm up on their
own history instead.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ... import __version__
from ...dynamics.regimes import Regime
from ...io.outputs import write_bytes, write_json
from ...io.stores import read_dataset
from ...simulate.protocol import constant_control
from ..base import STORE_ATTRS, CheckpointError, ObservedRollout, Surrogate, masked_lyapunov
from ..training_check import check_rollouts, training_truth
from .esn import (
    Reservoir,
    auto_leak_min,
    auto_stride,
    closed_loop,
    lyapunov_closed_loop,
    make_reservoir,
    normal_equations,
    solve_readout,
)
from .settings import ReservoirSettings

FORMAT_VERSION = 1
"""Version of the checkpoint layout (``surrogate.pt`` an ``np.savez`` archive + ``surrogate.json``)."""

FIGURE = "figures/training_fit.png"
"""The family's figure, relative to the run folder."""

ARRAYS = ("w", "w_in", "w_control", "bias", "leak", "w_out", "anchors")
"""Arrays of the ``.pt`` archive."""


def _stem(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".pt", ".json") else path


class ReservoirSurrogate(Surrogate):
    """A fitted reservoir plus what it needs to run in the observed and control units.

    Args:
        reservoir: the reservoir with its fitted readout.
        observed_scaler: (centre, half-range) of the observed variable.
        control_scaler: (centre, half-range) of the control value.
        anchors: (n_val, n_anchors, warmup, stride) scaled warm-up pieces per training value.
        training_values: (n_val,) control values of the training data.
        attrs: :data:`STORE_ATTRS` of the training store.
        settings: the settings it was trained with.
        info: further JSON-ready facts (seed, fit errors) recorded in the metadata.
    """

    family: ClassVar[str] = "reservoir"
    settings_type: ClassVar[type] = ReservoirSettings

    def __init__(
        self,
        reservoir: Reservoir,
        observed_scaler: tuple[float, float],
        control_scaler: tuple[float, float],
        anchors: np.ndarray,
        training_values: np.ndarray,
        attrs: dict[str, Any],
        settings: ReservoirSettings,
        info: dict[str, Any] | None = None,
    ) -> None:
        self.reservoir = reservoir
        self.observed_scaler = (float(observed_scaler[0]), float(observed_scaler[1]))
        self.control_scaler = (float(control_scaler[0]), float(control_scaler[1]))
        self.anchors = np.asarray(anchors, dtype=np.float64)
        self.values = np.asarray(training_values, dtype=np.float64)
        self.attrs = dict(attrs)
        self.settings = settings
        self.info = dict(info or {})

    # ----- the contract -------------------------------------------------------------------------

    @property
    def store_attrs(self) -> dict[str, Any]:
        return dict(self.attrs)

    @property
    def training_values(self) -> np.ndarray:
        return self.values.copy()

    @property
    def stride(self) -> int:
        return self.reservoir.stride

    def scale_observed(self, x: np.ndarray) -> np.ndarray:
        centre, half = self.observed_scaler
        return (np.asarray(x, dtype=np.float64) - centre) / half

    def unscale_observed(self, y: np.ndarray) -> np.ndarray:
        centre, half = self.observed_scaler
        return y * half + centre

    def scale_control(self, p: np.ndarray) -> np.ndarray:
        centre, half = self.control_scaler
        return (np.asarray(p, dtype=np.float64) - centre) / half

    def initial_states(self, control_values: np.ndarray, n_ic: int, seed: int) -> np.ndarray:
        """(n_param * n_ic, N) reservoir states, value-major: for control value i and state j, zero
        driven at value i through the warm-up piece j (drawn with ``seed`` among the stored pieces
        of the training value nearest to value i)."""
        control_values = np.asarray(control_values, dtype=np.float64)
        nearest = np.abs(control_values[:, None] - self.values[None, :]).argmin(axis=1)
        n_anchors = self.anchors.shape[1]
        picks = np.random.default_rng(seed).choice(n_anchors, size=n_ic, replace=n_ic > n_anchors)
        pieces = self.anchors[np.repeat(nearest, n_ic), np.tile(picks, control_values.size)]
        controls = np.repeat(self.scale_control(control_values), n_ic)
        r0 = np.zeros((pieces.shape[0], self.reservoir.size))
        return self.reservoir.teacher_forced(r0, pieces, self.reservoir.drive(controls))

    def _free_run(self, r0: np.ndarray, controls: np.ndarray, n_steps: int, transient_steps: int):
        """Closed-loop run from states r0 at scaled controls; (batch, n_steps) float32 observed
        traces (samples transient_steps + 1 ... transient_steps + n_steps after r0's last input),
        status and the final states."""
        k = self.stride
        skip = transient_steps // k
        offset = transient_steps - skip * k
        n_record = -(-(offset + n_steps) // k)
        run = closed_loop(self.reservoir, r0, controls, n_record, skip, self.settings.bound)
        flat = run.outputs.reshape(run.outputs.shape[0], -1)[:, offset : offset + n_steps]
        return self.unscale_observed(flat).astype(np.float32), run.status, run.state

    def rollout(
        self, control_values: np.ndarray, n_ic: int, n_steps: int, transient_steps: int, seed: int,
        lyapunov_steps: int = 0,
    ) -> ObservedRollout:
        control_values = np.asarray(control_values, dtype=np.float64).reshape(-1)
        controls = np.repeat(self.scale_control(control_values), n_ic)
        r0 = self.initial_states(control_values, n_ic, seed)
        observed, status, state = self._free_run(r0, controls, n_steps, transient_steps)
        shape = (control_values.size, n_ic)
        estimate = None
        if lyapunov_steps > 0:
            n_lyap = max(-(-lyapunov_steps // self.stride), 10)
            raw = lyapunov_closed_loop(self.reservoir, state, controls, n_lyap,
                                       self.stride * float(self.attrs["sample_dt"]), seed)
            estimate = masked_lyapunov(raw, status, shape)
        return ObservedRollout(observed.reshape(*shape, n_steps), status.reshape(shape), estimate)

    def forecast(self, history: np.ndarray, control: np.ndarray, n_steps: int) -> np.ndarray:
        """Warm up on the last whole blocks of every history row (teacher forcing at its control
        value), then run in closed loop (see base)."""
        history = np.asarray(history, dtype=np.float64)
        k = self.stride
        n_blocks = history.shape[1] // k
        if n_blocks < 1:
            raise ValueError(f"forecast needs at least {k} samples of history (one reservoir step), "
                             f"got {history.shape[1]}")
        blocks = self.scale_observed(history[:, history.shape[1] - n_blocks * k :]).reshape(len(history), n_blocks, k)
        controls = self.scale_control(np.asarray(control, dtype=np.float64).reshape(-1))
        r0 = self.reservoir.teacher_forced(np.zeros((len(history), self.reservoir.size)), blocks,
                                           self.reservoir.drive(controls))
        observed, _, _ = self._free_run(r0, controls, n_steps, 0)
        return observed  # NaN from where a run diverged on

    def _check(self, truth, seed: int) -> dict[str, Any]:
        """The ``selection`` check of the current readout at the training values (a report of
        :func:`~neurorecon.surrogates.training_check.check_rollouts`), from initial states drawn
        with ``seed`` (training uses its seed + 1, so the generic check after training, drawn with
        the seed itself, starts elsewhere)."""
        check = self.settings.selection
        rollout = self.rollout(truth.control, check.n_ic, check.n_steps - check.transient_steps,
                               check.transient_steps, seed)
        return check_rollouts(truth, rollout.observed, rollout.status, float(self.attrs["sample_dt"]),
                              float(self.attrs["spike_threshold"]), check)

    # ----- checkpoints --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        stem = _stem(path)
        arrays = {"w": self.reservoir.w, "w_in": self.reservoir.w_in, "w_control": self.reservoir.w_control,
                  "bias": self.reservoir.bias, "leak": self.reservoir.leak, "w_out": self.reservoir.w_out,
                  "anchors": self.anchors}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_bytes(stem.with_suffix(".pt"), buffer.getvalue())
        write_json(stem.with_suffix(".json"), {
            "family": self.family,
            "component": "surrogate",
            "format_version": FORMAT_VERSION,
            "neurorecon_version": __version__,
            "training_values": self.values.tolist(),
            "store_attrs": self.attrs,
            "observed_scaler": list(self.observed_scaler),
            "control_scaler": list(self.control_scaler),
            "reservoir": {"activation": self.reservoir.activation,
                          "squares": self.reservoir.squares, "control_shift": self.reservoir.control_shift,
                          "size": self.reservoir.size, "stride": self.stride},
            "settings": self.settings.to_dict(),
            **self.info,
        })

    @classmethod
    def load(cls, path: str | os.PathLike, device: str = "auto") -> ReservoirSurrogate:
        """Restore a surrogate written by :meth:`save` (``device`` is ignored: numpy on the CPU)."""
        stem = _stem(path)
        meta_path, weights_path = stem.with_suffix(".json"), stem.with_suffix(".pt")
        try:
            meta = json.loads(meta_path.read_text())
        except FileNotFoundError:
            raise CheckpointError(f"checkpoint metadata {str(meta_path)!r} does not exist") from None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"checkpoint metadata {str(meta_path)!r} is unreadable: {exc}") from None
        if not isinstance(meta, dict) or meta.get("family") != cls.family:
            raise CheckpointError(f"{str(meta_path)!r} is not a {cls.family} surrogate")
        if meta.get("format_version") != FORMAT_VERSION:
            raise CheckpointError(
                f"checkpoint {str(meta_path)!r} has format version {meta.get('format_version')!r} (written by "
                f"neurorecon {meta.get('neurorecon_version', 'unknown')}); this neurorecon {__version__} reads "
                f"{cls.family} format version {FORMAT_VERSION}: retrain the surrogate")
        try:
            with np.load(io.BytesIO(weights_path.read_bytes()), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in ARRAYS}
        except FileNotFoundError:
            raise CheckpointError(f"checkpoint weights {str(weights_path)!r} do not exist") from None
        except (OSError, ValueError, KeyError) as exc:
            raise CheckpointError(f"checkpoint weights {str(weights_path)!r} are unreadable: {exc}") from None
        spec = meta["reservoir"]
        reservoir = Reservoir(arrays["w"], arrays["w_in"], arrays["w_control"], float(spec["control_shift"]),
                              arrays["bias"], arrays["leak"], str(spec["activation"]), bool(spec["squares"]),
                              arrays["w_out"])
        known = {"family", "component", "format_version", "neurorecon_version", "training_values", "store_attrs",
                 "observed_scaler", "control_scaler", "reservoir", "settings"}
        return cls(reservoir, meta["observed_scaler"], meta["control_scaler"], arrays["anchors"],
                   np.asarray(meta["training_values"]), meta["store_attrs"],
                   ReservoirSettings.from_dict(meta["settings"]),
                   {key: value for key, value in meta.items() if key not in known})

    # ----- training -----------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        train_store: Path,
        settings: ReservoirSettings,
        seed: int,
        device: str,
        out_dir: Path,
        progress: Callable[[str], None],
    ) -> ReservoirSurrogate:
        """Fit the readout on every training record (see the module docstring), write the
        surrogate and ``figures/training_fit.png`` into ``out_dir``.

        Raises:
            ValueError: records too short for the washout and warm-up at the stride used.
        """
        # a step-protocol store gives its step epochs (every repeat), constant-current traces each
        ds = constant_control(read_dataset(train_store, kind="trajectories"), repeats="all")
        observed = ds[str(ds.attrs["observed"])].transpose("param", "ic", "time")
        x = observed.values.astype(np.float64)
        values = ds["param"].values.astype(np.float64)
        ok = np.isfinite(x).all(axis=-1)
        if "status" in ds:
            ok &= ds["status"].transpose("param", "ic").values == 0
        if not ok.any(axis=1).all():
            raise ValueError("every training value needs at least one finite, non-diverged record")
        rows, value_index = x[ok], np.nonzero(ok)[0]
        attrs = {key: _plain(ds.attrs[key]) for key in STORE_ATTRS if key in ds.attrs}
        attrs["observed_unit"] = str(observed.attrs.get("units", ""))
        sample_dt = float(attrs["sample_dt"])
        threshold = float(attrs["spike_threshold"])
        return cls.fit(rows, values, value_index, attrs, settings, seed, out_dir, progress,
                       stride=settings.stride or auto_stride(rows, threshold, settings.spike_steps, settings.max_stride),
                       sample_dt=sample_dt)

    @classmethod
    def fit(
        cls,
        rows: np.ndarray,
        values: np.ndarray,
        value_index: np.ndarray,
        attrs: dict[str, Any],
        settings: ReservoirSettings,
        seed: int,
        out_dir: Path | None = None,
        progress: Callable[[str], None] = lambda line: None,
        stride: int = 1,
        sample_dt: float = 1.0,
    ) -> ReservoirSurrogate:
        """Fit on records given as arrays (what :meth:`train` does after reading the store).

        Args:
            rows: (n_rec, n_time) observed records, observed unit.
            values: (n_val,) training control values.
            value_index: (n_rec,) index into ``values`` of each record.
            attrs: store attrs recorded with the surrogate (``sample_dt`` at least).
            settings, seed: as for :meth:`train`.
            out_dir: where the surrogate and its figure are written; None: nothing is written.
            progress: called with lines of text.
            stride: samples per reservoir step.
            sample_dt: sampling interval (for the figure's time axis).
        """
        rows = np.asarray(rows, dtype=np.float64)
        n_steps = rows.shape[1] // stride
        if n_steps < max(2 * settings.washout + 2, settings.warmup + 1):
            raise ValueError(
                f"training records of {rows.shape[1]} samples give {n_steps} reservoir steps at stride {stride}: "
                f"need at least {max(2 * settings.washout + 2, settings.warmup + 1)} (washout {settings.washout}, "
                f"warm-up {settings.warmup})")
        low, high = float(rows.min()), float(rows.max())
        observed_scaler = ((high + low) / 2, (high - low) / 2 if high > low else 1.0)
        v_low, v_high = float(values.min()), float(values.max())
        control_scaler = ((v_high + v_low) / 2, (v_high - v_low) / 2 if v_high > v_low else 1.0)
        blocks = ((rows[:, : n_steps * stride] - observed_scaler[0]) / observed_scaler[1]).reshape(-1, n_steps, stride)
        controls = (values[value_index] - control_scaler[0]) / control_scaler[1]

        truth = (training_truth(rows, values[value_index], sample_dt, float(attrs["spike_threshold"]))
                 if "spike_threshold" in attrs else None)
        leak_min = settings.leak_rate_min
        if leak_min is None:
            bursting = [] if truth is None else truth.period[truth.regime == Regime.BURSTING]
            period = float(np.median(bursting)) / (stride * sample_dt) if len(bursting) else None
            leak_min = auto_leak_min(period, settings.leak_rate, settings.slow_steps_per_burst)
        rng = np.random.default_rng(seed)
        reservoir = make_reservoir(stride, settings.size, settings.spectral_radius, settings.density,
                                   settings.input_scaling, settings.control_scaling, settings.control_shift,
                                   settings.bias_scaling, settings.leak_rate, settings.activation,
                                   settings.readout_squares, rng, leak_min if leak_min < settings.leak_rate else None)
        progress(f"reservoir: {settings.size} nodes, leak rates {leak_min:.3g} to {settings.leak_rate:g}, stride {stride} "
                 f"sample(s) per step, {len(rows)} records of {n_steps} steps at {len(values)} training values")
        anchors = np.empty((len(values), settings.n_anchors, settings.warmup, stride))
        for i in range(len(values)):
            mine = np.flatnonzero(value_index == i)
            record = rng.choice(mine, size=settings.n_anchors)
            start = rng.integers(0, n_steps - settings.warmup + 1, size=settings.n_anchors)
            for j in range(settings.n_anchors):
                anchors[i, j] = blocks[record[j], start[j] : start[j] + settings.warmup]
        surrogate = cls(reservoir, observed_scaler, control_scaler, anchors, values, attrs, settings,
                        {"seed": int(seed), "leak_rate_min": leak_min})
        several = len(settings.input_noise) * len(settings.ridge) > 1
        candidates = []
        for i, noise in enumerate(settings.input_noise):
            equations = normal_equations(reservoir, blocks, controls, settings.washout, noise,
                                         np.random.default_rng([seed, i]))
            for ridge in settings.ridge:
                fit = solve_readout(equations, ridge)
                entry = {"input_noise": noise, "ridge": ridge, "one_step_rmse": _rms(fit.rmse), "fit": fit}
                if several:
                    reservoir.w_out = fit.w_out
                    report = surrogate._check(truth, seed + 1)
                    entry.update(n_values_passed=report["n_values_passed"], error=report["error"])
                    progress(f"input noise {noise:g}, ridge {ridge:g}: one-step RMSE {entry['one_step_rmse']:.3g}, "
                             f"free runs pass at {report['n_values_passed']} of {len(values)} training values, "
                             f"check error {report['error']:.3g}")
                candidates.append(entry)
        best = min(candidates, key=lambda c: (-c.get("n_values_passed", 0), c.get("error", 0.0)))
        if several:
            surrogate.info["selection"] = [{key: value for key, value in c.items() if key != "fit"} for c in candidates]
        fit = best["fit"]
        reservoir.w_out = fit.w_out
        surrogate.info.update({"input_noise": best["input_noise"], "ridge": best["ridge"],
                               "one_step_rmse": fit.rmse.tolist(), "fitted_steps": int(fit.n_rows)})
        progress(f"kept input noise {best['input_noise']:g}, ridge {best['ridge']:g}: fitted on {fit.n_rows} steps, "
                 f"one-step RMSE {best['one_step_rmse']:.3g} (scaled units, training data span [-1, 1])")
        if out_dir is not None:
            surrogate.save(Path(out_dir) / "surrogate")
            from .figures import training_fit_figure

            training_fit_figure(surrogate, rows, value_index, sample_dt, Path(out_dir) / FIGURE, seed)
            progress(f"wrote {Path(out_dir) / 'surrogate.pt'} and {Path(out_dir) / FIGURE}")
        return surrogate


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values))))


def _plain(value):
    """A store attribute as a JSON-ready value (numpy scalars to python)."""
    return value.item() if isinstance(value, np.generic) else value
