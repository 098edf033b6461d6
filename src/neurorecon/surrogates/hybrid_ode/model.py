"""The hybrid neural ODE in torch: the membrane equation kept, channel kinetics learned.

State layout, batch first, (batch, 1 + n_hidden):
- column 0: the scaled voltage v = (V - v_offset) / v_scale (V in mV);
- then the hidden states: in ``gates`` mode the model's kinetic gates in declaration order (learned
  or the model's own kinetics), in ``latent`` mode h (latent_dim,).

Every hidden variable relaxes towards a target with a positive time constant,
dx/dt = (x_target - x) / tau, so the hidden states stay bounded; the injected current I (control
unit) enters only the voltage equation, additively: C dV/dt = I - I_ion(V, hidden).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from ...models import get_model
from ...models.channels import ChannelStructure


@dataclass(frozen=True)
class HybridArchitecture:
    """Everything that fixes the shape and the constants of a :class:`HybridOde`.

    Attributes:
        mode: ``gates`` or ``latent``.
        model: name of the neuron model whose channel declaration ``gates`` mode uses (and whose
            capacitance ``latent`` mode uses when declared).
        parameters: the model's full parameter dict of the training data (conductances, reversal
            potentials, capacitance, known gate kinetics).
        learned_gates: kinetic gates learned (``gates`` mode); the others keep the model's kinetics
            (none learned: the model itself, rebuilt from its declaration).
        latent_dim: dimension of h (``latent`` mode).
        width, depth: hidden units and hidden layers of every MLP.
        v_offset, v_scale: scaling of the voltage, mV.
        tau_init, tau_floor: initial and smallest time constant of learned hidden variables, model
            time unit.
        current_scale: scale of the learned ionic current in ``latent`` mode, control unit.
        capacitance: membrane capacitance measured from the data (a recording: pF, with the
            current in pA and time in ms); None: the model's declared capacitance (``latent``: 1
            when the model declares none).
        current_factor: factor turning the injected current into the model's current unit (a
            recording in ``gates`` mode: 1 / capacitance, pA into uA/cm^2 of a membrane of
            1 uF/cm^2); 1 otherwise.
        learn_conductances: ``gates`` mode also learns every current's maximal conductance (a
            log-factor on the declared value, starting at 1).
    """

    mode: str
    model: str
    parameters: dict[str, float]
    learned_gates: tuple[str, ...] = ()
    latent_dim: int = 1
    width: int = 32
    depth: int = 2
    v_offset: float = 0.0
    v_scale: float = 1.0
    tau_init: float = 1.0
    tau_floor: float = 0.01
    current_scale: float = 1.0
    capacitance: float | None = None
    current_factor: float = 1.0
    learn_conductances: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["learned_gates"] = list(self.learned_gates)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HybridArchitecture:
        return cls(**{**data, "learned_gates": tuple(data.get("learned_gates", ()))})


def mlp(n_in: int, n_out: int, width: int, depth: int) -> nn.Sequential:
    """tanh MLP whose last layer starts at zero (the output starts at its bias, set by the caller)."""
    layers: list[nn.Module] = []
    for index in range(depth):
        layers += [nn.Linear(n_in if index == 0 else width, width), nn.Tanh()]
    last = nn.Linear(width if depth else n_in, n_out)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


class HybridOde(nn.Module):
    """C dV/dt = I - I_ion(V, x), dx/dt = (x_target(V, x) - x) / tau(V, x) (see module docstring)."""

    def __init__(self, arch: HybridArchitecture) -> None:
        super().__init__()
        self.arch = arch
        self.p = dict(arch.parameters)
        if arch.mode == "gates":
            channels = get_model(arch.model).channels
            if channels is None:
                raise ValueError(f"model {arch.model!r} declares no channels; gates mode needs them")
            self.channels: ChannelStructure | None = channels
            self.hidden_names = tuple(gate.name for gate in channels.kinetic_gates)
            unknown = sorted(set(arch.learned_gates) - set(self.hidden_names))
            if unknown:
                raise ValueError(f"model {arch.model!r} has no kinetic gates {unknown}; kinetic gates: {self.hidden_names}")
            self.learned = tuple(name for name in self.hidden_names if name in arch.learned_gates)
            self.capacitance = float(self.p[channels.capacitance])
            self.log_gain = nn.Parameter(torch.zeros(len(channels.currents))) if arch.learn_conductances else None
            self.gate_net = mlp(1, 2 * len(self.learned), arch.width, arch.depth) if self.learned else None
            if self.gate_net is not None:  # x_inf starts at 0.5, tau at tau_init
                nn.init.zeros_(self.gate_net[-1].bias)
        elif arch.mode == "latent":
            self.log_gain = None
            self.channels = None
            self.hidden_names = tuple(f"h{index}" for index in range(arch.latent_dim))
            self.learned = self.hidden_names
            if arch.capacitance is not None:
                self.capacitance = float(arch.capacitance)
            else:
                declared = get_model(arch.model).channels
                self.capacitance = float(self.p[declared.capacitance]) if declared is not None else 1.0
            self.hidden_net = mlp(1 + arch.latent_dim, 2 * arch.latent_dim, arch.width, arch.depth)
            self.current_net = mlp(1 + arch.latent_dim, 1, arch.width, arch.depth)
        else:
            raise ValueError(f"unknown hybrid_ode mode {arch.mode!r}")
        self.log_tau_span = math.log(max(arch.tau_init - arch.tau_floor, 1e-12))

    @property
    def n_state(self) -> int:
        return 1 + len(self.hidden_names)

    def voltage(self, v_scaled: torch.Tensor) -> torch.Tensor:
        """V in mV of scaled voltages."""
        return self.arch.v_offset + self.arch.v_scale * v_scaled

    def scaled(self, voltage: torch.Tensor) -> torch.Tensor:
        """Scaled voltages of V in mV."""
        return (voltage - self.arch.v_offset) / self.arch.v_scale

    def _tau(self, raw: torch.Tensor) -> torch.Tensor:
        return self.arch.tau_floor + torch.exp(raw + self.log_tau_span)

    def learned_gate_kinetics(self, v_scaled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x_inf, tau) of the learned gates at scaled voltages (...,) -> two (..., n_learned)."""
        out = self.gate_net(v_scaled[..., None])
        n = len(self.learned)
        return torch.sigmoid(out[..., :n]), self._tau(out[..., n:])

    def relaxation(self, v_scaled: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(target, tau) of every hidden variable, each (batch, n_hidden), tau in the time unit."""
        if self.channels is None:
            out = self.hidden_net(torch.cat([v_scaled[:, None], hidden], dim=1))
            k = self.arch.latent_dim
            return torch.tanh(out[:, :k]), self._tau(out[:, k:])
        voltage = self.voltage(v_scaled)
        targets, taus = [], []
        if self.learned:
            learned_inf, learned_tau = self.learned_gate_kinetics(v_scaled)
        for name in self.hidden_names:
            if name in self.learned:
                index = self.learned.index(name)
                targets.append(learned_inf[:, index])
                taus.append(learned_tau[:, index])
            else:
                gate = self.channels.gate(name)
                targets.append(gate.steady_state(voltage, self.p, torch))
                taus.append(gate.time_constant(voltage, self.p, torch))
        return torch.stack(targets, dim=1), torch.stack(taus, dim=1)

    def ionic_current(self, v_scaled: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """Total ionic current (control unit, outward positive), (batch,)."""
        if self.channels is None:
            out = self.current_net(torch.cat([v_scaled[:, None], hidden], dim=1))[:, 0]
            return self.arch.current_scale * out
        voltage = self.voltage(v_scaled)
        values = {name: hidden[:, index] for index, name in enumerate(self.hidden_names)}
        total = torch.zeros_like(voltage)
        for index, current in enumerate(self.channels.currents):
            conductance = self.p[current.conductance] * torch.ones_like(voltage)
            if self.log_gain is not None:
                conductance = conductance * torch.exp(self.log_gain[index])
            for name, exponent in current.gates:
                if name not in values:  # instantaneous gate
                    values[name] = self.channels.gate(name).steady_state(voltage, self.p, torch)
                conductance = conductance * values[name] ** exponent
            total = total + conductance * (voltage - self.p[current.reversal])
        return total

    def derivative(self, state: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
        """d state / dt (per model time unit) of states (batch, n_state) under currents (batch,)."""
        v_scaled, hidden = state[:, 0], state[:, 1:]
        dv = (self.arch.current_factor * current - self.ionic_current(v_scaled, hidden)) / (
            self.capacitance * self.arch.v_scale)
        target, tau = self.relaxation(v_scaled, hidden)
        return torch.cat([dv[:, None], (target - hidden) / tau], dim=1)

    def step(self, state: torch.Tensor, current: torch.Tensor, dt: float, substeps: int) -> torch.Tensor:
        """``substeps`` classical RK4 steps of ``dt`` at constant current (batch,)."""
        for _ in range(substeps):
            k1 = self.derivative(state, current)
            k2 = self.derivative(state + 0.5 * dt * k1, current)
            k3 = self.derivative(state + 0.5 * dt * k2, current)
            k4 = self.derivative(state + dt * k3, current)
            state = state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return state

    def initial_hidden(self, v_scaled: torch.Tensor) -> torch.Tensor:
        """Hidden states to start a clamped warm-up from at scaled voltages (batch,): the gates'
        steady states (``gates``), zeros (``latent``)."""
        hidden = torch.zeros(v_scaled.shape[0], len(self.hidden_names), dtype=v_scaled.dtype, device=v_scaled.device)
        if self.channels is None:
            return hidden
        target, _ = self.relaxation(v_scaled, hidden)
        return target

    def clamp(self, v_scaled: torch.Tensor, sample_dt: float, hidden: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden states after driving the hidden equations with an observed voltage.

        Over each sampling interval the hidden variables relax exactly towards the target, with
        target and tau evaluated at the interval's mean voltage (exponential midpoint rule, second
        order in the sampling interval); the membrane equation is not used.

        Args:
            v_scaled: (batch, n) scaled observed voltages.
            sample_dt: sampling interval, model time unit.
            hidden: (batch, n_hidden) states before the first sample; None: :meth:`initial_hidden`.

        Returns:
            (batch, n_hidden) hidden states at the time of the last sample.
        """
        hidden = self.initial_hidden(v_scaled[:, 0]) if hidden is None else hidden
        n = v_scaled.shape[1] - 1
        midpoints = 0.5 * (v_scaled[:, 1:] + v_scaled[:, :-1])
        if self.channels is not None:  # gate kinetics depend on V only: evaluate them all at once
            batch = v_scaled.shape[0]
            flat = midpoints.reshape(-1)
            target, tau = self.relaxation(flat, torch.zeros(flat.shape[0], hidden.shape[1], dtype=flat.dtype,
                                                            device=flat.device))
            target = target.reshape(batch, n, -1)
            decay = torch.exp(-sample_dt / tau).reshape(batch, n, -1)
            for index in range(n):
                hidden = target[:, index] + (hidden - target[:, index]) * decay[:, index]
            return hidden
        for index in range(n):
            target, tau = self.relaxation(midpoints[:, index], hidden)
            hidden = target + (hidden - target) * torch.exp(-sample_dt / tau)
        return hidden
