from django.core.management.base import BaseCommand

from shuangfang.core.events import seal_events


class Command(BaseCommand):
    help = "Seal the settled rows of the event log (the worker does this every minute)."

    def handle(self, *args, **options):
        self.stdout.write(f"sealed {seal_events()} events")
