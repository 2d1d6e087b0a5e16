"""URL map: the web UI, the API under /api/v1/, the Django admin for operators."""

from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language switch via set_language)
from django.contrib import admin
from django.urls import include, path

from gridgov.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("gridgov.web.urls")),
]
