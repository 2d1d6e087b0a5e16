"""URLs of the party pages of this app; included at "party/rezone/" by gridgov/web/urls.py."""

from django.urls import path

from gridgov.party import views

urlpatterns = [
    path("", views.rezone_view, name="party-rezone"),
]
