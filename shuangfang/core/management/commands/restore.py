from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuangfang.core.backup import BackupError, TargetNotEmpty, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the configured database and MEDIA_ROOT. Refuses (exit 2) when the "
        "database already holds data, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup directory (or its manifest.json)")
        parser.add_argument("--force", action="store_true", help="overwrite a database that holds data")

    def handle(self, *args, path, force=False, **options):
        try:
            result = restore_backup(path, force=force)
        except TargetNotEmpty as error:
            raise CommandError(str(error), returncode=2)
        except BackupError as error:
            raise CommandError(str(error))
        message = _("恢复完成：%(path)s（%(media)d 个附件）") % {
            "path": result["directory"],
            "media": result["media_files"],
        }
        self.stdout.write(self.style.SUCCESS(message))
