"""URLs of the hotline pages; included at "hotline/" by gridgov/urls.py (the API is in api.py)."""

from django.urls import URLPattern, path

from gridgov.hotline import views

urlpatterns: list[URLPattern] = [
    path("deliveries/", views.deliveries, name="hotline-deliveries"),
    path("mapping/", views.mapping, name="hotline-mapping"),
    path("mapping/<int:pk>/delete/", views.mapping_delete, name="hotline-mapping-delete"),
]
