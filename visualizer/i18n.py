"""English and Korean: the one translation point (Qt-free, so the session, the exports and the window
all speak the language chosen).

The English text in the code and the presets is the key; resources/i18n/<lang>_*.toml hold
[[text]] tables of {en, ko}. tr(text, **fields) gives the text in the current language, formatted;
N_(text) marks a text to be translated later (names in tables built at import time). A text with no
entry stays English; tests/test_i18n.py checks that none is missing and none is stale.
"""

import functools
import re
import tomllib
from importlib import resources

LANGUAGES = {"en": "English", "ko": "한국어"}
_current = "en"


def language():
    return _current


def set_language(code):
    """Switch every later tr() to `code` ('en' or 'ko'); a bad code is a clear error."""
    global _current
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {code!r}")
    _current = code


@functools.cache
def catalogue(code):
    """{English text: translation} of `code`, read once from the bundled files."""
    out = {}
    if code == "en":
        return out
    folder = resources.files("losscape_lab.resources") / "i18n"
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.startswith(code + "_") and f.name.endswith(".toml"):
            for entry in tomllib.loads(f.read_text(encoding="utf-8"))["text"]:
                out[entry["en"]] = entry[code]
    return out


@functools.cache
def _english():
    """{text in any language: its English}, to find the source of a text already shown."""
    out = {}
    for code in LANGUAGES:
        for en, text in catalogue(code).items():
            out.setdefault(text, en)
            out[en] = en
    return out


def english_of(text):
    """The English of a catalogued text shown in any language, or None for text not in the catalogue."""
    return _english().get(text)


def trn(one, many, count, **fields):
    """tr of the singular or the plural English text, as `count` asks ("1 of 3 examples has"); the
    translations may well be the same text (Korean has no plural)."""
    return tr(one if count == 1 else many, **fields)


def N_(text):
    """Mark a text for translation where it is defined; tr() translates it where it is shown."""
    return text


# the names the app gives data that came without them ('class 2', 'example 5', and the bias feature)
_MADE_NAMES = {"class": N_("class {k}"), "example": N_("example {k}")}
_MADE_NAME = re.compile(r"^(class|example) (\d+)$")


def tr_name(name):
    """A class or feature name in the current language: the ones the app makes up ('class 2', 'bias')
    and the lecture's and CIFAR-10's classes ('cat'); any other name from the data as written."""
    m = _MADE_NAME.match(str(name))
    if m:
        return tr(_MADE_NAMES[m.group(1)], k=m.group(2))
    return tr(str(name))


def tr(text, **fields):
    """`text` in the current language, with {name} fields filled in."""
    if _current != "en":
        text = catalogue(_current).get(text, text)
    return text.format(**fields) if fields else text
