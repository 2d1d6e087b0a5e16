from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "gridgov.hotline"
    label = "hotline"
    verbose_name = "12345 hotline"

    def ready(self) -> None:
        # Registers the "hotline" outbox sender in every process (web, worker).
        from gridgov.hotline import callback  # noqa: F401
