"""A printable return slip (A4 PDF): RMA number, the shop's return address, what is inside, a QR code.

Used when no carrier account makes a real label. pydyf writes the PDF objects and uharfbuzz reads the
font (glyph ids, advances) and subsets it: together ~5 MB in the Lambda package, where fpdf2 brought
fontTools and Pillow (53 MB) to every function. What is left here is the layout and how a TrueType font
goes into a PDF (ISO 32000-1 §9.7, §9.10):

- DejaVu Sans carries the Polish letters (the PDF core fonts are Latin-1 only and would lose ą, ę, ł, ...).
  Each face is embedded as a subset of the glyphs used, keeping their glyph ids, as a Type0 font with
  Identity-H encoding: text is written as 2-byte glyph ids, and a ToUnicode map turns them back into
  characters, so the slip's text can be searched and copied.
- Text is not shaped (no kerning or ligatures) and breaks at spaces, as fpdf2 did here.
- The QR code is drawn as filled squares (vector, sharp at any print size).
"""

from __future__ import annotations

import hashlib
import io
import struct
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources

import pydyf
import segno
import uharfbuzz as hb

FONTS = resources.files("zwrotnica.assets").joinpath("fonts")
PT_PER_MM = 72 / 25.4
PAGE_W, PAGE_H, MARGIN, BOTTOM = 210.0, 297.0, 10.0, 20.0  # A4 in mm, as fpdf2 laid it out
PADDING = 1.0  # text starts 1 mm inside the margin
QR_X, QR_Y, QR_W = 150.0, 10.0, 45.0  # the QR code's square, top right
FALLBACK = "?"  # drawn for a character the font does not have


@cache
def _font_file(name: str) -> bytes:
    return FONTS.joinpath(name).read_bytes()


class _Font:
    """One face of one document: glyph ids and widths for layout, the glyphs used for embedding."""

    def __init__(self, key: str, file: str) -> None:
        self.key, self.face = key, hb.Face(hb.Blob(_font_file(file)))
        self.font = hb.Font(self.face)
        self.used: dict[int, str] = {}  # glyph id -> the character it stands for (ToUnicode)

    def glyph(self, char: str) -> int:
        gid = self.font.get_nominal_glyph(ord(char))
        if gid is None:
            char, gid = FALLBACK, self.font.get_nominal_glyph(ord(FALLBACK))
        self.used.setdefault(gid, char)
        return gid

    def width(self, text: str, size: float) -> float:
        """Width of `text` at `size` pt, in mm."""
        units = sum(self.font.get_glyph_h_advance(self.glyph(c)) for c in text)
        return units * size / self.face.upem / PT_PER_MM

    def pdf_objects(self, pdf: pydyf.PDF) -> pydyf.Dictionary:
        """Add the font's objects to `pdf`; return the Type0 font dictionary."""
        subset_input = hb.SubsetInput()
        subset_input.glyph_set.update({0, *self.used})
        subset_input.flags |= hb.SubsetFlags.RETAIN_GIDS  # CID = glyph id: CIDToGIDMap /Identity
        data = hb.subset(self.face, subset_input).blob.data
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(sorted(self.used)).encode()).digest()[:6])
        base = pydyf.name(f"{tag}+{self.face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME)}")
        scale = 1000 / self.face.upem  # PDF glyph space: 1000 units per em
        extents = self.font.get_font_extents("ltr")
        x_min, y_min, x_max, y_max = struct.unpack_from(">4h", self.face.reference_table("head").data, 36)
        cap = self.font.get_glyph_extents(self.glyph("H")).y_bearing
        file = pydyf.Stream([data], {"Length1": len(data)}, compress=True)
        descriptor = pydyf.Dictionary(
            {
                "Type": "/FontDescriptor",
                "FontName": base,
                "Flags": 32,  # nonsymbolic: Latin text
                "FontBBox": pydyf.Array([round(v * scale) for v in (x_min, y_min, x_max, y_max)]),
                "ItalicAngle": 0,
                "Ascent": round(extents.ascender * scale),
                "Descent": round(extents.descender * scale),
                "CapHeight": round(cap * scale),
                "StemV": 80,
            }
        )
        widths = pydyf.Array()
        for gid in sorted(self.used):
            widths += [gid, pydyf.Array([round(self.font.get_glyph_h_advance(gid) * scale)])]
        cid_font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/CIDFontType2",
                "BaseFont": base,
                "CIDSystemInfo": pydyf.Dictionary(
                    {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
                ),
                "W": widths,
                "CIDToGIDMap": "/Identity",
            }
        )
        to_unicode = pydyf.Stream([_to_unicode_cmap(self.used)], compress=True)
        for obj in (file, descriptor, cid_font, to_unicode):
            pdf.add_object(obj)
        descriptor["FontFile2"] = file.reference
        cid_font["FontDescriptor"] = descriptor.reference
        type0 = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type0",
                "BaseFont": base,
                "Encoding": "/Identity-H",
                "DescendantFonts": pydyf.Array([cid_font.reference]),
                "ToUnicode": to_unicode.reference,
            }
        )
        pdf.add_object(type0)
        return type0


def _to_unicode_cmap(used: dict[int, str]) -> bytes:
    """The standard ToUnicode CMap (ISO 32000-1 §9.10.3): each 2-byte glyph id -> its UTF-16BE text."""
    pairs = [f"<{gid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for gid, char in sorted(used.items())]
    blocks = [pairs[i : i + 100] for i in range(0, len(pairs), 100)]  # at most 100 per bfchar block
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
        *[line for block in blocks for line in (f"{len(block)} beginbfchar", *block, "endbfchar")],
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines).encode("ascii")


class _Slip:
    """Pages of text lines top to bottom (a cursor `y` in mm from the top), as fpdf2's cells did."""

    def __init__(self) -> None:
        self.fonts = {"": _Font("F1", "DejaVuSans.ttf"), "B": _Font("F2", "DejaVuSans-Bold.ttf")}
        self.pages: list[pydyf.Stream] = []
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(pydyf.Stream(compress=True))
        self.y = MARGIN

    def line(self, text: str, style: str, size: float, height: float) -> None:
        """One line of text, vertically centred in a row `height` mm high."""
        if self.y + height > PAGE_H - BOTTOM:
            self.new_page()
        font = self.fonts[style]
        glyphs = "".join(f"{font.glyph(c):04X}" for c in text)
        baseline = self.y + height / 2 + 0.3 * size / PT_PER_MM
        page = self.pages[-1]
        page.begin_text()
        page.set_font_size(font.key, size)
        page.set_text_matrix(1, 0, 0, 1, (MARGIN + PADDING) * PT_PER_MM, (PAGE_H - baseline) * PT_PER_MM)
        page.show_text(f"<{glyphs}>")
        page.end_text()
        self.y += height

    def paragraph(self, text: str, style: str, size: float, height: float) -> None:
        """Lines broken at spaces to fit the page (left of the QR code while beside it), and at "\\n"."""
        font = self.fonts[style]
        for source_line in text.split("\n"):
            words, current = source_line.split(" "), ""
            while words:
                width = (QR_X if self.y < QR_Y + QR_W + 2 else PAGE_W - MARGIN) - MARGIN - 2 * PADDING
                candidate = f"{current} {words[0]}" if current else words[0]
                if font.width(candidate, size) <= width:
                    current = candidate
                    words.pop(0)
                elif current:
                    self.line(current, style, size, height)
                    current = ""
                else:  # one word wider than the line: break it where it overflows
                    fits = (
                        i
                        for i in range(len(candidate) - 1, 1, -1)
                        if font.width(candidate[:i], size) <= width
                    )
                    cut = next(fits, 1)
                    self.line(candidate[:cut], style, size, height)
                    words[0] = candidate[cut:]
            self.line(current, style, size, height)

    def qr_code(self, data: str) -> None:
        """A QR code (not a Micro QR, which phone and zbar-based scanners cannot read; error correction M,
        a 2-module quiet zone) as black squares, one per run of dark modules."""
        rows = list(segno.make_qr(data, error="m").matrix_iter(scale=1, border=2))
        module = QR_W / len(rows)
        first = self.pages[0]
        first.push_state()
        first.set_matrix(PT_PER_MM, 0, 0, -PT_PER_MM, 0, PAGE_H * PT_PER_MM)  # mm, from the top left
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                if row[c]:
                    end = next((i for i in range(c, len(row)) if not row[i]), len(row))
                    first.rectangle(QR_X + c * module, QR_Y + r * module, (end - c) * module, module)
                    c = end
                else:
                    c += 1
        first.set_color_rgb(0, 0, 0)
        first.fill()
        first.pop_state()

    def pdf(self, title: str, creator: str) -> bytes:
        pdf = pydyf.PDF()
        pdf.info["Title"] = pydyf.String(title)
        pdf.info["Creator"] = pydyf.String(creator)
        fonts = pydyf.Dictionary({f.key: f.pdf_objects(pdf).reference for f in self.fonts.values() if f.used})
        size = pydyf.Array([0, 0, round(PAGE_W * PT_PER_MM, 2), round(PAGE_H * PT_PER_MM, 2)])
        for content in self.pages:
            pdf.add_object(content)
            page = pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": pdf.pages.reference,
                    "MediaBox": size,
                    "Resources": pydyf.Dictionary({"Font": fonts}),
                    "Contents": content.reference,
                }
            )
            pdf.add_page(page)
        out = io.BytesIO()
        pdf.write(out, compress=True)
        return out.getvalue()


def render(
    *, rma: str, order_number: str, return_address: str, items: Sequence[tuple[str, int]], shop_name: str
) -> bytes:
    def text(value: str) -> str:  # composed letters (a + ogonek -> ą), as the font maps them
        return unicodedata.normalize("NFC", value)

    slip = _Slip()
    slip.line(f"Karta zwrotu {rma}", "B", 22, 12)
    slip.line(text(f"Zamówienie nr {order_number}"), "", 12, 8)
    slip.qr_code(rma)
    slip.y += 10
    slip.line("Adres do zwrotu", "B", 14, 8)
    slip.paragraph(text(return_address), "", 13, 7)
    slip.y += 6
    slip.line("Zawartość paczki", "B", 14, 8)
    for name, qty in items:
        slip.paragraph(text(f"• {name} × {qty}"), "", 12, 7)
    slip.y += 6
    slip.paragraph(
        text(
            f"Wydrukuj tę kartę zwrotu i włóż ją do paczki. Na kartonie napisz numer zwrotu ({rma}) "
            "i wyślij paczkę na adres podany wyżej, jako zwykłą przesyłkę w dowolnym punkcie nadania "
            "lub automacie paczkowym."
        ),
        "",
        12,
        6,
    )
    return slip.pdf(f"Karta zwrotu {rma}", shop_name)
