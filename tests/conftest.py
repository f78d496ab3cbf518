import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, settings  # noqa: E402

# Kernels compile on first use (seconds on a cold cache): no per-example deadline. CI keeps examples few.
settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=30, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def _toy_data(N=60, seed=0):
    """Three well-separated 2-D classes with a bias column: small enough for every test to run kernels."""
    rng = np.random.default_rng(seed)
    y = np.arange(N) % 3
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    X = np.hstack([centres[y] + rng.normal(scale=0.7, size=(N, 2)), np.ones((N, 1))])
    return SimpleNamespace(name="toy", X=X, y=y, X_val=X[:10], y_val=y[:10], class_names=["a", "b", "c"],
                           feature_names=["x1", "x2", "bias"], image_shape=None, N=N, D=3, C=3)


@pytest.fixture(autouse=True)
def english():
    """Every test starts and ends in English (the language is one global switch)."""
    from losscape_lab.visualizer.i18n import set_language

    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def toy_data():
    """toy_data(N=60, seed=0) -> a dataset-like object."""
    return _toy_data


@pytest.fixture
def make():
    """make(config_text="", data=None) -> a Session on the toy data."""
    from losscape_lab.visualizer.session import config as C
    from losscape_lab.visualizer.session.session import Session

    return lambda text="", data=None: Session(C.loads(text), data or _toy_data())


@pytest.fixture
def app(qtbot):
    """The main window with a controller and a synchronous worker (no threads), torn down in order:
    playback stopped, worker stopped, then the window deleted."""
    from losscape_lab.visualizer.controller import Controller
    from losscape_lab.visualizer.views.main_window import make_window
    from losscape_lab.visualizer.workers import Worker

    from losscape_lab.visualizer.views.render import dispose

    window, found = make_window()
    worker = Worker(sync=True)
    ctl = Controller(window, worker, found)
    window.resize(1400, 900)
    window.show()
    yield ctl
    ctl.pause()
    worker.stop()
    dispose(window)  # deleted now: a window left to the garbage collector crashed a later test


@pytest.fixture
def attach(app, make):
    """attach(config_text="", play=False) -> the Session on the toy data, shown in the app's window."""
    def attach(text="", play=False):
        app.attach(make(text), play=play)
        return app.session
    return attach
