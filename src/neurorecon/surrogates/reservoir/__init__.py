"""The ``reservoir`` family: a parameter-aware echo-state network (Kong, Fan, Grebogi & Lai 2021)
driven by the observed variable with the control value as an extra input to every node, a ridge
readout, and closed-loop free runs; the baseline of the parameter-extrapolation literature.

Modules: :mod:`.settings` (config section), :mod:`.esn` (the network in numpy), :mod:`.family`
(the trained surrogate) and :mod:`.figures`. Nothing here imports torch.
"""
