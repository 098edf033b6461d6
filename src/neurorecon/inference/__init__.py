"""Spike-time inference of dynamic input conductances (issue 17): spike times -> (g_s, g_u) with an
uncertainty by a torch network trained on simulated degenerate populations -> twin populations by
compensation -> simulated spike trains compared with the input.

Modules: ``settings`` (typed settings, no torch), ``features`` (spike trains -> log-ISI sequences),
``data`` (simulated training/test examples in chunks), ``network`` (GRU / transformer), ``training``
(Gaussian NLL training, checkpoints), ``predict`` (a checkpoint applied to spike trains),
``distance`` (van Rossum), ``twins`` (twin populations of predicted DICs), ``evaluate`` (metrics),
``spike_csv`` (Spike2Pop's CSV), ``cli`` (``neurorecon infer-dics``).
"""
