"""Bundled demos: resources/presets/NAME.toml."""

from importlib import resources

from . import config as cfgmod
from .config import ConfigError


def available():
    """name -> file, sorted by name."""
    folder = resources.files("visualizer.resources") / "presets"
    files = [f for f in folder.iterdir() if f.name.endswith(".toml")] if folder.is_dir() else []
    return {f.name[:-5]: f for f in sorted(files, key=lambda f: f.name)}


def load(name):
    found = available()
    if name not in found:
        raise ConfigError(f"no preset {name!r}; available: {', '.join(found) or 'none'}")
    return cfgmod.loads(found[name].read_text(encoding="utf-8"), f"preset {name}")
