"""The street admins' hotline pages: deliveries back to 12345 (/hotline/deliveries/) and the
category mapping (/hotline/mapping/).

Everyone who is not a street admin (or superuser) gets 404, like the other
street admin pages; a street admin sees and edits their own street's rows only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.cases.models import OutboxMessage
from gridgov.core.errors import ActionError
from gridgov.core.scoping import scope_for
from gridgov.hotline.actions import delete_mapping, set_mapping
from gridgov.hotline.callback import SENDER
from gridgov.hotline.forms import MappingForm
from gridgov.hotline.models import HotlineCategoryMapping
from gridgov.places.models import Street
from gridgov.web.forms import add_action_errors
from gridgov.web.roles import administers_a_street

PAGE_ROWS = 200


def _streets(user: Any) -> QuerySet[Street]:
    """The streets the user administers (all for a superuser)."""
    if not administers_a_street(user):
        raise Http404
    scope = scope_for(user)
    streets = Street.objects.order_by("code")
    return streets if scope.everything else streets.filter(pk__in=scope.street_ids)


def _state(message: OutboxMessage) -> str:
    if message.delivered_at is not None:
        return "delivered"
    return "failing" if message.attempts else "pending"


# The callback's "event" words (callback.MILESTONES values), as the page says them.
MILESTONE_LABELS = {
    "accepted": gettext_lazy("accepted"),
    "resolved": gettext_lazy("resolved"),
    "closed": gettext_lazy("closed"),
    "returned": gettext_lazy("returned"),
    "rejected": gettext_lazy("rejected"),
}


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """The hotline's messages, newest first, with their delivery state."""
    street_ids = list(_streets(request.user).values_list("pk", flat=True))
    # Outbox rows carry no street column: the hotline's keep their street in the payload.
    rows = list(
        OutboxMessage.objects.filter(sender=SENDER, payload__street_id__in=street_ids).order_by(
            "-id"
        )[:PAGE_ROWS]
    )
    for row in rows:
        row.state = _state(row)  # type: ignore[attr-defined]
        row.body = row.payload.get("body", {})  # type: ignore[attr-defined]
        event = row.body.get("event", "")  # type: ignore[attr-defined]
        row.milestone = MILESTONE_LABELS.get(event, event)  # type: ignore[attr-defined]
    return render(request, "hotline/deliveries.html", {"rows": rows, "limit": PAGE_ROWS})


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest) -> HttpResponse:
    """The street's table of hotline codes → our categories: add or change a row."""
    streets = _streets(request.user)
    form = MappingForm(request.POST or None, streets=streets)
    if request.method == "POST" and form.is_valid():
        try:
            saved = set_mapping(
                street=form.chosen_street(),
                hotline_code=form.cleaned_data["hotline_code"],
                hotline_name=form.cleaned_data["hotline_name"],
                category=form.cleaned_data["category"],
                actor=request.user,
            )
        except ActionError as error:
            add_action_errors(form, error)
        else:
            messages.success(
                request, _("Hotline code %(code)s was saved.") % {"code": saved.hotline_code}
            )
            return redirect("hotline-mapping")
    status = 400 if request.method == "POST" and form.errors else 200
    context = {
        "form": form,
        "mappings": HotlineCategoryMapping.objects.visible_to(request.user).select_related(
            "street", "category"
        ),
        "several_streets": streets.count() > 1,
    }
    return render(request, "hotline/mapping.html", context, status=status)


@login_required
@require_POST
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _streets(request.user)
    row = get_object_or_404(HotlineCategoryMapping.objects.visible_to(request.user), pk=pk)
    delete_mapping(mapping=row, actor=request.user)
    messages.success(request, _("Hotline code %(code)s was removed.") % {"code": row.hotline_code})
    return redirect("hotline-mapping")
