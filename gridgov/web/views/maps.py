"""The map page and the GeoJSON it draws (built from visible_to querysets)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.places.models import Grid
from gridgov.web.mapdata import map_features
from gridgov.web.roles import my_grid_ids


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    mine = Grid.objects.visible_to(request.user).filter(pk__in=my_grid_ids(request.user))
    return render(
        request,
        "web/map.html",
        {
            "my_grids": mine.select_related("community").order_by("code"),
            "tile_url": settings.GRIDGOV_TILE_URL,
            "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
            "map_labels": {
                "branch": _("Party branch"),
                "community": _("Community"),
                "building": _("Building"),
                "mine": _("My grid"),
                "noBranch": _("no party branch yet"),
                "empty": _("Nothing to show on the map in your scope."),
                "error": _("The map data could not be loaded."),
            },
        },
    )


@never_cache
@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    return JsonResponse(map_features(request.user))
