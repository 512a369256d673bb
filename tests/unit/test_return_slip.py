"""The return slip is a valid PDF (read back with pypdf, strict) whose text, Polish letters included,
comes out as text: fonts embedded as subsets with a ToUnicode map."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from zwrotnica.documents import return_slip

POLISH = "ą ć ę ł ń ó ś ź ż Ą Ć Ę Ł Ń Ó Ś Ź Ż"
A4_POINTS = (595.28, 841.89)  # 210 x 297 mm


def slip(**changes) -> bytes:
    fields = {
        "rma": "ZW-2026-000123",
        "order_number": "1001",
        "return_address": "Sklep Zażółć, ul. Magazynowa 5\n30-001 Kraków",
        "items": [(f"Kubek {POLISH}", 2), ("Koszulka", 1)],
        "shop_name": "Sklep Zażółć",
    } | changes
    return return_slip.render(**fields)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf), strict=True)


def text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_slip_is_one_a4_page_with_every_line_of_text():
    reader = read(slip())
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.01)
    assert reader.metadata.title == "Karta zwrotu ZW-2026-000123"
    assert reader.metadata.creator == "Sklep Zażółć"
    lines = text(reader).splitlines()
    for expected in (
        "Karta zwrotu ZW-2026-000123",
        "Zamówienie nr 1001",
        "Adres do zwrotu",
        "Sklep Zażółć, ul. Magazynowa 5",
        "30-001 Kraków",
        "Zawartość paczki",
        f"• Kubek {POLISH} × 2",
        "• Koszulka × 1",
    ):
        assert expected in lines
    assert "Wydrukuj tę kartę zwrotu i włóż ją do paczki" in text(reader)
    assert "lub automacie paczkowym." in text(reader)


def test_polish_letters_are_text_in_embedded_fonts():
    reader = read(slip())
    assert all(letter in text(reader) for letter in POLISH.split())
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert len(fonts) == 2  # DejaVu Sans and DejaVu Sans Bold
    for font in (f.get_object() for f in fonts.values()):
        assert (font["/Subtype"], font["/Encoding"]) == ("/Type0", "/Identity-H")
        assert "/ToUnicode" in font
        descendant = font["/DescendantFonts"][0].get_object()
        embedded = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        assert embedded[:4] == b"\x00\x01\x00\x00"  # a TrueType font program
        # a subset: the full DejaVu Sans is 740 KB
        assert len(embedded) < 100_000 and font["/BaseFont"][7] == "+"


def test_decomposed_letters_are_composed_and_missing_glyphs_become_a_question_mark():
    decomposed = "Z\u0307o\u0301łw"  # Ż and ó as a letter plus a combining accent; DejaVu has no 漢
    reader = read(slip(items=[(decomposed, 1), ("Kubek \u6f22", 1)]))
    assert "• Żółw × 1" in text(reader)
    assert "• Kubek ? × 1" in text(reader)


def test_long_names_wrap_and_many_items_continue_on_a_second_page():
    long_name = "Bardzo długa nazwa produktu z zażółconym opisem " * 4
    unbroken = "Ł" * 200
    items = [(f"Produkt {i}", i) for i in range(1, 61)] + [(long_name.strip(), 1), (unbroken, 1)]
    reader = read(slip(items=items))
    assert len(reader.pages) >= 2
    words = text(reader).split()
    for i in range(1, 61):
        assert f"Produkt {i} × {i}" in text(reader)
    assert words.count("zażółconym") == 4
    assert sum(w.count("Ł") for w in words) == 200
