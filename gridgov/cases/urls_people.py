"""URLs of the case pages (people)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
