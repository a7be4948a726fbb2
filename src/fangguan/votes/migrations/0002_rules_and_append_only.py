"""The decision rules in force (versioned parameters the bureau may supersede) and the
append-only tables: ballots and sealed results are only ever added."""

import datetime as dt

from django.db import migrations

# (family, in force from, quorum area, quorum owners, approval area, approval owners, strict, basis)
RULES = [
    ("ordinary", dt.date(2021, 1, 1), "2/3", "2/3", "1/2", "1/2", True,
     "《民法典》第二百七十八条第二款；《上海市住宅物业管理规定》第十八条"),
    ("special", dt.date(2021, 1, 1), "2/3", "2/3", "3/4", "3/4", False,
     "《民法典》第二百七十八条第二款（第六项至第八项）；《上海市住宅物业管理规定》第十八条"),
    ("elevator_unit", dt.date(2024, 9, 24), "2/3", "2/3", "3/4", "3/4", False,
     "沪房更新〔2024〕126号（以单元为单位）"),
    ("elevator_common", dt.date(2024, 9, 24), "2/3", "2/3", "1/2", "1/2", True,
     "沪房更新〔2024〕126号（占用全体共有部分）；《民法典》第二百七十八条"),
]

APPEND_ONLY = ("votes_ballot", "votes_voteresult")


def seed(apps, schema_editor):
    DecisionRule = apps.get_model("votes", "DecisionRule")
    for family, since, qa, qo, aa, ao, strict, basis in RULES:
        DecisionRule.objects.get_or_create(family=family, effective_from=since, defaults={
            "quorum_area": qa, "quorum_owners": qo, "approval_area": aa, "approval_owners": ao,
            "approval_strict": strict, "basis": basis})


def append_only(apps, schema_editor):
    from fangguan.core.triggers import create_append_only

    for table in APPEND_ONLY:
        create_append_only(schema_editor.connection, table)


def lift(apps, schema_editor):
    from fangguan.core.triggers import drop_append_only

    for table in APPEND_ONLY:
        drop_append_only(schema_editor.connection, table)


class Migration(migrations.Migration):
    dependencies = [("votes", "0001_initial"), ("core", "0004_audit_seals")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(append_only, lift),
    ]
