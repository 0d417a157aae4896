from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuangfang.core.backup import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the configured database (PostgreSQL: pg_dump --format=custom; SQLite: an online consistent copy) "
        "and MEDIA_ROOT (a tar.gz) into a new directory with a manifest of row counts and the event-log head."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default=None, help="the backup directory (default: var/backups/<time>)")

    def handle(self, *args, output=None, **options):
        try:
            result = make_backup(output)
        except BackupError as error:
            raise CommandError(str(error))
        manifest = result.manifest
        head = manifest["event_head"] or {}
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成：%(path)s（%(tables)d 张表，%(rows)d 行，事件日志头 #%(seq)s，%(media)d 个附件）")
                % {
                    "path": result.directory,
                    "tables": len(manifest["row_counts"]),
                    "rows": sum(manifest["row_counts"].values()),
                    "seq": head.get("seq"),
                    "media": manifest["media_files"],
                }
            )
        )
