"""Dynamics analysis shared by ground truth and surrogates: spikes, bursts, Lyapunov, regimes."""
