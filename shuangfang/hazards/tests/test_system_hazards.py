"""register_system_hazards: many system hazards at once, the same rows as register_system_hazard one by one."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shuangfang.core.events import verify_events
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_user
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services
from shuangfang.hazards.models import Hazard
from shuangfang.notifications.models import Notification

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
IGNORED = {"id", "created_at", "updated_at", "found_at"}


@time_machine.travel(NOW, tick=False)
class RegisterSystemHazardsTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_user("director_a", cls.unit_a, "safety_director")
        make_user("officer_b", cls.unit_b, "safety_officer")
        cls.devices = [make_equipment(cls.unit_a, f"51101405252026B00{n:02d}", category="5110") for n in range(3)]
        cls.devices.append(make_equipment(cls.unit_b, "51101405222026B0099", category="5110"))

    def requests(self, devices):
        return [
            services.SystemHazard(
                organization=device.organization,
                equipment=device,
                description=f"{device} 在用但未安排持证作业人员。",
                event_data={"compliance_gap": n},
            )
            for n, device in enumerate(devices)
        ]

    def written(self):
        by_pk = {hazard.pk: (hazard.equipment_id, hazard.description) for hazard in Hazard.objects.all()}
        hazards = sorted(
            repr([(f.name, f.value_from_object(h)) for f in Hazard._meta.concrete_fields if f.name not in IGNORED])
            for h in Hazard.objects.all()
        )
        events = sorted(
            repr(
                (
                    e.type,
                    e.organization_id,
                    e.region_code,
                    e.object_type,
                    by_pk[int(e.object_id)],
                    e.object_repr,
                    e.data,
                )
            )
            for e in Event.objects.filter(type="hazard.reported")
        )
        notifications = sorted(
            repr((n.user_id, n.kind, n.title, n.body, by_pk[int(n.key.split(":")[1])], n.key.split(":")[2]))
            for n in Notification.objects.all()
        )
        counts = dict(Equipment.objects.values_list("pk", "open_hazards"))
        return hazards, events, notifications, counts

    def test_the_same_rows_events_and_notifications_as_one_by_one(self):
        with transaction.atomic():
            for request in self.requests(self.devices):
                services.register_system_hazard(
                    organization=request.organization,
                    equipment=request.equipment,
                    description=request.description,
                    event_data=request.event_data,
                )
            expected = self.written()
            transaction.set_rollback(True)
        hazards = services.register_system_hazards(self.requests(self.devices))
        self.assertEqual([hazard.equipment_id for hazard in hazards], [device.pk for device in self.devices])
        self.assertEqual(self.written(), expected)
        self.assertEqual(len(expected[1]), 4)
        self.assertTrue(expected[2])
        self.assertEqual(verify_events(), [])
        self.assertEqual(Equipment.objects.get(pk=self.devices[0].pk).open_hazards, 1)

    def test_a_fixed_number_of_queries(self):
        def queries(devices):
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                services.register_system_hazards(self.requests(devices))
                transaction.set_rollback(True)
            return len(captured)

        self.assertEqual(queries(self.devices[:1]), queries(self.devices))

    def test_nothing_asked_nothing_written_and_a_blank_description_refused(self):
        self.assertEqual(services.register_system_hazards([]), [])
        request = self.requests(self.devices[:1])[0]
        request.description = "  "
        with self.assertRaises(ValidationError):
            services.register_system_hazards([request])
        self.assertFalse(Hazard.objects.exists())
