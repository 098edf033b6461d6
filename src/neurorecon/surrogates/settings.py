"""Family settings: frozen dataclasses validated at construction and built from config mappings
with dotted-key errors (:class:`Settings`), plus the settings every family shares: the sweep over
the held-out grid (:class:`SweepSettings`, config ``surrogates.<name>.sweep``) and the free-running
check at the training values (:class:`CheckSettings`, config ``surrogates.<name>.check``).

Imports nothing heavy (no torch): the config validator builds settings from here and from each
family's settings module.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ..models import NeuronModel


class SettingsError(ValueError):
    """A settings value outside its allowed range; ``key`` is the dotted key, ``problem`` the text."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class Settings:
    """Mixin: checks at construction, building from a mapping with dotted-key errors, export.

    Subclasses list per-field checks in ``_checks`` (field -> (predicate, requirement)) and
    cross-field checks in :meth:`_relations`.
    """

    _checks: ClassVar[dict[str, tuple[typing.Callable[[Any], bool], str]]] = {}

    def __post_init__(self) -> None:
        for name, (ok, requirement) in self._checks.items():
            value = getattr(self, name)
            if not ok(value):
                raise SettingsError(name, f"{requirement}, got {value!r}")
        for name, problem in self._relations():
            raise SettingsError(name, problem)

    def _relations(self) -> list[tuple[str, str]]:
        """(field, problem) for every violated cross-field requirement."""
        return []

    def problems_with_data(self, n_samples: int) -> list[tuple[str, str]]:
        """(dotted key, problem) for every setting that training series of ``n_samples`` samples
        per trajectory cannot satisfy; checked with the config, before any job."""
        return []

    def problems_with_sweep(self, sweep: SweepSettings) -> list[tuple[str, str]]:
        """(key of ``sweep``, problem) for every sweep setting the family's settings cannot run;
        checked with the config, before any job."""
        return []

    def problems_with_recording(self) -> list[tuple[str, str]]:
        """(key, problem) for every setting that cannot train on a recording (no model, no declared
        channels; keys as in :meth:`problems_with_model`). Asked only of families whose registry
        entry says they take recordings."""
        return []

    def problems_with_model(self, model: NeuronModel) -> list[tuple[str, str]]:
        """(key, problem) for every reason the family cannot train on a dataset of ``model``
        (e.g. a control that is not an injected current); checked with the config, before any job.
        The key is relative to the surrogate's config entry: ``datasets`` (the dataset itself does
        not suit the family) or ``settings.<name>``."""
        return []

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None = None, where: str = ""):
        """Build from ``mapping`` (missing keys take defaults).

        Raises:
            ValueError: ``"<where>.<key>: ..."`` for an unknown key, a value of the wrong type, or
                a value outside its allowed range.
        """
        mapping = {} if mapping is None else mapping
        if not isinstance(mapping, Mapping):
            raise ValueError(f"{where or '<settings>'}: expected a mapping, got {type(mapping).__name__}")
        fields = [f.name for f in dataclasses.fields(cls)]
        hints = typing.get_type_hints(cls)
        unknown = sorted(set(mapping) - set(fields))
        if unknown:
            raise ValueError(f"{_join(where, unknown[0])}: unknown key (known keys: {', '.join(fields)})")
        values = {name: _convert(hints[name], mapping[name], _join(where, name)) for name in mapping}
        try:
            return cls(**values)
        except SettingsError as exc:
            raise ValueError(f"{_join(where, exc.key)}: {exc.problem}") from None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return _plain(dataclasses.asdict(self))


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _convert(hint, value, key: str):
    """``value`` converted to the annotated type ``hint``; ValueError naming ``key`` otherwise."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [option for option in options if option is not type(None)]
        return _convert(inner, value, key)
    if isinstance(hint, type) and issubclass(hint, Settings):
        return hint.from_dict(value, key)
    if origin is tuple:
        (item,) = {arg for arg in typing.get_args(hint) if arg is not Ellipsis}
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{key}: expected a list, got {value!r}")
        return tuple(_convert(item, entry, f"{key}[{index}]") for index, entry in enumerate(value))
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key}: expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{key}: expected a finite number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{key}: expected a string, got {value!r}")
        return value
    raise TypeError(f"{key}: unsupported settings type {hint!r}")  # a programming error


def positive(value) -> bool:
    return value > 0


def fraction(value) -> bool:
    return 0.0 < value < 1.0



@dataclass(frozen=True)
class CheckSettings(Settings):
    """Free-running check of a map at the training values (used to select checkpoints).

    A map passes at a training value when every started trajectory stays finite and bounded and
    its decoded observed trace has the training regime; for bursting, spikes per burst within
    ``spikes_per_burst_tol`` and burst period within ``period_rel_tol`` of the truth there.

    Attributes:
        n_steps: map steps iterated (one step = one sampling interval).
        transient_steps: leading steps left out of the classification.
        n_ic: trajectories per training value, started from encoded training states.
        spikes_per_burst_tol: allowed absolute error of the mean spikes per burst.
        period_rel_tol: allowed relative error of the burst period (bursting) or ISI (tonic).
    """

    n_steps: int = 20_000
    transient_steps: int = 2_000
    n_ic: int = 4
    spikes_per_burst_tol: float = 1.0
    period_rel_tol: float = 0.25

    _checks: ClassVar = {
        "n_steps": (positive, "must be >= 1"),
        "transient_steps": (lambda v: v >= 0, "must be >= 0"),
        "n_ic": (positive, "must be >= 1"),
        "spikes_per_burst_tol": (lambda v: v >= 0, "must be >= 0"),
        "period_rel_tol": (lambda v: v >= 0, "must be >= 0"),
    }

    def _relations(self) -> list[tuple[str, str]]:
        if self.transient_steps >= self.n_steps:
            return [("transient_steps", f"must be below n_steps ({self.n_steps}), got {self.transient_steps}")]
        return []


@dataclass(frozen=True)
class SweepSettings(Settings):
    """Free-running sweep of a surrogate over control values (arguments of the sweep stage).

    Attributes:
        n_ic: trajectories per control value (the same initial states for every value).
        n_steps: recorded samples per trajectory (one map step = one sampling interval).
        transient_steps: samples run and discarded before recording.
        lyapunov_steps: map steps over which the surrogate's largest Lyapunov exponent is
            estimated from the end of every trajectory (tangent dynamics by autograd); 0: skip it.
        forecast_starts: start times per held-out truth trajectory for the forecast horizon
            (:mod:`neurorecon.evaluation.forecast`); 0: skip the forecasts.
        forecast_history: observed samples given to the surrogate before each forecast (at least
            the delay embedding's span).
        forecast_steps: samples forecast (the largest measurable horizon, in sampling intervals).
    """

    n_ic: int = 2
    n_steps: int = 40_000
    transient_steps: int = 20_000
    lyapunov_steps: int = 5_000
    forecast_starts: int = 4
    forecast_history: int = 200
    forecast_steps: int = 2_000

    _checks: ClassVar = {
        "n_ic": (positive, "must be >= 1"),
        "n_steps": (positive, "must be >= 1"),
        "transient_steps": (lambda v: v >= 0, "must be >= 0"),
        "lyapunov_steps": (lambda v: v == 0 or v >= 10, "must be 0 (skip) or >= 10"),
        "forecast_starts": (lambda v: v >= 0, "must be >= 0"),
        "forecast_history": (positive, "must be >= 1"),
        "forecast_steps": (positive, "must be >= 1"),
    }
