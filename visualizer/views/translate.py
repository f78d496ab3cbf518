"""Put every fixed text of a widget tree into the current language, and back.

The views are written with English texts, as Qt code usually is; retranslate(window) walks the widgets,
menus and actions and replaces each catalogued text (labels, buttons, group titles, tabs, combo items,
tool tips, menus) with its translation. The English source is kept on the object, so switching back
and forth is exact. Texts the code writes as it runs (titles, status, numbers) are not catalogued as
they stand: the code writes those through tr() and the controller writes them again on a switch.
"""

from PyQt6 import QtCore, QtGui, QtWidgets

from ..i18n import english_of, language, tr


def _swap(obj, key, shown):
    """The translation of the text `shown` under `key` (a property of obj), or None to leave it."""
    source = obj.property("en:" + key)
    if source is None or shown != obj.property("tr:" + key):
        source = english_of(shown) if shown else None  # new text, or written by the code since
    if source is None:
        return None
    text = tr(source)
    obj.setProperty("en:" + key, source)
    obj.setProperty("tr:" + key, text)
    return text


def _texts(obj):
    """(key, getter, setter) of each text of obj."""
    out = [("tip", obj.toolTip, obj.setToolTip)]
    if isinstance(obj, (QtWidgets.QLabel, QtWidgets.QAbstractButton)):
        out.append(("text", obj.text, obj.setText))
    if isinstance(obj, QtWidgets.QGroupBox):
        out.append(("title", obj.title, obj.setTitle))
    if isinstance(obj, QtWidgets.QMenu):
        out.append(("title", obj.title, obj.setTitle))
    if isinstance(obj, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
        out.append(("prefix", obj.prefix, obj.setPrefix))
    if isinstance(obj, QtWidgets.QTabWidget):
        for i in range(obj.count()):
            out.append((f"tab{i}", lambda i=i: obj.tabText(i), lambda t, i=i: obj.setTabText(i, t)))
            out.append((f"tabtip{i}", lambda i=i: obj.tabToolTip(i), lambda t, i=i: obj.setTabToolTip(i, t)))
    if isinstance(obj, QtWidgets.QComboBox):
        for i in range(obj.count()):
            out.append((f"item{i}", lambda i=i: obj.itemText(i), lambda t, i=i: obj.setItemText(i, t)))
    return out


def use_qt_translations():
    """Qt's own texts (a message box's OK, a file dialog, a text box's menu) in the current language,
    from the translations PyQt6 ships."""
    app = QtWidgets.QApplication.instance()
    old = getattr(app, "_losscape_qt_translator", None)
    if old is not None:
        app.removeTranslator(old)
        app._losscape_qt_translator = None
    if language() != "en":
        translator = QtCore.QTranslator(app)
        where = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{language()}", where):
            app.installTranslator(translator)
            app._losscape_qt_translator = translator


def retranslate(root):
    """Every fixed text under `root` (a widget, with its menus and actions) in the current language."""
    objects = [root, *root.findChildren(QtWidgets.QWidget), *root.findChildren(QtGui.QAction)]
    for obj in objects:
        items = _texts(obj) if isinstance(obj, QtWidgets.QWidget) else \
            [("text", obj.text, obj.setText), ("tip", obj.toolTip, obj.setToolTip)]
        for key, get, put in items:
            text = _swap(obj, key, get())
            if text is not None and text != get():
                put(text)
