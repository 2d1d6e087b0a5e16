"""URLs of the case pages, mounted at /cases/: people's pages and the staff workbench."""

from django.urls import include, path

urlpatterns = [
    path("", include("gridgov.cases.urls_people")),
    path("", include("gridgov.cases.urls_staff")),
]
