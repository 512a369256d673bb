"""A printable return slip (A4 PDF): RMA number, the shop's return address, what is inside, a QR code.

Used when no carrier account makes a real label. DejaVu Sans carries the Polish letters (the PDF core
fonts are Latin-1 only and would lose ą, ę, ł, ...).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from importlib import resources

import segno
from fpdf import FPDF

FONTS = resources.files("zwrotnica.assets").joinpath("fonts")


def render(
    *, rma: str, order_number: str, return_address: str, items: Sequence[tuple[str, int]], shop_name: str
) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Karta zwrotu {rma}")
    pdf.set_creator(shop_name)
    with (
        resources.as_file(FONTS / "DejaVuSans.ttf") as regular,
        resources.as_file(FONTS / "DejaVuSans-Bold.ttf") as bold,
    ):
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(0, 12, f"Karta zwrotu {rma}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 8, f"Zamówienie nr {order_number}", new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(rma, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=150, y=10, w=45)
    pdf.ln(10)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, "Adres do zwrotu", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(0, 7, return_address, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, "Zawartość paczki", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    for name, qty in items:
        pdf.multi_cell(0, 7, f"• {name} × {qty}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(
        0,
        6,
        f"Wydrukuj tę kartę zwrotu i włóż ją do paczki. Na kartonie napisz numer zwrotu ({rma}) "
        "i wyślij paczkę na adres podany wyżej, jako zwykłą przesyłkę w dowolnym punkcie nadania "
        "lub automacie paczkowym.",
    )
    return bytes(pdf.output())
