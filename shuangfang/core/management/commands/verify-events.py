from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuangfang.core.events import seal_events, verify_events
from shuangfang.core.models import Event, EventSeal


class Command(BaseCommand):
    help = "Check the event log: every row's digest and every sealed range. Exits 1 at the first problem."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="seal the settled rows first")

    def handle(self, *args, seal=False, **options):
        if seal:
            sealed = seal_events()
            self.stdout.write(f"sealed {sealed} events")
        problems = verify_events()
        total = Event.objects.count()
        seals = EventSeal.objects.count()
        if problems:
            for problem in problems[:20]:
                self.stderr.write(problem.message)
            raise CommandError(
                _("事件日志校验失败：第一个问题在事件 #%(seq)s（共 %(count)d 处）")
                % {"seq": problems[0].seq, "count": len(problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("事件日志完整：%(total)d 条事件，%(seals)d 个封存段。") % {"total": total, "seals": seals}
            )
        )
