from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0008_list_join_indexes"),
        ("hazards", "0006_description_index_without_pending_list"),
        ("orgs", "0003_contact_phone_encrypted"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="hazard",
            name="hazard_region_status",
        ),
        migrations.RemoveIndex(
            model_name="hazard",
            name="hazard_open_region",
        ),
        migrations.AddField(
            model_name="hazard",
            name="catalog_code",
            field=models.CharField(blank=True, editable=False, max_length=4, verbose_name="设备目录代码"),
        ),
        # Every hazard of a device takes the device's catalog code, before the indexes that hold it are built.
        migrations.RunSQL(
            "UPDATE hazards_hazard SET catalog_code = (SELECT category_code FROM equipment_equipment"
            " WHERE equipment_equipment.id = hazards_hazard.equipment_id) WHERE equipment_id IS NOT NULL",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                fields=["region", "status", "grade"],
                include=("deadline", "catalog_code"),
                name="hazard_region_status",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(("status__in", ("awaiting_acceptance", "confirmed", "rectifying", "reported"))),
                fields=["region"],
                include=("equipment", "deadline", "catalog_code"),
                name="hazard_open_region",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
