"""URLs of the web UI (names are used by templates and tests)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from gridgov.web.views import home, maps, organisations, party, places, tokens

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("map/", maps.map_page, name="map"),
    path("map/data.json", maps.map_data, name="map-data"),
    path("party/", party.party_tree_page, name="party-tree"),
    path("places/", places.places_index, name="places"),
    path("places/communities/<int:pk>/", places.community_detail, name="community-detail"),
    path("places/grids/<int:pk>/", places.grid_detail, name="grid-detail"),
    path("places/buildings/<int:pk>/", places.building_detail, name="building-detail"),
    path("places/households/<int:pk>/", places.household_detail, name="household-detail"),
    path("organisations/", organisations.organisation_list, name="organisation-list"),
    path(
        "organisations/<int:pk>/",
        organisations.organisation_detail,
        name="organisation-detail",
    ),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token-revoke"),
    path("places/import/", include("gridgov.places.urls_import")),
    path("party/rezone/", include("gridgov.party.urls")),
    path("people/", include("gridgov.accounts.urls")),
    path("cases/", include("gridgov.cases.urls")),
]
