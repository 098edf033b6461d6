"""Real current-clamp recordings: ABF and NWB readers, the recording store, step features."""
