"""The map's GeoJSON, built from ``visible_to`` querysets only.

A FeatureCollection of three kinds of features (property ``kind``):
``community`` outlines (the union of their visible grids), ``grid`` polygons
(name, party branch, ``mine``) and ``building`` points (only the buildings the
user may read: staff within their place).  A fixed number of queries whatever
the size of the street.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely
from django.urls import reverse

from gridgov.algorithms.geo import GeometryError, polygon_from_geojson, to_geojson
from gridgov.party.models import OrgKind, PartyOrganisation
from gridgov.places.models import Building, Grid
from gridgov.web.roles import my_grid_ids


def _url_pattern(url_name: str) -> str:
    """``/places/grids/{}/``: reverse() once, not once per feature (thousands of buildings)."""
    return reverse(url_name, args=[0]).replace("/0/", "/{}/")


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _community_outlines(grids: list[Grid]) -> list[dict[str, Any]]:
    shapes: dict[int, list[Any]] = defaultdict(list)
    for grid in grids:
        try:
            shapes[grid.community_id].append(polygon_from_geojson(grid.geometry))
        except GeometryError:
            continue  # a broken boundary still shows as its grid; no outline from it
    by_id = {grid.community_id: grid.community for grid in grids}
    url = _url_pattern("community-detail")
    features = []
    for community_id, polygons in shapes.items():
        community = by_id[community_id]
        outline = shapely.union_all(polygons)
        features.append(
            _feature(
                to_geojson(outline),
                kind="community",
                id=community.pk,
                name=community.name,
                url=url.format(community.pk),
            )
        )
    return features


def map_features(user: Any) -> dict[str, Any]:
    """The FeatureCollection the map page draws for ``user``."""
    grids = list(Grid.objects.visible_to(user).select_related("community").order_by("code"))
    branches = dict(
        PartyOrganisation.objects.visible_to(user)
        .filter(kind=OrgKind.GRID_BRANCH, grid__isnull=False)
        .values_list("grid_id", "name")
    )
    mine = my_grid_ids(user)
    features = _community_outlines(grids)
    grid_url = _url_pattern("grid-detail")
    for grid in grids:
        features.append(
            _feature(
                grid.geometry,
                kind="grid",
                id=grid.pk,
                name=grid.name,
                code=grid.code,
                community=grid.community.name,
                branch=branches.get(grid.pk, ""),
                mine=grid.pk in mine,
                url=grid_url.format(grid.pk),
            )
        )
    building_url = _url_pattern("building-detail")
    buildings = Building.objects.visible_to(user).values_list("id", "name", "address", "lat", "lng")
    for pk, name, address, lat, lng in buildings:
        features.append(
            _feature(
                {"type": "Point", "coordinates": [lng, lat]},
                kind="building",
                id=pk,
                name=name,
                address=address,
                url=building_url.format(pk),
            )
        )
    return {"type": "FeatureCollection", "features": features}
