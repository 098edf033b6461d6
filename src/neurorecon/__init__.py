"""neurorecon: reconstruct a neuron's dynamics from one observed variable and map its regimes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("neurorecon")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
