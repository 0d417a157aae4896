from django.db import migrations

INDEX = "hazard_description_bigrams"


def write_straight_into_the_index(apps, schema_editor):
    # GIN's fast update collects new entries in a pending list and merges it into the index when it fills, in the
    # middle of whichever insert fills it: under 20 writers a hazard report then waited up to a second (p95 210 ms,
    # 73 ms without).  Hazards are written one at a time, so each goes straight into the index.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER INDEX "{INDEX}" SET (fastupdate = off)')


def use_the_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER INDEX "{INDEX}" RESET (fastupdate)')


class Migration(migrations.Migration):
    dependencies = [("hazards", "0005_list_join_indexes")]

    operations = [migrations.RunPython(write_straight_into_the_index, use_the_pending_list)]
