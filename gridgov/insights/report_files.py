"""The weekly report as files: an Excel workbook, and a PDF with an embedded Chinese font.

fpdf2 embeds the subset of the font the report uses, so the PDF reads the
same on any machine. The font comes from the system (``fonts-noto-cjk`` on
Debian) or ``GRIDGOV_PDF_FONT``; the product ships none (a CJK font is 20 MB).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.insights.report import count_labels, ranking_columns, rate_labels

# (path, index in a font collection): Noto Sans CJK's collection holds SC third.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)


class NoChineseFont(Exception):
    """No font with Chinese glyphs was found for the PDF."""


def chinese_font() -> tuple[str, int]:
    configured = settings.GRIDGOV_PDF_FONT
    if configured:
        if not Path(configured).is_file():
            raise NoChineseFont(configured)
        return configured, settings.GRIDGOV_PDF_FONT_INDEX
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise NoChineseFont("")


def title_of(data: dict[str, Any]) -> str:
    return _("Dispatch meeting report: %(place)s, week of %(start)s to %(end)s") % {
        "place": data["place"]["name"],
        "start": data["week"],
        "end": data["week_end"],
    }


def workbook(data: dict[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    summary.append([title_of(data)])
    summary.append([])
    for key, label in count_labels():
        summary.append([label, data["counts"][key]])
    summary.append([])
    for key, label in rate_labels():
        summary.append([label, data["rates"][key]])
    hard = book.create_sheet(_("Hard cases")[:31])
    hard.append(
        [
            _("Number"),
            _("Category"),
            _("Lead unit"),
            _("Status"),
            _("Submitted"),
            _("Resolution due"),
            _("Description"),
        ]
    )
    for case in data["hard_cases"]:
        hard.append(
            [
                case["number"],
                case["category"],
                case["lead"],
                case["status"],
                case["submitted"],
                case["due"],
                case["description"],
            ]
        )
    timeline = book.create_sheet(_("Timelines")[:31])
    timeline.append([_("Number"), _("Time"), _("Step"), _("Unit"), _("Note")])
    for case in data["hard_cases"]:
        for row in case["timeline"]:
            timeline.append([case["number"], *row])
    topics = book.create_sheet(_("Categories and hot spots")[:31])
    topics.append([_("Category"), _("New cases")])
    for row in data["top_categories"]:
        topics.append(row)
    topics.append([])
    topics.append([_("Hot spot"), _("Cases"), _("From"), _("To")])
    for spot in data["hot_spots"]:
        topics.append([spot["category"], spot["count"], spot["first"], spot["last"]])
    ranks = book.create_sheet(_("Rankings")[:31])
    ranks.append(ranking_columns())
    for row in data["rankings"]:
        ranks.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(data: dict[str, Any]) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, index = chinese_font()
    document = FPDF(orientation="portrait", format="A4")
    document.add_font("cjk", fname=path, collection_font_number=index)
    document.set_auto_page_break(auto=True, margin=15)
    document.add_page()
    document.set_font("cjk", size=15)
    document.multi_cell(0, 9, title_of(data), new_x="LMARGIN", new_y="NEXT")
    document.set_font("cjk", size=9)
    document.cell(0, 6, _("Made %(at)s") % {"at": data["made_at"]}, new_x="LMARGIN", new_y="NEXT")
    heading = FontFace(emphasis=None, fill_color=(238, 238, 238))

    def section(title: str) -> None:
        document.ln(3)
        document.set_font("cjk", size=12)
        document.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        document.set_font("cjk", size=9)

    def table(rows: list[list[Any]], widths: tuple[int, ...] | None = None) -> None:
        # Left-aligned: justified Chinese text with a date in it spreads into gaps.
        with document.table(
            col_widths=widths, headings_style=heading, line_height=6, text_align="LEFT"
        ) as grid:
            for values in rows:
                line = grid.row()
                for value in values:
                    line.cell(str(value))

    section(_("The week in figures"))
    table(
        [
            [label for _k, label in count_labels()],
            [str(data["counts"][k]) for k, _l in count_labels()],
        ]
    )
    document.ln(2)
    table([[label for _k, label in rate_labels()], [data["rates"][k] for k, _l in rate_labels()]])
    section(_("Hard cases to discuss"))
    if data["hard_cases"]:
        for case in data["hard_cases"]:
            document.set_font("cjk", size=10)
            document.multi_cell(
                0,
                6,
                f"{case['number']} · {case['category']} · {case['lead']} · {case['status']} · "
                + _("due %(due)s") % {"due": case["due"] or "—"},
                new_x="LMARGIN",
                new_y="NEXT",
            )
            document.set_font("cjk", size=9)
            document.multi_cell(0, 5, case["description"], new_x="LMARGIN", new_y="NEXT")
            table(
                [[_("Time"), _("Step"), _("Unit"), _("Note")], *case["timeline"]], (22, 45, 45, 78)
            )
            document.ln(2)
    else:
        document.cell(0, 6, _("None this week."), new_x="LMARGIN", new_y="NEXT")
    section(_("Top categories"))
    table([[_("Category"), _("New cases")], *data["top_categories"]], (120, 70))
    section(_("Hot spots"))
    if data["hot_spots"]:
        table(
            [
                [_("Hot spot"), _("Cases"), _("From"), _("To")],
                *[[s["category"], s["count"], s["first"], s["last"]] for s in data["hot_spots"]],
            ]
        )
    else:
        document.cell(0, 6, _("None this week."), new_x="LMARGIN", new_y="NEXT")
    section(_("Rankings (red and black list), from %(start)s") % {"start": data["ranking_from"]})
    table([ranking_columns(), *data["rankings"]], (14, 70, 22, 28, 28, 28))
    return bytes(document.output())
