"""URL map: the web UI, the API under /api/v1/, /health/ for load balancers, the Django admin."""

from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language switch via set_language)
from django.contrib import admin
from django.urls import include, path

from gridgov.api import api
from gridgov.core.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("api/v1/", api.urls),
    path("open311/", include("gridgov.open311.urls")),  # GeoReport v2 at open311/v2/, keys page
    path("hotline/", include("gridgov.hotline.urls")),  # 12345 deliveries and mapping pages
    path("insights/", include("gridgov.insights.urls")),  # the dashboard and its exports
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("gridgov.web.urls")),
]
