from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PlacesConfig(AppConfig):
    name = "gridgov.places"
    label = "places"

    def ready(self) -> None:
        from gridgov.places import index
        from gridgov.places.models import Grid

        # A grid changed in this process: the point-in-grid index is rebuilt at once.
        post_save.connect(index.invalidate, sender=Grid, dispatch_uid="grid_index_save")
        post_delete.connect(index.invalidate, sender=Grid, dispatch_uid="grid_index_delete")
