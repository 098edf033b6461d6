"""Degenerate populations by compensation: maximal-conductance sets with prescribed dynamic input
conductances (DICs, :mod:`neurorecon.dynamics.dic`), as in Drion et al. (eNeuro 2015) and
Brandoit et al.'s Spike2Pop.

Every conductance but the ``free`` ones is drawn uniformly from its range; the free ones are then
solved for so that the DICs named in the targets take the requested values at the model's
threshold voltage. The DICs are linear in the free conductances for fixed calcium, so each set is
one small linear solve; when a free conductance feeds the calcium pool (and so moves the calcium
equilibrium a calcium-dependent current sees) the solve is repeated with the calcium of the last
solution until the free conductances stop moving. Sets with a negative conductance, or whose
iteration does not settle, are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..models import ModelError, NeuronModel
from .dic import TIME_SCALES, conductance_names, declared_channels, dics, leak_index, sensitivity

MAX_ITERATIONS = 100
"""Most linear solves per set (one suffices unless a free conductance feeds the calcium pool)."""

SETTLED = 1e-12
"""Relative change of the free conductances between solves below which a set has settled."""


@dataclass(frozen=True)
class Population:
    """Maximal-conductance sets drawn by compensation.

    Attributes:
        names: conductance parameter names, the columns of ``conductances``.
        conductances: (n_kept, n_currents) float64, every entry >= 0 (the model's units).
        targets: (n_kept, n_targets) float64 requested DICs (dimensionless, units of g_L), columns
            in the order of ``target_names``.
        target_names: the prescribed DICs, a subset of ("fast", "slow", "ultraslow").
        n_drawn: sets drawn before dropping those with a negative conductance or unsettled.
    """

    names: tuple[str, ...]
    conductances: np.ndarray
    targets: np.ndarray
    target_names: tuple[str, ...]
    n_drawn: int

    def parameters(self, base: Mapping[str, float], index: int) -> dict[str, float]:
        """The model parameter dict of set ``index``: ``base`` with that set's conductances."""
        return {**base, **dict(zip(self.names, map(float, self.conductances[index]), strict=True))}


def compensate(model: NeuronModel, conductances: np.ndarray, targets: Mapping[str, np.ndarray],
               free: Sequence[str], parameters: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Solve for the ``free`` conductances of each set so that its DICs hit ``targets``.

    Args:
        conductances: (n_sets, n_currents) in :func:`conductance_names` order; the free columns are
            the starting point of the iteration (only used when a free conductance feeds calcium).
        targets: DIC name ("fast", "slow", "ultraslow") -> value(s), each broadcastable to (n_sets,);
            as many targets as free conductances.
        free: conductance parameter names solved for.
        parameters: the model's other parameters (default: its default set).

    Returns:
        (conductances with the free columns solved, shape (n_sets, n_currents); settled, (n_sets,)
        bool: the iteration settled and the linear systems were regular).
    """
    channels, scales = declared_channels(model)
    if scales.threshold is None:
        raise ModelError(f"model {model.name!r} declares no fixed threshold voltage: compensation "
                         "needs one (the DICs read at a set-dependent voltage are not linear)")
    names = conductance_names(model)
    rows = [TIME_SCALES.index(name) for name in targets]
    columns = [names.index(name) for name in free]
    if len(rows) != len(columns) or len(set(columns)) != len(columns):
        raise ModelError(f"need as many distinct free conductances as targets, got {list(free)} for {list(targets)}")
    if leak_index(channels) in columns:
        raise ModelError("the leak conductance normalises the DICs; it cannot be a free conductance")
    g = np.array(conductances, dtype=np.float64, ndmin=2)
    goal = np.stack([np.broadcast_to(np.asarray(targets[name], dtype=np.float64), (g.shape[0],))
                     for name in targets], axis=1) * g[:, [leak_index(channels)]]
    fixed = [c for c in range(len(names)) if c not in columns]
    settled = np.zeros(g.shape[0], dtype=bool)
    active = np.arange(g.shape[0])
    for _ in range(MAX_ITERATIONS):
        s = sensitivity(model, g[active], scales.threshold, parameters)[..., 0][:, rows]  # (n, k, n_currents)
        a = s[:, :, columns]
        b = goal[active] - np.einsum("nkc,nc->nk", s[:, :, fixed], g[np.ix_(active, fixed)])
        regular = np.abs(np.linalg.det(a)) > 0
        solution = np.full((active.size, len(columns)), np.nan)
        solution[regular] = np.linalg.solve(a[regular], b[regular, :, None])[..., 0]
        previous = g[np.ix_(active, columns)]
        g[np.ix_(active, columns)] = solution
        change = np.abs(solution - previous).max(axis=1) / np.maximum(np.abs(solution).max(axis=1), 1e-300)
        done = regular & (change <= SETTLED)
        settled[active[done]] = True
        active = active[regular & ~done]
        if active.size == 0:
            break
    return g, settled


def generate_population(model: NeuronModel, targets: Mapping[str, float], free: Sequence[str],
                        ranges: Mapping[str, tuple[float, float]], n: int, seed: int,
                        parameters: Mapping[str, float] | None = None) -> Population:
    """Draw ``n`` sets (each conductance not in ``free`` uniform in its range), compensate, and keep
    those whose conductances are all >= 0.

    Args:
        targets: DIC name -> requested value (dimensionless), e.g. {"slow": -2.0, "ultraslow": 5.0}.
        free: conductance names solved for, as many as targets.
        ranges: (low, high) for every other conductance, in the model's units.
        n: sets drawn; the kept ones are returned in draw order, so the same (seed, n) always gives
            the same population.
        seed: seed of the draw.
    """
    names = conductance_names(model)
    drawn = [name for name in names if name not in free]
    missing = sorted(set(drawn) - set(ranges))
    if missing:
        raise ModelError(f"no range for conductances {missing}")
    rng = np.random.default_rng(seed)
    g = np.zeros((n, len(names)))
    for name in drawn:
        low, high = ranges[name]
        g[:, names.index(name)] = rng.uniform(low, high, n)
    g, settled = compensate(model, g, targets, free, parameters)
    kept = settled & np.all(g >= 0, axis=1)
    return Population(
        names=names,
        conductances=g[kept],
        targets=np.tile([float(targets[name]) for name in targets], (int(kept.sum()), 1)),
        target_names=tuple(targets),
        n_drawn=n,
    )


def achieved(model: NeuronModel, population: Population, parameters: Mapping[str, float] | None = None) -> np.ndarray:
    """The DICs named in ``population.target_names`` recomputed from its conductances, (n_kept, n_targets)."""
    values = dics(model, population.conductances, parameters=parameters)
    return np.stack([getattr(values, name) for name in population.target_names], axis=1)
