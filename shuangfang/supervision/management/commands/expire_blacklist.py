from django.core.management.base import BaseCommand
from django.utils import timezone

from shuangfang.supervision.services_blacklist import expire_entries


class Command(BaseCommand):
    help = "Lift the blacklist entries whose term has ended (期满自动移出); the scheduler runs it hourly."

    def handle(self, *args, **options):
        lifted = expire_entries(timezone.localdate())
        self.stdout.write(f"{lifted} blacklist entries lifted")
