"""Web pages to import places from a file and to download them (GeoJSON, Excel).

Importing is for street admins (and superusers); exporting for staff, scoped
by ``visible_to``.  Anyone else gets 404, not 403, so the pages do not
reveal themselves (as every place page outside scope).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.places.forms import PlaceExportForm, PlaceImportForm
from gridgov.places.io import GEOJSON, ExportError, export_excel, export_geojson, import_places
from gridgov.places.models import Street
from gridgov.web.roles import administers_a_street, has_staff_role

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def import_places_view(request: HttpRequest) -> HttpResponse:
    """Upload a file; show every problem (row/feature, field, message) or what was created.

    With "update existing grids" the result also lists what re-zoning moved.
    """
    if not administers_a_street(request.user):
        raise Http404
    form = PlaceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_places(
            upload.name,
            upload.read(),
            actor=request.user,
            dry_run=form.cleaned_data["dry_run"],
            update=form.cleaned_data["update"],
        )
        if result.ok:
            messages.success(request, result.summary())
        else:
            count = len(result.errors)
            messages.error(
                request,
                ngettext(
                    "%d problem found; nothing was written.",
                    "%d problems found; nothing was written.",
                    count,
                )
                % count,
            )
        context = {"result": result, "filename": upload.name, "form": PlaceImportForm()}
        return render(request, "places/import_result.html", context)
    context = {
        "form": form,
        "export_form": PlaceExportForm(),
        "streets": Street.objects.visible_to(request.user),
    }
    return render(request, "places/import.html", context)


@login_required
@require_GET
def export_places_view(request: HttpRequest) -> HttpResponse:
    """Download what the user may see (``?format=geojson|xlsx&street=CODE``)."""
    if not has_staff_role(request.user):
        raise Http404
    form = PlaceExportForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose the format geojson or xlsx."))
    fmt, street = form.cleaned_data["format"], form.cleaned_data["street"] or None
    try:
        if fmt == GEOJSON:
            data = json.dumps(
                export_geojson(user=request.user, street_code=street), ensure_ascii=False
            ).encode()
            content_type, suffix = "application/geo+json; charset=utf-8", "geojson"
        else:
            data = export_excel(user=request.user, street_code=street)
            content_type, suffix = XLSX_TYPE, "xlsx"
    except ExportError as exc:
        raise Http404 from exc
    stamp = timezone.localtime().strftime("%Y%m%d")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="places-{street or "all"}-{stamp}.{suffix}"'
    )
    return response
