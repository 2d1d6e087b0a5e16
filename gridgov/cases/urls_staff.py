"""URLs of the case pages (staff)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
