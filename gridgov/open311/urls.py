"""URLs of Open311; included at "open311/" by gridgov/urls.py.

/open311/v2/... is the GeoReport v2 API; /open311/keys/ is the street
admins' page for API keys.  Service codes contain dots (facility.road), so
the format is whatever follows the last dot.
"""

from django.urls import URLPattern, path, re_path

from gridgov.open311 import views, views_keys

FMT = r"(?P<fmt>[A-Za-z0-9]+)"

urlpatterns: list[URLPattern] = [
    re_path(rf"^v2/discovery\.{FMT}$", views.discovery, name="open311-discovery"),
    re_path(rf"^v2/services\.{FMT}$", views.services, name="open311-services"),
    re_path(
        rf"^v2/services/(?P<code>[^/]+)\.{FMT}$",
        views.service_definition,
        name="open311-service-definition",
    ),
    re_path(rf"^v2/requests\.{FMT}$", views.service_requests, name="open311-requests"),
    re_path(
        rf"^v2/requests/(?P<request_id>[^/]+)\.{FMT}$",
        views.request_detail,
        name="open311-request",
    ),
    re_path(rf"^v2/tokens/(?P<token>[^/]+)\.{FMT}$", views.token_lookup, name="open311-token"),
    re_path(r"^v2(?P<rest>/.*)?$", views.not_found, name="open311-not-found"),
    path("keys/", views_keys.keys, name="open311-keys"),
    path("keys/<int:pk>/revoke/", views_keys.revoke, name="open311-key-revoke"),
]
