import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, settings  # noqa: E402

# Kernels compile on first use (seconds on a cold cache): no per-example deadline. CI keeps examples few.
settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=30, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


import pytest  # noqa: E402


@pytest.fixture
def app(qtbot):
    """The main window with a controller and a synchronous worker (no threads), torn down in order:
    playback stopped, worker stopped, then the window closed by qtbot."""
    from visualizer.controller import Controller
    from visualizer.gui import make_window
    from visualizer.workers import Worker

    window, found = make_window()
    qtbot.addWidget(window)
    worker = Worker(sync=True)
    ctl = Controller(window, worker, found)
    window.resize(1400, 900)
    window.show()
    yield ctl
    ctl.pause()
    worker.stop()
