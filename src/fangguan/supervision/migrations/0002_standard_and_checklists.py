"""The first supervision standard and checklists (versioned data the bureau edits afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from fangguan.supervision.defaults import STANDARD_BASIS, STANDARD_FROM, TEMPLATES, items

    Standard = apps.get_model("supervision", "Standard")
    Template = apps.get_model("supervision", "Template")
    Standard.objects.get_or_create(effective_from=STANDARD_FROM, defaults={"basis": STANDARD_BASIS})
    for kind, title, spec in TEMPLATES:
        Template.objects.get_or_create(kind=kind, version=1, defaults={
            "title": title, "items": items(spec), "effective_from": STANDARD_FROM.replace(year=2016)})


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
