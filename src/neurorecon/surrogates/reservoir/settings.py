"""Settings of the ``reservoir`` surrogate family (config section ``surrogates.<name>.settings``).

:meth:`ReservoirSettings.from_dict` builds them from a config mapping and raises ValueError naming
the dotted key of an unknown key or a bad value. Imports nothing heavy (no torch, no numba): the
config validator reads this module.

The defaults were chosen on training data only, by the free-running check at the training values
(``training_check.json``) of the default study's ``hh`` (tonic, automatic stride 3) and ``srk``
(bursting, stride 1) datasets. On ``hh`` (seed 0): leak rate 1 with input noise 0.01 passed at 2
of 3 training values; leak rates 0.2-0.5, spectral radii 0.5-1.2, input scalings 0.2-1, control
scaling 1, input noise 0.001-0.05, a readout without squares and stride 1 passed at fewer, most
at none (the closed loop rested, oscillated below threshold, ran off, or spiked at one rate for
every control value), and so did leak rates spread down to 0.05 (seeds 0-2: none). On ``srk``
one leak rate for all nodes (1, input noise 0.003 or 0.01, ridge 1e-7 to 1e-4; seeds 0 and 1)
passed at none; leak rates spread down to 0.01 (about ten node time constants per burst period)
gave bursts with nearly the truth's spike count and period (fitted on the first third of the
records: 1 of 3; on all: 2 of 3 for seed 0), down to 0.03 with spectral radius 0.95 too few spikes
per burst (none), hence the automatic ``leak_rate_min``. Input noise and ridge weight are chosen per
run among the listed values by the same kind of check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..settings import CheckSettings, Settings, positive

ACTIVATIONS = ("tanh", "identity")
"""Node activations: ``tanh`` (the echo-state network) or ``identity`` (a linear reservoir, for tests)."""


@dataclass(frozen=True)
class ReservoirSettings(Settings):
    """A parameter-aware echo-state network (Kong, Fan, Grebogi & Lai, Phys. Rev. Research 3,
    013090, 2021) and its ridge-regression readout.

    Node update, one reservoir step per ``stride`` samples of the store (scaled units, see
    :mod:`neurorecon.surrogates.reservoir.esn`)::

        r[n+1] = (1 - leak_rate) r[n] + leak_rate tanh(W r[n] + W_in u[n] + control_scaling (p + control_shift) w_p + b)

    with u[n] the block of ``stride`` scaled observed samples, p the control value scaled so that
    the training values span [-1, 1], and the readout u[n+1] ~ W_out [1, r[n+1]] (plus r[n+1]**2 with
    ``readout_squares``).

    Attributes:
        size: reservoir nodes N.
        spectral_radius: largest |eigenvalue| of the recurrent matrix W after rescaling.
        density: fraction of non-zero entries of W (uniform in [-1, 1] before rescaling).
        input_scaling: W_in entries uniform in [-input_scaling, input_scaling] (every node sees
            every sample of the input block).
        control_scaling: weight k_p of the control channel; its node weights w_p are uniform in
            [-1, 1]. 0 makes the reservoir blind to the control (a parameter-unaware baseline).
        control_shift: shift b_p added to the scaled control before the weight (Kong et al.'s
            k_p (p + b_p)), so the training values do not straddle zero drive.
        bias_scaling: node biases b uniform in [-bias_scaling, bias_scaling].
        leak_rate: a in (0, 1]; node time constant 1 / a reservoir steps.
        leak_rate_min: node leak rates log-uniform in [leak_rate_min, leak_rate], a reservoir with
            time scales from 1 / leak_rate to 1 / leak_rate_min steps (``leak_rate_min`` =
            ``leak_rate``: one time scale). None: the rule of
            :func:`neurorecon.surrogates.reservoir.esn.auto_leak_min`, from the training data: where
            they burst, ``slow_steps_per_burst`` node time constants per median burst period (the
            slow variable must be remembered across a burst; ``srk``: about 0.01), otherwise one
            time scale (tonic spiking: a spread cost the ``hh`` check its passes).
        slow_steps_per_burst: see ``leak_rate_min``.
        activation: ``tanh`` or ``identity`` (linear reservoir).
        readout_squares: add the squared node states to the readout features (breaks the odd
            symmetry of tanh, Pathak et al. 2018).
        ridge: Tikhonov weights per training row to choose from: the readout minimises the mean
            squared one-step error + ridge * |W_out|^2 (the constant term not penalised), so a
            value does not depend on how long the training records are.
        washout: reservoir steps discarded at the start of every teacher-forced training trace.
        input_noise: stds of Gaussian noise added to the scaled inputs (not to the targets) during
            teacher forcing, to choose from; noise makes the closed loop robust to its own errors.
            The reservoir is driven once per noise level, a readout solved for every ``ridge``
            value, and of these readouts the one whose free runs pass the ``selection`` check at
            the most training values, then with the smallest check error, is kept (training data
            only, like the map candidates of ``vae_map``; one noise level and one ridge value: no
            check). ``surrogate.json`` records every candidate under ``selection``.
        stride: samples of the store per reservoir step; the readout predicts the next ``stride``
            samples at once, so the free runs keep the store's ``sample_dt``. None: the rule of
            :func:`neurorecon.surrogates.reservoir.esn.auto_stride`, from the training data (the
            median spike width, samples above the spike threshold, divided by ``spike_steps``;
            ``srk`` 3 samples wide -> 1, ``hh`` 9 -> 3).
        spike_steps: reservoir steps that a spike must span under the automatic stride.
        max_stride: largest automatic stride.
        warmup: reservoir steps of observed data the reservoir is driven with (teacher forcing, at
            the run's control value) before a free run starts, from a piece of the training record
            at the nearest training value; forecasts warm up on their history instead.
        n_anchors: warm-up pieces stored per training value (random record and offset, drawn
            with the training seed); a rollout draws its initial states' pieces with its own seed
            (the same pieces for every control value with the same nearest training value).
        bound: |scaled output| above which a free run counts as unbounded (training data span
            [-1, 1]).
        selection: the free-running check at the training values that chooses among the
            ``input_noise`` x ``ridge`` readouts (:class:`~neurorecon.surrogates.settings.CheckSettings`;
            unused for a single candidate).
    """

    size: int = 400
    spectral_radius: float = 0.9
    density: float = 0.05
    input_scaling: float = 0.5
    control_scaling: float = 0.5
    control_shift: float = 0.0
    bias_scaling: float = 0.5
    leak_rate: float = 1.0
    leak_rate_min: float | None = None
    slow_steps_per_burst: float = 10.0
    activation: str = "tanh"
    readout_squares: bool = True
    ridge: tuple[float, ...] = (1e-7, 1e-6, 1e-5, 1e-4)
    washout: int = 200
    input_noise: tuple[float, ...] = (3e-3, 1e-2, 3e-2)
    stride: int | None = None
    spike_steps: int = 3
    max_stride: int = 8
    warmup: int = 300
    n_anchors: int = 16
    bound: float = 10.0
    selection: CheckSettings = field(default_factory=lambda: CheckSettings(n_steps=10_000, transient_steps=2_000, n_ic=2))

    _checks: ClassVar = {
        "size": (positive, "must be >= 1"),
        "spectral_radius": (lambda v: v >= 0, "must be >= 0"),
        "density": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
        "input_scaling": (lambda v: v >= 0, "must be >= 0"),
        "control_scaling": (lambda v: v >= 0, "must be >= 0"),
        "bias_scaling": (lambda v: v >= 0, "must be >= 0"),
        "leak_rate": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
        "leak_rate_min": (lambda v: v is None or 0 < v <= 1, "must be null or in (0, 1]"),
        "slow_steps_per_burst": (positive, "must be > 0"),
        "activation": (lambda v: v in ACTIVATIONS, f"must be {' or '.join(ACTIVATIONS)}"),
        "ridge": (lambda v: len(v) > 0 and all(x >= 0 for x in v), "must be a non-empty list of values >= 0"),
        "washout": (lambda v: v >= 0, "must be >= 0"),
        "input_noise": (lambda v: len(v) > 0 and all(x >= 0 for x in v), "must be a non-empty list of values >= 0"),
        "stride": (lambda v: v is None or v >= 1, "must be null (automatic) or >= 1"),
        "spike_steps": (positive, "must be >= 1"),
        "max_stride": (positive, "must be >= 1"),
        "warmup": (positive, "must be >= 1"),
        "n_anchors": (positive, "must be >= 1"),
        "bound": (positive, "must be > 0"),
    }

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None = None, where: str = "surrogates.reservoir"):
        return super().from_dict(mapping, where)

    def _relations(self) -> list[tuple[str, str]]:
        if self.leak_rate_min is not None and self.leak_rate_min > self.leak_rate:
            return [("leak_rate_min", f"must not exceed leak_rate ({self.leak_rate}), got {self.leak_rate_min}")]
        return []

    def problems_with_data(self, n_samples: int) -> list[tuple[str, str]]:
        """Every training record must hold the washout plus as many fitted steps, and a warm-up
        piece, at the explicit stride or, when the stride is automatic, at ``max_stride`` (the
        automatic stride comes from the data and may be as large; it is checked again when
        training), so a record too short is refused before any job runs."""
        stride = self.stride or self.max_stride
        steps = n_samples // stride
        at = f"at stride {stride}" if self.stride else f"at stride {stride} (the automatic stride may reach max_stride)"
        problems = []
        if steps < 2 * self.washout + 2:
            problems.append(("washout", (
                f"training records of {n_samples} samples give {steps} reservoir steps {at}, "
                f"fewer than twice the washout ({self.washout}) + 2; shorten the washout or record longer")))
        if steps < self.warmup + 1:
            problems.append(("warmup", (
                f"training records of {n_samples} samples give {steps} reservoir steps {at}, "
                f"fewer than the warm-up ({self.warmup}) + 1")))
        return problems
