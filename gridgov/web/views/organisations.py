"""Organisations (实有单位): enterprises, institutions and partner units in scope."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gridgov.places.models import Organisation, OrganisationKind

PAGE_SIZE = 50


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = (
        Organisation.objects.visible_to(request.user)
        .select_related("building", "grid", "community")
        .order_by("name")
    )
    kind = request.GET.get("kind", "")
    if kind in OrganisationKind.values:
        organisations = organisations.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/organisations/list.html",
        {"page": page, "kind": kind, "kinds": OrganisationKind.choices},
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related(
            "building", "grid", "community", "street"
        ),
        pk=pk,
    )
    return render(request, "web/organisations/detail.html", {"organisation": organisation})
