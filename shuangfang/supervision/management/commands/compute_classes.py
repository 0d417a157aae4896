from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shuangfang.supervision.classes import compute_classes


class Command(BaseCommand):
    help = "Compute every use unit's supervision class A-D (分类监管) from its records; the scheduler runs it daily."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="only the units whose region code starts with this prefix")
        parser.add_argument("--date", default="", help="the day to compute for (YYYY-MM-DD), today by default")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {options['date']!r}") from error
        result = compute_classes(today, options["region"].strip())
        data = result.as_data()
        classes = ", ".join(f"{k} {v}" for k, v in data["by_class"].items()) or "no units"
        self.stdout.write(
            f"{data['created']} created, {data['changed']} changed, {data['unchanged']} unchanged, "
            f"{data['removed']} removed ({classes})"
        )
