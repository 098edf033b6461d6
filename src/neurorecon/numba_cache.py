"""Make sure numba has a writable place for its on-disk cache of compiled functions.

numba caches next to the source (``__pycache__``), else in the user cache directory, else where
``NUMBA_CACHE_DIR`` points; with none of them writable (a read-only installation run by a user
without a home directory) decorating a ``cache=True`` function fails. :func:`ensure_cache_dir`
points numba at a per-user temporary directory in that case only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numba
from numba.misc.appdirs import AppDirs


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def ensure_cache_dir() -> Path | None:
    """Set numba's cache directory to a temporary one if no default location is writable.

    Returns the directory set, or ``None`` when numba's own choice (or ``NUMBA_CACHE_DIR``) stands.
    """
    if numba.config.CACHE_DIR:
        return None
    package = Path(__file__).resolve().parent / "__pycache__"
    user = Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)
    if _writable(package) or _writable(user):
        return None
    fallback = Path(tempfile.gettempdir()) / f"neurorecon-numba-cache-{os.getuid()}"
    fallback.mkdir(mode=0o700, exist_ok=True)
    numba.config.CACHE_DIR = str(fallback)
    return fallback
