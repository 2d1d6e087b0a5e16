"""The home page: what the user may see, counted, and their roles and places."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridgov.cases.views.summary import case_summary
from gridgov.core.scoping import scope_for
from gridgov.web.dashboard import my_places, tiles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "tiles": tiles(request.user),
            "my_places": my_places(request.user),
            "has_scope": scope_for(request.user).allows_anything(),
            "cases": case_summary(request.user),
        },
    )
