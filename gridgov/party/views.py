"""The re-zoning page: street admins preview what ``rezone`` would move, then apply it.

After grids are redrawn (the GeoJSON import in update mode re-zones at once,
but a boundary may also change through another path), buildings, party groups
and members must follow the new borders.  GET only previews (``dry_run``,
rolled back), so looking never changes anything; POST applies.  Everyone who
is not a street admin (or superuser) gets 404, like the import page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from gridgov.core.scoping import scope_for
from gridgov.party.actions import rezone
from gridgov.places.models import Street
from gridgov.web.roles import administers_a_street


def administered_streets(user: Any) -> list[Street]:
    """The streets whose chain the user may re-zone: all for a superuser, else their own."""
    scope = scope_for(user)
    streets = Street.objects.all()
    if not scope.everything:
        streets = streets.filter(pk__in=scope.street_ids)
    return list(streets.order_by("code"))


@login_required
@require_http_methods(["GET", "POST"])
def rezone_view(request: HttpRequest) -> HttpResponse:
    """GET: what re-zoning would move in the user's street(s); POST: move it and say what moved."""
    if not administers_a_street(request.user):
        raise Http404
    apply = request.method == "POST"
    rows = []
    changed = False
    for street in administered_streets(request.user):
        report = rezone(street=street, actor=request.user, dry_run=not apply)
        changed = changed or report.changed
        summary = report.summary(street.name, dry_run=not apply)
        rows.append({"street": street.name, "report": report, "summary": summary})
    context = {"streets": rows, "applied": apply, "changed": changed}
    return render(request, "party/rezone.html", context)
