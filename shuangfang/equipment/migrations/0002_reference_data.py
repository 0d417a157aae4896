"""Loads the 2014 special-equipment catalog and the 2019 operator-certificate items on migrate."""

from django.db import migrations


def load(apps, schema_editor):
    from shuangfang.orgs.reference import CATALOG, CERTIFICATE_ITEMS

    CatalogEntry = apps.get_model("equipment", "CatalogEntry")
    CertificateItem = apps.get_model("equipment", "CertificateItem")
    CatalogEntry.objects.bulk_create(
        [
            CatalogEntry(
                code=row.code, name=row.name, level=row.level, parent_id=row.parent, registrable=row.registrable
            )
            for row in CATALOG
        ]
    )
    CertificateItem.objects.bulk_create(
        [
            CertificateItem(code=row.code, name=row.name, equipment_category=row.equipment_category)
            for row in CERTIFICATE_ITEMS
        ]
    )


def unload(apps, schema_editor):
    apps.get_model("equipment", "CertificateItem").objects.all().delete()
    CatalogEntry = apps.get_model("equipment", "CatalogEntry")
    for level in ("variety", "class", "category"):
        CatalogEntry.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("equipment", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
