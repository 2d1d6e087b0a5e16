from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "gridgov.places"
    label = "places"
