"""Build resources/fonts/LosscapeHangul-{Regular,Bold}.ttf: NanumGothic (OFL 1.1, NAVER) cut down to the
2,350 Hangul syllables of KS X 1001, every syllable the catalogues use, and the compatibility jamo
(0.7 MB instead of 4.7 MB), renamed as the OFL asks of a modified font.

A developer's tool, not run by setup or the tests:
    apt-get download fonts-nanum && dpkg-deb -x fonts-nanum_*.deb nanum
    pip install fonttools && python scripts/make_hangul_font.py nanum
"""
import glob
import sys
import tomllib

from fontTools import subset
from fontTools.ttLib import TTFont
# KS X 1001's 2,350 Hangul syllables: every syllable in EUC-KR rows 0xB0-0xC8
ks = set()
for hi in range(0xB0, 0xC9):
    for lo in range(0xA1, 0xFF):
        try:
            ks.add(bytes([hi, lo]).decode("euc-kr"))
        except UnicodeDecodeError:
            pass
ks = {c for c in ks if "\uac00" <= c <= "\ud7a3"}
used = set()
for f in glob.glob("resources/i18n/*.toml"):
    for e in tomllib.load(open(f, "rb"))["text"]:
        used |= set(e["ko"])
extra = {c for c in used if "\uac00" <= c <= "\ud7a3"} - ks
print(len(ks), "KS X 1001 syllables;", len(extra), "used outside it:", "".join(sorted(extra)))
chars = ks | extra | {chr(c) for c in range(0x3131, 0x318F)}  # + compatibility jamo
text = "".join(sorted(chars))
for src, dst in (("NanumGothic.ttf", "resources/fonts/LosscapeHangul-Regular.ttf"),
                 ("NanumGothicBold.ttf", "resources/fonts/LosscapeHangul-Bold.ttf")):
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.layout_features = ["*"]
    opts.hinting = False
    font = TTFont(sys.argv[1] + "/usr/share/fonts/truetype/nanum/" + src)
    s = subset.Subsetter(opts)
    s.populate(text=text)
    s.subset(font)
    bold = "Bold" in src
    style = "Bold" if bold else "Regular"
    for rec in font["name"].names:  # OFL: a modified font must not use the Reserved Font Name
        if rec.nameID in (1, 16):
            rec.string = "Losscape Hangul"
        elif rec.nameID == 4:
            rec.string = f"Losscape Hangul {style}" if bold else "Losscape Hangul"
        elif rec.nameID == 6:
            rec.string = f"LosscapeHangul-{style}"
        elif rec.nameID == 3:
            rec.string = f"Losscape Hangul {style}; subset of NanumGothic 2010 (NAVER)"
        elif rec.nameID == 17:
            rec.string = style
    font.save(dst)
    print(dst)
