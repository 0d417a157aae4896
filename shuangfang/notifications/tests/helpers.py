"""The cast of the notification tests: unit A with one person of every unit role, and hazards, tasks, equipment and
certificates made to fall due on chosen days."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import OperatorCertificate
from shuangfang.hazards.models import Hazard, InvestigationTask
from shuangfang.notifications.models import Notification
from shuangfang.notifications.reminders import send_reminders

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 7, minute: int = 0):
    """Travel to a wall-clock time of a day in China (the reminder job runs at 07:00)."""
    return time_machine.travel(datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI), tick=False)


class NotificationCast(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.unit_c_director = make_user("unit_c_director", cls.unit_c, "safety_director", "principal")

    def keys_of(self, user) -> set[str]:
        return set(Notification.objects.filter(user=user).values_list("key", flat=True))

    def run_day(self, day: date, times: int = 2) -> dict[str, int]:
        """The reminder job on a day, run more than once: the second run must add nothing."""
        with at(day):
            first = send_reminders(timezone.localdate())
            for _ in range(times - 1):
                again = send_reminders(timezone.localdate())
                self.assertEqual(sum(again.values()), 0, f"a second run on {day} sent {again}")
        return first

    _serial = 0

    @classmethod
    def serial(cls) -> int:
        NotificationCast._serial += 1
        return NotificationCast._serial

    def hazard(self, *, deadline, grade="general", status="rectifying", organization=None, **extra) -> Hazard:
        organization = organization or self.unit_a
        values = {
            "source": "check",
            "description": f"层门门锁失效 {self.serial()}",
            "found_at": timezone.now(),
            "handling": "deadline",
            "responsible": self.member,
            "measures": "更换门锁",
        }
        values.update(extra)
        return Hazard.objects.create(
            organization=organization,
            region_id=organization.region_id,
            grade=grade,
            status=status,
            deadline=deadline,
            **values,
        )

    def task(self, *, due_on, organization=None, **extra) -> InvestigationTask:
        organization = organization or self.unit_a
        values = {
            "kind": "weekly",
            "title": f"周排查 {self.serial()}",
            "period_start": due_on,
            "assignee_role": "safety_officer",
        }
        values.update(extra)
        return InvestigationTask.objects.create(
            organization=organization, region_id=organization.region_id, due_on=due_on, **values
        )

    def equipment(self, organization=None, **extra):
        organization = organization or self.unit_a
        return make_equipment(organization, f"31101405252026N{self.serial():04d}", **extra)

    def certificate(self, *, expires_on, organization=None) -> OperatorCertificate:
        organization = organization or self.unit_a
        number = self.serial()
        return OperatorCertificate.objects.create(
            organization=organization,
            region_id=organization.region_id,
            holder_name=f"持证人 {number}",
            id_number=f"14052519900101{number:04d}",
            item_id="N1",
            cert_no=f"N1-T-{number}",
            issued_on=date(2022, 1, 1),
            expires_on=expires_on,
        )
