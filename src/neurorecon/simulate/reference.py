"""Reference solutions with an adaptive solver (``scipy.integrate.solve_ivp``) for validation."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..models import NeuronModel


def reference_trajectory(
    model: NeuronModel,
    y0: np.ndarray,
    parameters: Mapping[str, float],
    t_eval: np.ndarray,
    method: str = "LSODA",
    rtol: float = 1e-9,
    atol: float = 1e-11,
    dense_output: bool = False,
):
    """Integrate one trajectory from t = 0 with ``solve_ivp``.

    Args:
        y0: initial state, shape (n_state,).
        parameters: full parameter dict (e.g. from :meth:`NeuronModel.parameters`).
        t_eval: (n_time,) increasing output times in the model's time unit; integrates to t_eval[-1].
        method, rtol, atol: passed to ``solve_ivp``.
        dense_output: keep the continuous solution (``result.sol``) for event refinement.

    Returns:
        The ``solve_ivp`` result; ``result.y`` has shape (n_state, n_time).

    Raises:
        RuntimeError: the solver failed.
    """
    # imported here, not at module level: ~0.5 s of start-up that simulation jobs do not need
    from scipy.integrate import solve_ivp

    p = model.parameter_vector(parameters)
    n_state = model.n_state
    rhs = model.rhs

    def f(_t: float, y: np.ndarray) -> np.ndarray:
        out = np.empty(n_state)
        rhs(y, p, out)
        return out

    t_eval = np.asarray(t_eval, dtype=np.float64)
    result = solve_ivp(
        f, (0.0, float(t_eval[-1])), np.asarray(y0, dtype=np.float64), method=method,
        t_eval=t_eval, rtol=rtol, atol=atol, dense_output=dense_output,
    )
    if not result.success:
        raise RuntimeError(f"{model.name}: reference solver {method} failed: {result.message}")
    return result
