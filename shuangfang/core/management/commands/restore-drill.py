from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuangfang.core.backup import BackupError, run_drill


class Command(BaseCommand):
    help = (
        "Restore drill: take a fresh backup (or use --backup), restore it into a fresh database, migrate it, compare "
        "row counts and the event-log head, and record the outcome (var/backups/drills/*.json and a backup.drill "
        "event). Exits 1 on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backup", default=None, help="an existing backup directory (default: take a new one)")

    def handle(self, *args, backup=None, **options):
        try:
            result = run_drill(backup)
        except BackupError as error:
            raise CommandError(str(error))
        if not result.ok:
            for mismatch in result.mismatches[:20]:
                self.stderr.write(mismatch)
            raise CommandError(
                _("恢复演练失败：%(count)d 处不一致，记录见 %(report)s")
                % {"count": len(result.mismatches), "report": result.report}
            )
        head = result.event_head_restored or {}
        self.stdout.write(
            self.style.SUCCESS(
                _("恢复演练通过：%(tables)d 张表、%(rows)d 行一致，事件日志头 #%(seq)s 一致；记录见 %(report)s")
                % {"tables": result.tables, "rows": result.rows, "seq": head.get("seq"), "report": result.report}
            )
        )
