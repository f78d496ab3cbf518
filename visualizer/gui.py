"""The desktop app: a window first, kernels prepared on the worker, the last session restored."""

import sys

from PyQt6 import QtCore, QtWidgets

from . import desktop


def restore_last(settings):
    from .session import config as cfgmod

    text = settings.value("last_session", "", type=str)
    if not text:
        return None
    try:
        return cfgmod.loads(text, "last session")
    except cfgmod.ConfigError:
        return None


def app_icon():
    """The window's icon: the PNG sizes (crisp where a size is drawn) and the SVG for the rest."""
    from PyQt6 import QtGui

    icon = QtGui.QIcon()
    for size in desktop.ICON_SIZES:
        icon.addFile(str(desktop.icon_file(size)), QtCore.QSize(size, size))
    return icon


def run_gui(config=None, path=None, present=False, lang=None):
    from . import crash
    from .controller import Controller
    from .i18n import LANGUAGES
    from .session import config as cfgmod
    from .views.main_window import make_window
    from .coldstart import start_second_process
    from .workers import Worker

    app = QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName(desktop.APPLICATION)
    app.setOrganizationName(desktop.ORGANIZATION)
    app.setDesktopFileName(desktop.DESKTOP_ID)  # Wayland matches the window to its entry and icon by this
    app.setWindowIcon(app_icon())
    crash.report_unexpected_errors(app)
    settings = desktop.settings()
    config = config or restore_last(settings) or cfgmod.Config()
    # before the window: on a cold cache it compiles the demo's optimizer loop while the window is built
    helper = start_second_process(config.model["kind"])
    window, found = make_window()
    worker = Worker(helper=helper)
    ctl = Controller(window, worker, found)

    def on_close():
        if ctl.session is not None:
            settings.setValue("last_session", cfgmod.dumps(ctl.session.config))
        worker.stop()

    window.closing.connect(on_close)
    room = app.primaryScreen().availableGeometry()  # a 1280x720 projector must get the whole window
    window.resize(min(window.width(), room.width()), min(window.height(), room.height()))
    window.set_font_scale(settings.value("font_scale", 1.0, type=float))
    window.font_scale_changed.connect(lambda f: settings.setValue("font_scale", f))
    window.set_theme(settings.value("theme", "light", type=str))
    window.theme_changed.connect(lambda t: settings.setValue("theme", t))
    remembered = settings.value("language", "en", type=str)
    ctl.set_language(lang or (remembered if isinstance(remembered, str) and remembered in LANGUAGES else "en"))
    window.language_changed.connect(lambda code: settings.setValue("language", code))
    window.show()
    if present:
        window.set_presenter(True)
    ctl.open_config(config, play=True, path=path)
    return app.exec()
