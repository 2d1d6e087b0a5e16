"""Load the shipped Open311 service attributes (附加信息) into a new deployment."""

from django.db import migrations


def load(apps, schema_editor):
    from gridgov.open311.catalogue import sync_service_attributes

    sync_service_attributes(
        apps.get_model("open311", "ServiceAttribute"), apps.get_model("cases", "Category")
    )


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial"), ("cases", "0002_default_categories")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
