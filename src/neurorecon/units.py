"""Unit strings shared by every layer."""


def per_time(time_unit: str) -> str:
    """Unit of a rate (firing rate, Lyapunov exponent) in ``time_unit``: "1/ms", "1/s", or "1" for a
    dimensionless time."""
    return "1" if time_unit in ("", "1") else f"1/{time_unit}"


PRETTY_UNITS = {"uA/cm^2": "µA/cm²"}
"""Unit strings as stored (ASCII) -> as printed in figures and text."""


def pretty(unit: str) -> str:
    """``unit`` as printed (``uA/cm^2`` -> ``µA/cm²``); "" for a dimensionless one ("" or "1")."""
    return "" if unit in ("", "1") else PRETTY_UNITS.get(unit, unit)
