from django.db import migrations

from shuangfang.core.search import create_bigram_index_sql, drop_index_sql

INDEX = "hazard_description_bigrams"


def create_bigram_index(apps, schema_editor):
    # The search box's description column (core.search), PostgreSQL only; the function comes with equipment 0007.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(create_bigram_index_sql("hazards_hazard", "description", INDEX))


def drop_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(drop_index_sql(INDEX))


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0007_search_indexes"),
        ("hazards", "0003_hazard_region_status_and_order_indexes"),
    ]

    operations = [migrations.RunPython(create_bigram_index, drop_bigram_index)]
