"""The fund's parameters in force (a versioned parameter the bureau supersedes with a new row) and
the append-only tables: postings, entries, application events and published statements are only
ever added — the database refuses UPDATE and DELETE."""

import datetime as dt

from django.db import migrations

# The cost price is the city housing bureau's published figure (沪府令91号 Art. 6); the value seeded
# here is a stand-in the bureau replaces with the published one (a new version, its own date).
PARAMETERS = {
    "effective_from": dt.date(2010, 1, 1),
    "cost_price_fen_per_m2": 160000,
    "lift_seller_bp": 400, "lift_buyer_bp": 300,  # 沪府令91号 Art. 6: with a lift 4% / 3%
    "no_lift_seller_bp": 300, "no_lift_buyer_bp": 200,  # without a lift 3% / 2%
    "sold_public_buyer_bp": 150,  # 售后公房: buyer 1.5% of the cost price
    "sold_public_multi_seller_bp": 600, "sold_public_high_seller_bp": 1200,  # seller 6% / 12% of the proceeds
    "recollect_below_bp": 3000, "decide_days": 90, "top_up_to_bp": 5000, "top_up_days": 90,  # Art. 65 ¶3
    "emergency_days": 7,  # Art. 73 ¶3 (2)
    "fund_statement_months": 6, "revenue_statement_months": 3,  # Art. 66 ¶2
    "revenue_transfer_bp": 5000,  # Art. 51 ¶3: more than 50% each quarter
    "audit_posting_days": 30,  # Art. 67 ¶2
    "basis": "沪府令91号第六条；《上海市住宅物业管理规定》第五十一、六十五至六十七、七十三条（建安造价为示例值，以市房管局公布为准）",
}

APPEND_ONLY = ("funds_posting", "funds_entry", "funds_applicationevent", "funds_statement")


def seed(apps, schema_editor):
    FundRule = apps.get_model("funds", "FundRule")
    values = dict(PARAMETERS)
    FundRule.objects.get_or_create(effective_from=values.pop("effective_from"), defaults=values)


def append_only(apps, schema_editor):
    from fangguan.core.triggers import create_append_only

    for table in APPEND_ONLY:
        create_append_only(schema_editor.connection, table)


def lift(apps, schema_editor):
    from fangguan.core.triggers import drop_append_only

    for table in APPEND_ONLY:
        drop_append_only(schema_editor.connection, table)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial"), ("core", "0004_audit_seals")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(append_only, lift),
    ]
