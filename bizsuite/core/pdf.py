"""PDFs bizsuite writes (customer statements, payslips): one place that makes the document and
finds a font that can write every name in it.

fpdf2 (a well-kept pure-Python PDF library) does the writing. Its built-in Helvetica has only
Latin-1, so Chinese names need a TrueType/OpenType font: the one ``BIZSUITE_PDF_FONT`` names,
else the first CJK font found in the usual places of Debian, Fedora, macOS and Windows
(Debian's ``fonts-noto-cjk`` gives Noto Sans CJK). The font is embedded, subset to the glyphs
used, so the PDF opens the same on any machine. Without one, text outside Latin-1 is refused
with how to fix it, instead of a PDF of question marks.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from bizsuite.core.errors import Refused

# (file pattern, the collection's face to use: Noto Sans CJK's .ttc holds JP, KR, SC, TC, HK — SC is 2)
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/**/NotoSansCJK*-Regular.ttc", 2),
    ("/usr/share/fonts/**/NotoSansSC-Regular.otf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)


@dataclass(frozen=True)
class Font:
    path: Path | None  # None: the PDF's own Helvetica
    face: int = 0

    @property
    def unicode(self) -> bool:
        return self.path is not None


def find_font() -> Font:
    from bizsuite.core.settings import current

    named = current().pdf_font
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise Refused(f"BIZSUITE_PDF_FONT: no font file {named!r}")
        return Font(path, 2 if path.name.startswith("NotoSansCJK") and path.suffix == ".ttc" else 0)
    for pattern, face in CANDIDATES:
        hits = sorted(glob.glob(pattern, recursive=True)) if "*" in pattern else ([pattern] if os.path.isfile(pattern) else [])
        if hits:
            return Font(Path(hits[0]), face)
    return Font(None)


def latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def document(title: str, *, texts: list[str] = ()):
    """A new A4 PDF (fpdf2's FPDF) with a font that can write every one of ``texts``: the font
    family is ``"body"`` (regular and bold). Refused when a text needs a font the machine lacks."""
    from fpdf import FPDF

    font = find_font()
    if not font.unicode:
        bad = next((t for t in texts if not latin1(t)), None)
        if bad is not None:
            raise Refused(f"{bad!r} needs a font with its characters and none was found: install one "
                          "(Debian: apt install fonts-noto-cjk) or name a .ttf/.otf/.ttc in BIZSUITE_PDF_FONT")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("bizsuite")
    pdf.set_auto_page_break(auto=True, margin=15)
    if font.unicode:
        bold = font.path.with_name(font.path.name.replace("Regular", "Bold"))
        pdf.add_font("body", "", str(font.path), collection_font_number=font.face)
        pdf.add_font("body", "B", str(bold if bold.is_file() and bold != font.path else font.path),
                     collection_font_number=font.face)
    pdf.body_family = "body" if font.unicode else "helvetica"  # Helvetica is built in
    return pdf
