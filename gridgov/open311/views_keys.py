"""The API keys page (/open311/keys/): street admins create and revoke their street's keys.

Everyone who is not a street admin (or superuser) gets 404, like the other
street admin pages.  The raw key is shown once, in the creating response
only (never cached), and never stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.core.errors import ActionError
from gridgov.core.scoping import scope_for
from gridgov.open311.actions import create_api_key, revoke_api_key
from gridgov.open311.forms import ApiKeyForm
from gridgov.open311.models import ApiKey
from gridgov.places.models import Street
from gridgov.web.forms import add_action_errors
from gridgov.web.roles import administers_a_street


def _streets(user: Any) -> QuerySet[Street]:
    """The streets whose keys the user manages: all for a superuser, else those they administer."""
    scope = scope_for(user)
    streets = Street.objects.order_by("code")
    return streets if scope.everything else streets.filter(pk__in=scope.street_ids)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest) -> HttpResponse:
    if not administers_a_street(request.user):
        raise Http404
    streets = _streets(request.user)
    form = ApiKeyForm(request.POST or None, streets=streets)
    raw_key = created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw_key = create_api_key(
                street=form.chosen_street(),
                name=form.cleaned_data["name"],
                moderated=form.cleaned_data["moderated"],
                actor=request.user,
            )
        except ActionError as error:
            add_action_errors(form, error)
        else:
            form = ApiKeyForm(streets=streets)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {
        "form": form,
        "keys": ApiKey.objects.visible_to(request.user).select_related("street"),
        "raw_key": raw_key,
        "created": created,
        "api_root": request.build_absolute_uri("/open311/v2/"),
        "several_streets": streets.count() > 1,
    }
    return render(request, "open311/keys.html", context, status=status)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(
        ApiKey.objects.visible_to(request.user).filter(revoked_at__isnull=True), pk=pk
    )
    key = revoke_api_key(key=key, actor=request.user)
    if request.headers.get("HX-Request"):
        context = {"key": key, "several_streets": _streets(request.user).count() > 1}
        return render(request, "open311/_key_row.html", context)
    messages.success(request, _("Key “%(name)s” was revoked.") % {"name": key.name})
    return redirect("open311-keys")
