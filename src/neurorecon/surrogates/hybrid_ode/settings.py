"""Settings of the ``hybrid_ode`` surrogate family (no torch here: the config validator reads them).

Every length is a multiple of the dataset's **time scale** ``T``: ``time_scale`` when given (model
time unit), else the median inter-spike interval of the training traces, measured when training
starts. The same defaults then fit a model in ms (Hodgkin–Huxley, ISI ~15 ms) and one ten times
slower (Morris–Lecar, ISI ~100–300 ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..settings import Settings, fraction, positive

if TYPE_CHECKING:
    from ...models import NeuronModel

MODES = ("gates", "latent")


@dataclass(frozen=True)
class HybridOdeSettings(Settings):
    """A hybrid neural ODE: the membrane equation kept, the control current entering it additively,
    channel kinetics learned.

    Attributes:
        mode: ``gates``: the model's declared currents with the ``learned_gates`` replaced by
            x_inf(V) = sigmoid(MLP(V)), tau(V) = tau_floor + exp(MLP(V)); ``latent``: nothing about
            channels is used: C dV/dt = I - I_theta(V, h), dh/dt = (tanh(A(V, h)) - h) / tau(V, h),
            h of dimension ``latent_dim`` (C from the model's declaration, else 1).
        learned_gates: gates learned in ``gates`` mode (kinetic gates declared by the model); the
            others keep the model's kinetics. Empty: all kinetic gates.
        template: ``gates`` mode on a recording (which declares no channels): the model whose
            declared currents and gates serve as the template (e.g. ``hh``); the recorded current
            enters as a density (pA / measured capacitance in pF = uA/cm^2 at 1 uF/cm^2). Must be
            null on a simulated dataset (its own model is the template).
        learn_conductances: ``gates`` mode also learns the maximal conductance of every current.
        latent_dim: dimension k of h in ``latent`` mode.
        width, depth: hidden units and hidden layers of every MLP (tanh).
        time_scale: T in the model's time unit; None: the median ISI of the training traces.
        tau_init: initial tau of learned gates / latent variables, in T.
        tau_floor: smallest tau, in T (keeps the free run stable at the integration step).
        substeps: RK4 steps per sampling interval.
        warmup: the first part (in T) of every training segment, over which the hidden states are
            inferred by driving the hidden equations with the observed voltage (V clamped to the
            data); it must be shorter than every segment.
        segments: the length curriculum: lengths (in T) of the training segments, warm-up included,
            one stage each, shortest first; the model runs freely for segment - warmup.
        iterations: optimiser steps per curriculum stage (or, with early stopping, at most).
        batch: segments per optimiser step.
        lr: Adam learning rate (cosine decay to a tenth within each stage).
        grad_clip: largest gradient norm.
        dvdt_weight: weight of the error in dV/dt (per sample difference, scaled like V) next to
            the error in scaled V.
        spike_weight: extra weight of a training segment whose free run holds a spike onset (it is
            drawn ``1 + spike_weight`` times as often as one without); 0: uniform draws.
        heldback_fraction: fraction of segment start times (in contiguous blocks) held back for
            the validation loss that picks the best iteration of each stage.
        candidates: independently initialised fits per seed; the one passing the check at the
            training values best (then the lowest validation loss) is kept.
        checkpoint_every: optimiser steps between resume files (a killed job resumes there).
    """

    mode: str = "gates"
    learned_gates: tuple[str, ...] = ()
    template: str | None = None
    learn_conductances: bool = False
    latent_dim: int = 1
    width: int = 32
    depth: int = 2
    time_scale: float | None = None
    tau_init: float = 0.2
    tau_floor: float = 0.005
    substeps: int = 2
    warmup: float = 1.0
    segments: tuple[float, ...] = (1.05,)
    iterations: int = 200
    batch: int = 128
    lr: float = 5e-3
    grad_clip: float = 1.0
    dvdt_weight: float = 0.1
    spike_weight: float = 0.0
    heldback_fraction: float = 0.15
    candidates: int = 2
    checkpoint_every: int = 25

    _checks: ClassVar = {
        "mode": (lambda v: v in MODES, f"must be one of {', '.join(MODES)}"),
        "latent_dim": (positive, "must be >= 1"),
        "width": (positive, "must be >= 1"),
        "depth": (positive, "must be >= 1"),
        "time_scale": (lambda v: v is None or v > 0, "must be null (the training traces' median ISI) or > 0"),
        "tau_init": (positive, "must be > 0"),
        "tau_floor": (positive, "must be > 0"),
        "substeps": (positive, "must be >= 1"),
        "warmup": (positive, "must be > 0"),
        "segments": (lambda v: len(v) > 0 and all(h > 0 for h in v), "must be a non-empty list of lengths > 0"),
        "iterations": (positive, "must be >= 1"),
        "batch": (positive, "must be >= 1"),
        "lr": (positive, "must be > 0"),
        "grad_clip": (positive, "must be > 0"),
        "dvdt_weight": (lambda v: v >= 0, "must be >= 0"),
        "spike_weight": (lambda v: v >= 0, "must be >= 0"),
        "heldback_fraction": (fraction, "must be in (0, 1)"),
        "candidates": (positive, "must be >= 1"),
        "checkpoint_every": (positive, "must be >= 1"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        if list(self.segments) != sorted(self.segments):
            return [("segments", f"must increase (shortest segments first), got {list(self.segments)}")]
        if self.warmup >= self.segments[0]:
            return [("warmup", f"({self.warmup:g} T) must be shorter than every segment (the warm-up is the "
                               f"first part of each; the shortest, segments[0], is {self.segments[0]:g} T)")]
        if self.tau_floor >= self.tau_init:
            return [("tau_floor", f"must be below tau_init ({self.tau_init:g}), got {self.tau_floor:g}")]
        if self.mode == "latent" and (self.learned_gates or self.template or self.learn_conductances):
            key = "learned_gates" if self.learned_gates else "template" if self.template else "learn_conductances"
            return [(key, "is a gates-mode setting; latent mode uses no declared channel")]
        return []

    def problems_with_recording(self) -> list[tuple[str, str]]:
        """A recording declares no channels: latent mode, or gates mode on a template model's."""
        if self.mode == "latent":
            return []
        if self.template is None:
            return [("settings.mode", "a recording declares no channels; use mode: latent, or gates mode with a "
                                      "template (a model whose channels to start from, e.g. template: hh)")]
        return self._template_problems(self.template)

    def _template_problems(self, name: str) -> list[tuple[str, str]]:
        from ...models import ModelError, get_model

        try:
            model = get_model(name)
        except ModelError as exc:
            return [("settings.template", str(exc))]
        if model.channels is None or model.channels.calcium is not None:
            return [("settings.template", f"model {name!r} declares no voltage-gated channel structure gates mode "
                                          "can use")]
        return self._gate_problems(model)

    def _gate_problems(self, model: NeuronModel) -> list[tuple[str, str]]:
        """A learned gate that ``model`` does not declare as a kinetic gate."""
        kinetic = [gate.name for gate in model.channels.kinetic_gates]
        unknown = [gate for gate in self.learned_gates if gate not in kinetic]
        if unknown:
            return [("settings.learned_gates", f"model {model.name!r} declares no kinetic gate {unknown[0]!r}; "
                                               f"its kinetic gates: {', '.join(kinetic)}")]
        return []

    def problems_with_model(self, model: NeuronModel) -> list[tuple[str, str]]:
        """(key, problem) for a dataset of ``model``: its control must be an injected current, and
        gates mode needs its declared channels and knows only its kinetic gates."""
        if self.template is not None:
            return [("settings.template", "is for recordings; on a simulated dataset the model's own channels are "
                                          "the template")]
        if not model.control.injected_current:
            return [("datasets", f"hybrid_ode needs a control that is an injected current (it enters the membrane "
                             f"equation additively); model {model.name!r} is controlled by {model.control.name} "
                             f"({model.control.long_name})")]
        if self.mode != "gates":
            return []
        if model.channels is None:
            return [("settings.mode", f"gates mode needs declared channels and model {model.name!r} declares none; "
                             "use mode: latent")]
        if model.channels.calcium is not None:
            return [("settings.mode", f"gates mode learns voltage-gated kinetics only and model {model.name!r} has a "
                             "calcium pool; use mode: latent")]
        return self._gate_problems(model)
