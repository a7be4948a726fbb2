"""The tables the registry figures are computed from are watched (core/dataversion.py), so the
figures can be cached per version. tests/api/test_stats_cache.py checks that every table
``registry_stats`` reads is in this list."""

from django.db import migrations

TABLES = [
    "registry_town",
    "registry_neighbourhood",
    "registry_estate",
    "registry_managementarea",
    "registry_company",
    "registry_contract",
    "registry_ownerscommittee",
    "registry_committeemember",
    "registry_facility",
    "registry_assessment",
]


def watch(apps, schema_editor):
    from fangguan.core.dataversion import watch

    watch(schema_editor.connection, "registry", TABLES)


def unwatch(apps, schema_editor):
    from fangguan.core.dataversion import unwatch

    unwatch(schema_editor.connection, "registry", TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_building_natural_order"),
        ("core", "0006_data_change"),
    ]

    operations = [migrations.RunPython(watch, unwatch)]
