"""The error every configuration check raises."""


class ConfigError(ValueError):
    """An invalid study configuration; the message names the key."""
