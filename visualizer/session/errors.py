"""The config's one error type, in a module of its own: the plane modes (plane.py) raise it, and the
config schema (config.py) reads their names."""


class ConfigError(ValueError):
    """A one-line message naming the table, the key and what is allowed."""
