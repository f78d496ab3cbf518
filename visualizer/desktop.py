"""Losscape as a desktop program: where it keeps its settings and its log, `losscape --info`, `--reset`,
and the freedesktop entry of `--install-desktop` / `--uninstall-desktop`.

Qt is imported inside the functions that need it (QSettings), so the command line stays quick.
"""

import os
import platform
import sys
from importlib import resources

ORGANIZATION = "Losscape"  # QSettings' names: the settings file is Losscape/losscape.conf (.plist, registry)
APPLICATION = "losscape"
DESKTOP_ID = "losscape"  # the .desktop file's name, the icon's name and the window's app id (Wayland)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def settings():
    """The remembered settings (window, language, theme, last session)."""
    from PyQt6 import QtCore

    return QtCore.QSettings(ORGANIZATION, APPLICATION)


def log_path():
    """The file unexpected errors are reported to."""
    import platformdirs

    return os.path.join(platformdirs.user_log_dir(APPLICATION, appauthor=False), "losscape.log")


def icon_file(size=None):
    """The bundled icon: the SVG, or the PNG of `size` pixels."""
    name = "losscape.svg" if size is None else f"losscape-{size}.png"
    return resources.files("losscape_lab.resources").joinpath("icons", name)


def reset():
    """Forget every remembered setting; returns the settings file's path and how many were there."""
    s = settings()
    n = len(s.allKeys())
    s.clear()
    s.sync()
    return s.fileName(), n


def _threading_layer():
    """The layer numba's parallel kernels will run on, found as numba's first parallel call finds it
    (starting its threads, without compiling anything)."""
    import numba

    try:
        from numba.np.ufunc import parallel

        parallel._launch_threads()
        return f"{numba.threading_layer()}, {numba.config.NUMBA_NUM_THREADS} threads"
    except Exception as e:  # no thread-safe layer (no OpenMP or TBB library): say so
        return f"none ({str(e).splitlines()[0] if str(e) else type(e).__name__})"


def _qt_platform():
    """The platform plugin Qt would choose here, guessed as Qt guesses it (no window is opened)."""
    chosen = os.environ.get("QT_QPA_PLATFORM")
    if chosen:
        return f"{chosen} (QT_QPA_PLATFORM)"
    if sys.platform == "darwin":
        return "cocoa"
    if sys.platform == "win32":
        return "windows"
    if os.environ.get("WAYLAND_DISPLAY"):
        return "wayland (WAYLAND_DISPLAY)"
    if os.environ.get("DISPLAY"):
        return "xcb (DISPLAY)"
    return "none: no display (DISPLAY and WAYLAND_DISPLAY are unset; --screenshot and export still work)"


def info():
    """`losscape --info`: what a bug report needs, one fact a line."""
    import numpy
    import pyqtgraph
    from PyQt6 import QtCore

    import numba

    import losscape_lab
    from losscape_lab import kernels  # sets NUMBA_CACHE_DIR when its own folder is not writable

    cache = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(os.path.dirname(kernels.__file__), "__pycache__")
    rows = [("losscape", f"{losscape_lab.__version__} (distribution losscape-lab) in "
                         f"{os.path.dirname(losscape_lab.__file__)}"),
            ("Python", f"{platform.python_version()} ({sys.executable})"),
            ("system", f"{platform.system()} {platform.release()} {platform.machine()}"),
            ("numpy", numpy.__version__),
            ("numba", numba.__version__),
            ("threading layer", _threading_layer()),
            ("Qt", f"{QtCore.qVersion()} (PyQt6 {QtCore.PYQT_VERSION_STR}, pyqtgraph {pyqtgraph.__version__})"),
            ("Qt platform", _qt_platform()),
            ("settings file", settings().fileName()),
            ("numba cache", cache),
            ("log file", log_path())]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k + ':':<{width + 1}} {v}" for k, v in rows)


# ------------------------------------------------------------------------------------- desktop entry
def data_home():
    """$XDG_DATA_HOME, or ~/.local/share (the freedesktop base directory specification)."""
    path = os.environ.get("XDG_DATA_HOME", "")
    return path if os.path.isabs(path) else os.path.join(os.path.expanduser("~"), ".local", "share")


def desktop_files(base=None):
    """Every file --install-desktop writes, as (path, resource or text); the entry first."""
    base = base or data_home()
    icons = os.path.join(base, "icons", "hicolor")
    files = [(os.path.join(base, "applications", f"{DESKTOP_ID}.desktop"), None),
             (os.path.join(icons, "scalable", "apps", f"{DESKTOP_ID}.svg"), icon_file())]
    files += [(os.path.join(icons, f"{n}x{n}", "apps", f"{DESKTOP_ID}.png"), icon_file(n)) for n in ICON_SIZES]
    return files


def command():
    """How a desktop starts this install: its `losscape` script beside this Python (venv, pipx), else
    this Python with -m."""
    script = os.path.join(os.path.dirname(sys.executable), "losscape")
    if os.path.isfile(script) and os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "losscape_lab"]


def exec_line(argv):
    """The Exec key's value: each argument quoted as the Desktop Entry specification says (reserved
    characters inside double quotes; backslash, quote, backquote and dollar escaped), then escaped once
    more as a desktop file's string value, with % doubled (field codes)."""
    def quote(arg):
        if arg and not any(c in arg for c in " \t\n\r\"'\\><~|&;$*?#()`="):
            return arg
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    line = " ".join(quote(a) for a in argv).replace("\\", "\\\\").replace("%", "%%")
    return line.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")  # the string escapes


def desktop_entry(argv=None):
    from losscape_lab import __version__

    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Losscape",
        "GenericName=Loss landscape viewer",
        "GenericName[ko]=손실 지형 보기",
        "Comment=See a linear classifier learn: loss landscapes and SGD, live",
        "Comment[ko]=선형 분류기가 배우는 모습: 손실 지형과 SGD를 실시간으로",
        f"Exec={exec_line(argv or command())}",
        f"Icon={DESKTOP_ID}",
        "Terminal=false",
        "Categories=Education;ComputerScience;",
        "Keywords=machine learning;loss landscape;SVM;softmax;gradient descent;SGD;",
        f"StartupWMClass={APPLICATION}",
        f"X-Losscape-Version={__version__}",
        ""])


def install_desktop(base=None):
    """Write the entry and its icons (each file whole: written beside, then renamed). Returns the entry's
    path."""
    from .files import write_atomically

    files = desktop_files(base)
    for path, source in files:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = desktop_entry().encode() if source is None else source.read_bytes()
        write_atomically(path, data)
    return files[0][0]


def uninstall_desktop(base=None):
    """Remove what install_desktop wrote; returns the paths removed (the folders stay: other programs
    share them)."""
    removed = []
    for path, _ in desktop_files(base):
        if os.path.lexists(path):
            os.remove(path)
            removed.append(path)
    return removed

