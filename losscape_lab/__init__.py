"""Losscape: see a linear classifier learn. The true loss landscape of s = Wx + b over a plane of weight
space, with gradient descent, minibatch SGD and its cousins animated on it.

One installed package, so that nothing of ours takes a name of another project's (``kernels`` is Hugging
Face's): the repository's folders are mapped into it (pyproject.toml, ``package-dir``):

  losscape_lab.kernels      kernels/     numba losses, gradients, landscapes, optimizers (no Qt, no files)
  losscape_lab.visualizer   visualizer/  the app, the command line and the exports
  losscape_lab.resources    resources/   presets, data, translations, fonts, icon

Importing this package imports nothing heavy.
"""

__version__ = "0.3.0"
