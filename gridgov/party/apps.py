from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "gridgov.party"
    label = "party"
