"""The ``vae_map`` family: delay embedding of the observed variable -> variational autoencoder ->
parameter-conditioned neural map in the latent space (Kuptsov & Stankevich 2025).

Modules: :mod:`.settings` (config section, no torch), :mod:`.embedding` (delay windows),
:mod:`.vae`, :mod:`.mlp`, :mod:`.neural_map` (the map and its training loop), :mod:`.selection`
(latent dimension), :mod:`.rollout_check` (candidate ranking), :mod:`.stages` (the workflow's
training jobs), :mod:`.pipeline` (all stages in one call), :mod:`.figures` and :mod:`.family`
(the trained surrogate).
"""
