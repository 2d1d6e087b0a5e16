"""Load the shipped category catalogue (诉求分类) into a new deployment."""

from django.db import migrations


def load(apps, schema_editor):
    from gridgov.cases.catalogue import sync_categories

    sync_categories(apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
