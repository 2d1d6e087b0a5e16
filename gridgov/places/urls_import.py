"""URLs of the import/export pages; included at "places/import/" by gridgov/web/urls.py."""

from django.urls import path

from gridgov.places import views_import

urlpatterns = [
    path("", views_import.import_places_view, name="places-import"),
    path("export/", views_import.export_places_view, name="places-export"),
]
