"""Load the vaccine products, schedules and coverage targets shipped in data/ (idempotent, see catalogue.load)."""

from django.db import migrations


def load(apps, schema_editor):
    from epiwatch.vaccination import catalogue

    catalogue.load(apps.get_model("vaccination", "Product"), apps.get_model("vaccination", "CoverageTarget"))


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
