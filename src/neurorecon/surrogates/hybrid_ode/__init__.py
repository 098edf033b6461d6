"""The ``hybrid_ode`` family: the membrane equation kept, the injected current entering it
additively, channel kinetics learned by small networks and fitted through an RK4 solver
(Beck, Deistler, Molnár, Macke & Berens, arXiv 2606.16693, written here in PyTorch).

Modules: :mod:`.settings` (config section, no torch), :mod:`.model` (the ODE), :mod:`.data`
(training traces, time scale, segments), :mod:`.fit` (multiple shooting with a length curriculum),
:mod:`.figures` and :mod:`.family` (the trained surrogate, candidates and their selection).
"""
