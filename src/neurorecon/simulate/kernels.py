"""Compile an integrator kernel for one model's right-hand side, cached on disk across processes.

The kernels (:mod:`.rk4`, :mod:`.dopri5`) are written once as plain Python functions that call a
module-level ``rhs``. :func:`compiled` makes a copy of such a function whose globals bind ``rhs``
to the model's compiled right-hand side and compiles it with ``numba.njit(parallel=True)``. numba
inlines the right-hand side, so the result is as fast as a kernel written for that model alone.

Each copy is cached with ``cache=True`` under a name that includes a hash of the file that
defines the right-hand side, so a second process loads the machine code instead of compiling it,
and editing the model file (or the kernel file: numba checks its modification time) compiles
afresh. A right-hand side without a source file (defined interactively) is compiled per process.
Where numba writes the cache: :mod:`neurorecon.numba_cache`.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import types
from collections.abc import Callable

import numba
import numpy as np

from . import rk4


def rhs_tag(rhs) -> str | None:
    """Identifier of a compiled right-hand side and of its defining file's contents, or ``None``.

    ``None`` when the function has no readable source file (defined in a notebook or by ``exec``).
    """
    func = rhs.py_func
    try:
        path = inspect.getsourcefile(func)
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    except (OSError, TypeError):
        return None
    name = f"{func.__module__}.{func.__qualname__}".replace(".", "_").replace("<", "").replace(">", "")
    return f"{name}_{digest}"


@functools.cache
def compiled(template: Callable, rhs) -> Callable:
    """Return ``template`` compiled with ``rhs(y, p, dydt)`` bound as its global ``rhs``.

    The functions its module names in a tuple ``HELPERS`` (helpers that call ``rhs`` themselves)
    are compiled with the same binding.

    Args:
        template: a kernel function of :mod:`.rk4`, :mod:`.dopri5` or
            :mod:`neurorecon.dynamics.separation`.
        rhs: a ``numba.njit`` right-hand side (see :mod:`neurorecon.models.base`).
    """
    tag = rhs_tag(rhs)
    namespace = dict(template.__globals__, rhs=rhs)
    for name in namespace.get("HELPERS", ()):
        namespace[name] = numba.njit(fastmath=False, cache=tag is not None)(_rebind(namespace[name], namespace, tag))
    copy = _rebind(template, namespace, tag)
    return numba.njit(parallel=True, fastmath=False, cache=tag is not None)(copy)


def _rebind(function: Callable, namespace: dict, tag: str | None) -> Callable:
    """Copy of ``function`` that looks its globals up in ``namespace``."""
    copy = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__)
    copy.__module__ = function.__module__
    # numba names the cache files after the qualified name: one set of files per right-hand side
    copy.__qualname__ = f"{function.__qualname__}__{tag or 'uncached'}"
    return copy


def advance(
    rhs,
    y: np.ndarray,
    params: np.ndarray,
    status: np.ndarray,
    dt: float,
    steps_per_sample: int,
    n_samples: int,
    bound: float,
    out: np.ndarray | None = None,
) -> None:
    """Advance an ensemble in place with fixed-step RK4; record samples into ``out`` if given.

    Arguments as in :func:`neurorecon.simulate.rk4.kernel`.
    """
    if out is None:
        out = np.empty((y.shape[0], y.shape[1], 0), dtype=np.float64)
    compiled(rk4.kernel, rhs)(y, params, status, float(dt), int(steps_per_sample), int(n_samples), float(bound), out)
