"""The dashboard (数据看板), the hot spots page (未诉先办) and the weekly report (调度会).

The dashboard: charts of the KPIs, each with its table and Excel.

Staff only (street admin, community admin, grid worker, branch secretary):
the place switcher offers the places in their scope; any other place, and
anyone else, gets 404.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from gridgov.cases.models import Category
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.insights.actions import may_open_proactive, open_proactive_case
from gridgov.insights.dashboard import (
    Table,
    all_tables,
    grid_rows,
    grid_shading,
    grids_in,
    places_to_switch,
    table_named,
)
from gridgov.insights.figures import NotFound, period, place_for
from gridgov.insights.hotspots import DAYS as HOT_DAYS
from gridgov.insights.hotspots import MIN_CASES, RADIUS_M, SHOWN, hot_spots, rising_categories
from gridgov.insights.models import WeeklyReport
from gridgov.insights.report import (
    build_report,
    count_labels,
    last_week,
    ranking_columns,
    rate_labels,
    week_of,
)
from gridgov.insights.report_files import NoChineseFont, pdf, title_of, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CHARTS = {"daily", "category", "grid"}


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _setting(request: HttpRequest) -> tuple[Any, datetime.date, datetime.date, list[str]]:
    """The place and period asked for; bad dates fall back to this month, with a note."""
    try:
        place = place_for(request.user, request.GET.get("place") or None)
    except NotFound:
        raise Http404 from None
    notes = []
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if (request.GET.get("from") and start is None) or (request.GET.get("to") and end is None):
        notes.append(_("A date was not understood (use YYYY-MM-DD): showing this month."))
        start = end = None
    try:
        start, end = period(start, end)
    except ActionError as error:
        notes.append(str(error.message))
        start, end = period(None, None)
    return place, start, end, notes


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    place, start, end, notes = _setting(request)
    grids = grid_rows(place, start, end)
    tables = all_tables(place, start, end, grids)
    charts = {name: {"columns": t.columns, "rows": t.rows} for name, t in tables.items()}
    context = {
        "place": place,
        "places": places_to_switch(request.user),
        "start": start,
        "end": end,
        "last_day": end - datetime.timedelta(days=1),
        "notes": notes,
        "tables": tables,
        "red_black": [tables[n] for n in tables if n.startswith("red_black_")],
        "chart_data": charts,
        "chart_names": sorted(CHARTS),
        "shading": grid_shading(place, grids),
        "grid_ids": grids_in(place),
        "tile_url": settings.GRIDGOV_TILE_URL,
        "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
    }
    return render(request, "insights/dashboard.html", context)


def workbook_of(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.title[:31]
    sheet.append(table.columns)
    for row in table.rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@login_required
@require_GET
def export(request: HttpRequest, name: str) -> HttpResponse:
    """One table of the dashboard as an Excel file, for the same place and period."""
    place, start, end, _notes = _setting(request)
    table = table_named(place, start, end, name)
    if table is None:
        raise Http404
    response = HttpResponse(workbook_of(table), content_type=XLSX)
    filename = f"{place.code}-{name}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def hotspots(request: HttpRequest) -> HttpResponse:
    """未诉先办: clusters of recent cases on a map, and categories rising year on year."""
    place, _start, _end, notes = _setting(request)
    spots = hot_spots(place)
    names = dict(Category.objects.values_list("code", "name"))
    context = {
        "place": place,
        "places": places_to_switch(request.user),
        "notes": notes,
        "spots": spots,
        "days": HOT_DAYS,
        "least": MIN_CASES,
        "metres": int(RADIUS_M),
        "shown": SHOWN,
        "rising": [(names.get(r.label, r.label), r) for r in rising_categories(place)],
        "may_open": may_open_proactive(request.user, place),
        "map_spots": [
            {
                "key": s.key,
                "lat": s.cluster.centre[0],
                "lng": s.cluster.centre[1],
                "count": len(s.cluster.reports),
                "label": s.category.name,
                "radius": max(30, round(s.cluster.spread_m)),
            }
            for s in spots
        ],
        "tile_url": settings.GRIDGOV_TILE_URL,
        "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
    }
    return render(request, "insights/hotspots.html", context)


@login_required
@require_POST
def open_hotspot(request: HttpRequest) -> HttpResponse:
    """A supervisor turns a hot spot into a proactive case, then sees that case."""
    try:
        place = place_for(request.user, request.POST.get("place") or None)
    except NotFound:
        raise Http404 from None
    try:
        case = open_proactive_case(actor=request.user, place=place, key=request.POST.get("key", ""))
    except NotPermitted:
        raise Http404 from None
    except ActionError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('insights-hotspots')}?place={place.code}")
    messages.success(request, _("Proactive case %(number)s opened.") % {"number": case.number})
    return redirect("case-detail", case.pk)


def _report(request: HttpRequest) -> tuple[Any, dict[str, Any], bool]:
    """The report asked for: the published snapshot when there is one, else built now."""
    try:
        place = place_for(request.user, request.GET.get("place") or None)
    except NotFound:
        raise Http404 from None
    week = _date(request.GET.get("week")) or last_week()
    stored = WeeklyReport.objects.filter(place_code=place.code, week=week_of(week)).first()
    if stored is not None:
        return place, stored.data, True
    return place, build_report(place, week), False


@login_required
@require_GET
def weekly_report(request: HttpRequest) -> HttpResponse:
    place, data, published = _report(request)
    week = datetime.date.fromisoformat(data["week"])
    context = {
        "place": place,
        "places": places_to_switch(request.user),
        "data": data,
        "published": published,
        "title": title_of(data),
        "counts": [(label, data["counts"][key]) for key, label in count_labels()],
        "rates": [(label, data["rates"][key]) for key, label in rate_labels()],
        "ranking_columns": ranking_columns(),
        "previous": (week - datetime.timedelta(days=7)).isoformat(),
        "next": (week + datetime.timedelta(days=7)).isoformat(),
    }
    return render(request, "insights/report.html", context)


@login_required
@require_GET
def weekly_report_file(request: HttpRequest, kind: str) -> HttpResponse:
    place, data, _published = _report(request)
    name = f"{place.code}-{data['week']}"
    if kind == "xlsx":
        response = HttpResponse(workbook(data), content_type=XLSX)
    else:
        try:
            response = HttpResponse(pdf(data), content_type="application/pdf")
        except NoChineseFont:
            message = _(
                "The PDF needs a Chinese font on the server: install fonts-noto-cjk or set "
                "GRIDGOV_PDF_FONT. The page and the Excel file work without it."
            )
            return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response
