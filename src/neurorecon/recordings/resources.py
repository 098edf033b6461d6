"""The recordings shipped in the source tree (``resources/recordings/``)."""

from __future__ import annotations

from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parents[3] / "resources" / "recordings"
"""Folder of the shipped recordings in a source checkout, found from the package's own location:
valid when the package is imported from ``src/`` (an editable install, as ``make setup`` makes)."""

SHIPPED = ("171116sh_0018.abf", "17o05028_ic_steps.abf", "171116sh_0019.abf")
"""File names of the shipped recordings (see ``resources/recordings/README.md``)."""


def resolve_recording(name: str) -> Path:
    """``name`` as a path if it exists, else the shipped recording of that file name if there is one."""
    path = Path(name)
    if not path.exists() and path.name == name and name in SHIPPED and (SHIPPED_DIR / name).exists():
        return SHIPPED_DIR / name
    return path
