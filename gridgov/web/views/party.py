"""The party chain as a nested tree with member counts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridgov.party.models import OrgKind
from gridgov.web.partytree import party_tree


@login_required
def party_tree_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/party/tree.html",
        {
            "roots": party_tree(request.user),
            "kinds": [(value.replace("_", "-"), label) for value, label in OrgKind.choices],
        },
    )
