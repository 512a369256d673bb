"""Small figures for e-mails and terminals: an inline SVG bar chart (no external images, no library),
an HTML table with inline styles, and a plain-text table whose columns line up in a fixed-width font."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLOURS = ("#2f6db5", "#e08a1e", "#5a9e4b")
LABEL_W, BAR_W, ROW_H, BAR_H = 170, 260, 22, 8


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def bar_chart(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], title: str) -> str:
    """Horizontal bars, one group per row and one bar per series, scaled to the largest value."""
    if not rows:
        return ""
    top = max((v for _, values in rows for v in values), default=0) or 1
    legend_h = ROW_H if len(series) > 1 else 0
    step = max(ROW_H, len(series) * (BAR_H + 3) + 8)
    height = legend_h + len(rows) * step + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + BAR_W + 60}" height="{height}" '
        f'role="img" aria-label="{escape(title, quote=True)}" '
        'style="font-family:Arial,sans-serif;font-size:12px">'
    ]
    if legend_h:
        for i, name in enumerate(series):
            x = LABEL_W + i * 150
            parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 14}" y="13" fill="#333">{escape(name)}</text>')
    for r, (label, values) in enumerate(rows):
        y = legend_h + r * step
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + step / 2 + 4:.1f}" text-anchor="end" fill="#333">')
        parts.append(f"{escape(label[:28])}</text>")
        for i, value in enumerate(values):
            w = max(0.0, BAR_W * value / top)
            by = y + 3 + i * (BAR_H + 3)
            colour = COLOURS[i % len(COLOURS)]
            parts.append(
                f'<rect x="{LABEL_W}" y="{by:.1f}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{LABEL_W + w + 4:.1f}" y="{by + BAR_H:.1f}" fill="#333">{_number(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numbers: bool = True) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the others right-aligned
    (figures) or, with `numbers=False`, left-aligned too (words)."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = [
            str(c).rjust(widths[i]) if i and numbers else str(c).ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A bordered table with inline styles (e-mail clients drop <style>); every cell is escaped."""
    style = 'style="border:1px solid #ccc;padding:3px 6px;text-align:{}"'
    head = "".join(f"<th {style.format('left')}>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td {style.format('left' if i == 0 else 'right')}>{escape(v)}</td>" for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table style="border-collapse:collapse;font-size:13px"><tr>{head}</tr>{body}</table>'
