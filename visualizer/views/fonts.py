"""Hangul on every machine: the system's Korean font if it has one, else the bundled one (a subset of
NanumGothic, resources/fonts, OFL 1.1), put behind the interface font so Korean text never shows boxes."""

from importlib import resources

from PyQt6 import QtGui, QtWidgets

BUNDLED = ("LosscapeHangul-Regular.ttf", "LosscapeHangul-Bold.ttf")  # bold: titles and questions


def hangul_family():
    """A font family that draws Hangul (loading the bundled one when the system has none); None if even
    that fails. Needs a QGuiApplication."""
    db = QtGui.QFontDatabase
    families = db.families(db.WritingSystem.Korean)
    if families:
        return families[0]
    families = []
    for name in BUNDLED:
        with resources.as_file(resources.files("losscape_lab.resources") / "fonts" / name) as path:
            fid = db.addApplicationFont(str(path))
        families += db.applicationFontFamilies(fid) if fid >= 0 else []
    return families[0] if families else None


def use_hangul():
    """Make the interface font fall back to a Hangul font for the characters it lacks."""
    family = hangul_family()
    if family:
        base = QtWidgets.QApplication.font().family()
        QtGui.QFont.insertSubstitution(base, family)
    return family
