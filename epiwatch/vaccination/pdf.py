"""The door-to-door lists as a printable PDF (A4 landscape), with reportlab and the DejaVu Sans font shipped in
`fonts/` (every Vietnamese letter; the PDF standard fonts have none of them). Labels are in the active language."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from epiwatch.vaccination import unvaccinated

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "EpiwatchSans", "EpiwatchSans-Bold"
PAGE_WIDTH_MM = 269  # A4 landscape less the margins


# Debian's fonts-dejavu-core: where the same font is found when the package's copy is missing
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _font(name: str) -> str:
    for folder in (FONTS, SYSTEM_FONTS):
        if (folder / name).is_file():
            return str(folder / name)
    raise FileNotFoundError(f"{name}: not in {FONTS} nor {SYSTEM_FONTS} (install fonts-dejavu-core)")


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, _font("DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, _font("DejaVuSansCondensed-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18, spaceAfter=2 * mm),
        "meta": ParagraphStyle("meta", fontName=REGULAR, fontSize=9, leading=12, textColor=colors.grey),
        "section": ParagraphStyle("section", fontName=BOLD, fontSize=12, leading=15, spaceBefore=4 * mm),
        "list": ParagraphStyle(
            "list", fontName=BOLD, fontSize=10, leading=13, spaceBefore=2 * mm, spaceAfter=1 * mm
        ),
        "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=8, leading=10),
        "head": ParagraphStyle("head", fontName=BOLD, fontSize=8, leading=10),
    }


def _table(entries: list[unvaccinated.Entry], with_reason: bool, styles) -> Table:
    cell, head = styles["cell"], styles["head"]
    header = [
        _("No."),
        _("Full name"),
        _("Born"),
        _("Age"),
        _("Sex"),
        _("Phone"),
        _("Address"),
        _("Comorbidities"),
        _("Priority"),
    ]
    widths = [10, 40, 21, 10, 13, 22, 48, 28, 26]
    if with_reason:
        header.append(_("Reason"))
        widths.append(32)
    header.append(_("Team notes"))
    widths.append(0)
    used = sum(widths)
    widths[-1] = max(18, PAGE_WIDTH_MM - used)
    rows = [[Paragraph(escape(str(h)), head) for h in header]]
    for number, e in enumerate(entries, start=1):
        p = e.person
        values = [
            str(number),
            p.full_name,
            p.birth_display(),
            "" if e.age is None else str(e.age),
            p.get_sex_display() if p.sex != "U" else "",
            p.phone,
            p.address,
            ", ".join(p.comorbidities or []),
            str(e.priority_label),
        ]
        if with_reason:
            values.append(e.reason)
        values.append("")
        rows.append([Paragraph(escape(v), cell) for v in values])
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render(area, day: dt.date, sections: list[unvaccinated.Section], generated_by: str = "") -> bytes:
    """The PDF of the lists: one part per village, each with its "not yet" and "cannot" tables."""
    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    title = _("People not vaccinated: %(area)s") % {"area": area.name}
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="epiwatch",
    )
    meta = _("List of %(day)s. Order: 65+ with comorbidities, 65+, adults with comorbidities, others.") % {
        "day": day.strftime("%d/%m/%Y")
    }
    if generated_by:
        meta += " " + _("Printed by %(who)s.") % {"who": generated_by}
    story = [Paragraph(escape(title), styles["title"]), Paragraph(escape(meta), styles["meta"])]
    if not sections:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(escape(_("Nobody to list.")), styles["cell"]))
    for index, section in enumerate(sections):
        if index:
            story.append(PageBreak())  # one village per sheet: each team takes its own pages
        story.append(Paragraph(escape(section.title), styles["section"]))
        for entries, label, with_reason in (
            (section.not_yet, unvaccinated.LIST_LABELS[unvaccinated.NOT_YET], True),
            (section.cannot, unvaccinated.LIST_LABELS[unvaccinated.CANNOT], True),
        ):
            heading = Paragraph(escape(f"{label} ({len(entries)})"), styles["list"])
            if entries:
                story.append(KeepTogether([heading]))
                story.append(_table(entries, with_reason, styles))
            else:
                story.append(heading)
    document.build(story)
    return buffer.getvalue()
