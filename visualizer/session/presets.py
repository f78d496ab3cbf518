"""Bundled demos: resources/presets/NAME.toml."""

import functools
import tomllib
from importlib import resources

from . import config as cfgmod
from .config import ConfigError


def available():
    """name -> file, sorted by name."""
    folder = resources.files("losscape_lab.resources") / "presets"
    files = [f for f in folder.iterdir() if f.name.endswith(".toml")] if folder.is_dir() else []
    return {f.name[:-5]: f for f in sorted(files, key=lambda f: f.name)}


def load(name):
    found = available()
    if name not in found:
        raise ConfigError(f"no preset {name!r}; available: {', '.join(found) or 'none'}")
    return cfgmod.loads(found[name].read_text(encoding="utf-8"), f"preset {name}")


# The lecture's questions in the order it asks them (issue: every question answered by a demo).
LECTURE_ORDER = ("hinge-flat-region", "loss-range", "loss-at-init", "sum-over-all-classes", "mean-vs-sum",
                 "squared-hinge", "w-not-unique", "margin-delta", "softmax-range", "softmax-vs-hinge",
                 "l1-vs-l2", "too-much-regularization", "random-search", "gradient-check", "step-size", "stability-limit",
                 "batch-size-noise", "convex-vs-nonconvex", "two-minima", "scale-symmetry")


def preset_items():
    """[(name, what it shows)] of the bundled demos outside the lecture, for the Presets menu: what it
    shows is the file's first comment line (translated where it is shown), so the menu reads in the
    window's language rather than as file names."""
    found = available()
    items = []
    for name, f in found.items():
        if name in LECTURE_ORDER:
            continue
        first = f.read_text(encoding="utf-8").splitlines()[:1]
        about = first[0].lstrip("#").strip() if first and first[0].startswith("#") else name
        items.append((name, about))
    return items


def lecture_position(config):
    """(k, n): the demo on screen is the lecture's question k of n (1-based), known by its question,
    so a demo opened from --preset, the Lecture menu or a saved copy of it walks on from its own place;
    None for any other demo."""
    question = (config.lecture or {}).get("question") if config is not None else None
    questions = [q for _, q in lecture_items()]
    if question in questions:
        return questions.index(question) + 1, len(questions)
    return None


def lecture_step(config):
    """The step a lecture demo's question is about, where it opens paused; None: it opens playing."""
    return (config.lecture or {}).get("at_step")


@functools.cache
def lecture_items():
    """[(name, question)] of the bundled lecture demos, in the lecture's order. Only the question is
    read (the Lecture menu is built at every start; a demo is checked in full when it is opened)."""
    found = available()
    items = []
    for name in LECTURE_ORDER:
        if name in found:
            question = tomllib.loads(found[name].read_text(encoding="utf-8")).get("lecture", {}).get("question")
            if question:
                items.append((name, question))
    return tuple(items)
