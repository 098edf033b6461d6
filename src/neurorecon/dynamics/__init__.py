"""Dynamics analysis shared by ground truth and surrogates: spikes, bursts, Lyapunov, regimes."""

from .bifurcation import bifurcation_data, bifurcation_dataset
from .bursts import BurstStats, analyse_bursts, burst_sizes, isi_threshold
from .excitability import Excitability, excitability_type
from .lyapunov import LyapunovEstimate, lyapunov_map, lyapunov_ode, lyapunov_ode_adaptive, lyapunov_torch_map
from .regimes import (
    ClassifierSettings,
    Regime,
    check_trajectory_store,
    classify,
    classify_trajectories,
    lyapunov_for_store,
    regime_attrs,
)
from .spikes import SpikeTrains, detect_spikes, isi_statistics, threshold_crossings

__all__ = [
    "BurstStats",
    "ClassifierSettings",
    "Excitability",
    "LyapunovEstimate",
    "Regime",
    "SpikeTrains",
    "analyse_bursts",
    "bifurcation_data",
    "bifurcation_dataset",
    "burst_sizes",
    "check_trajectory_store",
    "classify",
    "classify_trajectories",
    "detect_spikes",
    "excitability_type",
    "isi_statistics",
    "isi_threshold",
    "lyapunov_for_store",
    "lyapunov_map",
    "lyapunov_ode",
    "lyapunov_ode_adaptive",
    "lyapunov_torch_map",
    "regime_attrs",
    "threshold_crossings",
]
