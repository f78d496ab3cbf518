"""English and Korean: no text missing in either language, none stale, the Korean faithful to the English
(the same fields and numbers), and the window switching live and back exactly."""

import ast
import re
from collections import Counter
import tomllib
from pathlib import Path

import pytest

from losscape_lab.visualizer.i18n import set_language, tr

ROOT = Path(__file__).resolve().parents[1]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# texts that are the same in every language: names of methods, file names of demos, each language's own name
SAME_IN_EVERY_LANGUAGE = {"AdaGrad", "Adam", "RMSProp", "SGD", "GD", "Nesterov", "L1", "L2", "English", "한국어",
                          "Losscape"}


def entries(code="ko"):
    out = []
    for f in sorted((ROOT / "resources" / "i18n").glob(f"{code}_*.toml")):
        out += [{**e, "file": f.name} for e in tomllib.loads(f.read_text(encoding="utf-8"))["text"]]
    return out


def strings_in(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from strings_in(node.body)
        yield from strings_in(node.orelse)


def spec_texts():
    """The names the kernels' specs give each loss and optimizer, in English for the app to translate
    (kernels/ has no i18n), and the rules written in words rather than notation."""
    from losscape_lab import kernels

    out = set()
    for s in kernels.LOSS_SPECS.values():
        out |= {s.title, s.short, s.menu}
    for s in kernels.OPTIMIZER_SPECS.values():
        out |= {s.menu, s.label} | ({s.rule} if re.search(r"[a-z]{4,}", s.rule) else set())
    return out


def source_texts():
    """(texts passed to tr() or N_() and the specs' names, every string constant) in visualizer/ and the
    specs."""
    marked, constants = spec_texts(), spec_texts()
    for path in (ROOT / "visualizer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("tr", "N_") and node.args:
                marked.update(strings_in(node.args[0]))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
    return marked, constants


def preset_texts():
    """Every text of the bundled demos a viewer reads: the lecture, the note, the runs' labels, and what
    a demo outside the lecture shows (its first comment line, its name in the Presets menu)."""
    from losscape_lab.visualizer.session import presets

    out = {about for _, about in presets.preset_items()}
    for path in (ROOT / "resources" / "presets").glob("*.toml"):
        d = tomllib.loads(path.read_text())
        out.update(v for k, v in d.get("lecture", {}).items() if k in ("question", "look", "answer"))
        out.add(d.get("view", {}).get("note", ""))
        out.update(r.get("label", "") for r in [d.get("optimizer", {}), *d.get("run", [])])
        out.update(n for n in d.get("data", {}).get("class_names", []) if not re.match(r"class \d+$", n))
    return out - {""}


def test_every_marked_text_and_every_demo_text_has_korean():
    marked, _ = source_texts()
    have = {e["en"] for e in entries()}
    missing = sorted(t for t in marked | preset_texts() if t not in have and t not in SAME_IN_EVERY_LANGUAGE)
    assert missing == []


def test_no_stale_or_doubled_entries():
    _, constants = source_texts()
    ens = [e["en"] for e in entries()]
    assert sorted(t for t in ens if t not in constants | preset_texts()) == []
    assert len(ens) == len(set(ens))
    # a Korean text shown leads back to one English text (switching back must be exact)
    by_ko = {}
    for e in entries():
        by_ko.setdefault(e["ko"], set()).add(e["en"])
    assert {ko: en for ko, en in by_ko.items() if len(en) > 1} == {}


@pytest.mark.parametrize("e", entries(), ids=lambda e: e["en"][:40])
def test_the_korean_keeps_the_fields_numbers_and_keys(e):
    en, ko = e["en"], e["ko"]
    assert ko.strip()
    assert sorted(re.findall(r"{(\w*)}", en)) == sorted(re.findall(r"{(\w*)}", ko))
    # every number of the English, written the same; the lecture's texts add none either ("zero-score
    # lines" may read "점수가 0인 선")
    assert not Counter(NUMBER.findall(en)) - Counter(NUMBER.findall(ko))
    if e["file"].endswith("_lecture.toml"):
        assert sorted(NUMBER.findall(en)) == sorted(NUMBER.findall(ko))
    if "&" in en and not re.search(r"&\w+;", en):  # a menu's access key, as (&F) in Korean
        assert len(re.findall(r"\(&\w\)", ko)) == 1
    assert en in SAME_IN_EVERY_LANGUAGE or HANGUL.search(ko) or not re.search(r"[A-Za-z]{3,}", en) \
        or ko == en  # proper names and notations stay as written


def test_tr_fills_fields_and_a_bad_language_is_a_clear_error():
    set_language("ko")
    assert tr("step {step} of {last}", step=3, last=10) != "step 3 of 10"
    assert "3" in tr("step {step} of {last}", step=3, last=10)
    assert tr("no such text, {x}", x=1) == "no such text, 1"
    with pytest.raises(ValueError, match="language must be one of en, ko"):
        set_language("fr")
    set_language("en")
    assert tr("step {step} of {last}", step=3, last=10) == "step 3 of 10"


def _shown_texts(window):
    """Every fixed text of the window's widgets and actions."""
    from PyQt6 import QtGui, QtWidgets

    from losscape_lab.visualizer.views.translate import _texts

    out = []
    actions = [a for a in window.findChildren(QtGui.QAction)  # pyqtgraph's own menus are switched off
               if not isinstance(a.parent(), QtWidgets.QGraphicsScene)]
    for obj in [window, *window.findChildren(QtWidgets.QWidget), *actions]:
        items = _texts(obj) if isinstance(obj, QtWidgets.QWidget) else [("text", obj.text, None)]
        out += [(type(obj).__name__, key, get()) for key, get, _ in items if get()]
    return out


def _english_left(texts, demo_names):
    notations = {e["en"] for e in entries() if e["ko"] == e["en"]}  # 'Adam beta1', 'lambda'
    return sorted({t for _, _, t in texts if re.search(r"[A-Za-z]{3,}", t) and not HANGUL.search(t)
                   and t not in SAME_IN_EVERY_LANGUAGE | notations and t not in demo_names})


def test_the_window_speaks_korean_and_switches_back_exactly(app, attach):
    """View > Language, live: every fixed text in Korean (demo file names and method names aside), every
    text the demo writes too (title, status, lecture, axes), and back in English exactly as before."""
    s = attach((ROOT / "resources" / "presets" / "loss-at-init.toml").read_text())
    w = app.window
    w.ensure_surface()
    before = _shown_texts(w)
    land = w.landscape.describe()
    app.set_language("ko")
    texts = _shown_texts(w)
    left = _english_left(texts, set(app.presets))
    assert left == [], left
    ko = w.landscape.describe()
    for key in ("title", "status"):
        assert HANGUL.search(ko[key]), (key, ko[key])
    assert all(HANGUL.search(a) for a in ko["axes"])
    assert HANGUL.search(w.landscape.question.text()) and HANGUL.search(w.landscape.answer.text())
    assert HANGUL.search(w.lecture.text.toPlainText())
    assert HANGUL.search(w.controls.step_label.text()) and HANGUL.search(w.controls.play.text())
    assert [r.label for r in s.runs] == ["힌지 (다중 클래스 SVM)", "소프트맥스"]
    assert w.language_actions["ko"].isChecked()
    app.set_language("en")
    assert _shown_texts(w) == before
    assert w.landscape.describe()["title"] == land["title"] and w.landscape.describe()["axes"] == land["axes"]


def test_the_language_menu_switches_and_the_state_reports_korean(app, attach):
    from losscape_lab.visualizer.state import window_state

    attach((ROOT / "resources" / "presets" / "step-size.toml").read_text())
    app.window.language_actions["ko"].trigger()
    doc = window_state(app.window, app.session)
    assert doc["language"] == "ko"
    assert all(HANGUL.search(doc["lecture"][k]) for k in ("question", "look", "answer"))
    assert doc["lecture"]["position"] == [15, 20]  # the demo is known by its question, in any language
    assert app.window.landscape.position.text() == "질문 15 / 20"
    assert HANGUL.search(doc["title"]) and HANGUL.search(doc["landscape"]["axes"][0])


def test_korean_export_labels_the_figure_in_korean(tmp_path, make):
    """`losscape export --lang ko`: the figure's title, axes and colour bar in Korean."""
    from losscape_lab.visualizer.views.render import FigureCanvas, dispose, offscreen_app

    offscreen_app()
    set_language("ko")
    s = make("[optimizer]\nsteps = 5\n[landscape]\nresolution = 24\nplane = \"random\"")
    req = s.landscape_request()
    s.store_data_grid(req.key, req.compute())
    canvas = FigureCanvas(s, s.landscape(), (600, 450))
    try:
        plot = canvas.figure.plot
        assert HANGUL.search(plot.getAxis("bottom").labelText)
        assert HANGUL.search(canvas.figure.colorbar.getAxis("left").labelText)
    finally:
        dispose(canvas.widget)


def test_korean_has_a_font_that_draws_hangul():
    from PyQt6 import QtGui

    from losscape_lab.visualizer.views.render import offscreen_app
    from losscape_lab.visualizer.views.fonts import hangul_family

    offscreen_app()
    family = hangul_family()
    assert family
    assert QtGui.QFontMetrics(QtGui.QFont(family)).inFontUcs4(ord("손"))


def test_plot_titles_wrap_instead_of_widening_a_narrow_column(app, attach, qtbot):
    """Presenter mode at 1280x720 leaves the data and curves a narrow column: their titles take a second
    line, and the plots keep inside their views (a one-line title once pushed the axes out of sight)."""
    attach()
    w = app.window
    w.resize(1280, 720)
    app.set_language("ko")
    w.set_presenter(True)

    def fits():
        for view in (w.curves, w.data):
            assert view.ci.geometry().width() <= view.width() + 1
    qtbot.waitUntil(fits)
    assert "<br>" in w.curves.loss_plot.titleLabel.text


def test_a_switch_rewrites_texts_only_keeps_the_answer_and_names_runs_anew(app, attach):
    """A language switch sends the worker nothing (a request would supersede a demo or a landscape on
    its way), leaves a shown answer in sight, and the endpoints plane's axes name the runs as they are
    named now, whichever language the plane was made in."""
    set_language("ko")
    s = attach((ROOT / "resources" / "presets" / "loss-at-init.toml").read_text())
    assert s.plane.mode == "endpoints" and "힌지" in s.plane.axis_names[0]
    w = app.window
    w.landscape.toggle_answer()
    assert w.landscape.answer.isVisible()
    sent = []
    real = app.worker.submit
    app.worker.submit = lambda job: sent.append(job) or real(job)
    app.set_language("en")
    assert sent == []
    assert w.landscape.answer.isVisible() and not HANGUL.search(w.landscape.answer.text())
    assert s.plane.axis_names[0] == "start -> end of 'hinge (multiclass SVM)'"
    assert w.landscape.describe()["axes"][0] == s.plane.axis_names[0]
