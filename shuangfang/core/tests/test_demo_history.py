"""The generated units' history (core.demo_history) and the bulk writer under it (core.bulkload)."""

from collections import Counter
from datetime import date
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db.models import Count, F, Q
from django.test import TestCase

from shuangfang.accounts.models import User
from shuangfang.core.bulkload import RowShape, insert_instances, reserve_ids
from shuangfang.core.events import verify_events
from shuangfang.core.models import Event
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.choices import OPEN_STATUSES, HazardStatus, TaskStatus
from shuangfang.hazards.models import CheckResult, Hazard, InvestigationTask, Listing
from shuangfang.orgs.models import Region
from shuangfang.risks.models import Risk, RiskAssessment

TODAY = date(2026, 11, 15)


def generate(scale: str = "0.2") -> str:
    out = StringIO()
    with mock.patch("shuangfang.core.demo.HISTORY_ABOVE_EQUIPMENT", 0):
        call_command("demo", f"--scale={scale}", f"--today={TODAY}", stdout=out)
    return out.getvalue()


class ProvinceHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = generate()
        cls.equipment = Equipment.objects.count()  # 400 at scale 0.2

    def test_the_volumes_follow_the_ratios_per_equipment(self):
        history = Risk.objects.exclude(organization__users__username="unit_principal")
        self.assertAlmostEqual(history.count() / self.equipment, 2.0, delta=0.6)
        self.assertAlmostEqual(CheckResult.objects.count() / self.equipment, 5.0, delta=1.5)
        generated = Hazard.objects.filter(reported_by__username__startswith="officer")
        self.assertAlmostEqual(generated.count() / self.equipment, 0.5, delta=0.15)
        self.assertEqual(RiskAssessment.objects.count(), Risk.objects.count())
        self.assertIn("日管控检查结果（历史）", self.output)

    def test_hazards_stand_in_every_state_with_the_fields_each_state_needs(self):
        generated = Hazard.objects.filter(reported_by__username__startswith="officer")
        self.assertEqual(set(generated.values_list("status", flat=True)), set(HazardStatus.values))
        self.assertFalse(generated.filter(status=HazardStatus.CLOSED, closed_at__isnull=True).exists())
        self.assertFalse(generated.filter(status=HazardStatus.RECTIFYING, deadline__isnull=True).exists())
        self.assertFalse(generated.filter(status=HazardStatus.AWAITING_ACCEPTANCE, rectified_at__isnull=True).exists())
        self.assertFalse(generated.filter(grade="major", reported_to_regulator_at__isnull=True).exists())
        self.assertTrue(generated.filter(status__in=OPEN_STATUSES, deadline__lt=TODAY).exists(), "some are overdue")

    def test_every_hazard_of_a_device_carries_the_devices_catalog_code(self):
        # The generated history, the compliance run's system hazards and the demo units' stories alike.
        of_devices = Hazard.objects.exclude(equipment=None)
        self.assertGreater(of_devices.filter(source="system").count(), 0)
        self.assertFalse(of_devices.exclude(catalog_code=F("equipment__category_id")).exists())
        self.assertFalse(Hazard.objects.filter(equipment=None).exclude(catalog_code="").exists())

    def test_each_hazard_carries_the_events_of_its_path_and_the_log_verifies(self):
        hazard = Hazard.objects.filter(status=HazardStatus.CLOSED, reported_by__username__startswith="officer").first()
        types = list(
            Event.objects.filter(object_type="hazards.hazard", object_id=str(hazard.pk)).values_list("type", flat=True)
        )
        self.assertEqual(
            sorted(types),
            sorted(
                ["hazard.reported", "hazard.confirmed", "hazard.rectification_submitted", "hazard.accepted",
                 "hazard.closed"]
                + (["hazard.reported_to_regulator"] if hazard.grade == "major" else [])
            ),
        )  # fmt: skip
        self.assertEqual(verify_events(), [])

    def test_checks_belong_to_done_tasks_and_overdue_tasks_have_none(self):
        tasks = InvestigationTask.objects.filter(period_start__lt=TODAY)
        self.assertTrue(tasks.filter(status=TaskStatus.DONE).exists())
        self.assertTrue(tasks.filter(status=TaskStatus.OVERDUE).exists())
        self.assertFalse(CheckResult.objects.exclude(task__status=TaskStatus.DONE).exists())
        done = tasks.filter(status=TaskStatus.DONE).annotate(n=Count("results"))
        self.assertFalse(done.filter(n=0).exists())

    def test_equipment_marks_agree_with_the_hazards_and_risks(self):
        counted = Counter(
            Hazard.objects.filter(status__in=OPEN_STATUSES, equipment__isnull=False).values_list(
                "equipment_id", flat=True
            )
        )
        for pk, open_hazards in Equipment.objects.values_list("pk", "open_hazards"):
            self.assertEqual(open_hazards, counted.get(pk, 0), pk)
        with_risks = Equipment.objects.filter(risks__is_active=True).distinct()
        self.assertFalse(with_risks.filter(risk_level="").exists())

    def test_listings_are_of_major_hazards_by_the_covering_regulator(self):
        listings = Listing.objects.filter(hazard__reported_by__username__startswith="officer")
        self.assertFalse(listings.exclude(hazard__grade="major").exists())
        self.assertFalse(listings.filter(~Q(listing_authority=F("listed_by__organization"))).exists())

    def test_each_generated_unit_has_a_safety_officer(self):
        officers = User.objects.filter(username__startswith="officer")
        self.assertTrue(officers.exists())
        self.assertFalse(officers.exclude(roles=["safety_officer"]).exists())


class HistoryIsDeterministicTests(TestCase):
    def digest(self) -> list:
        return sorted(
            Hazard.objects.filter(reported_by__username__startswith="officer").values_list(
                "equipment__code", "status", "grade", "found_at", "description", "deadline"
            )
        )

    def test_two_runs_give_the_same_history(self):
        from django.db import transaction

        runs = []
        for _ in range(2):
            with transaction.atomic():
                generate("0.05")
                runs.append(self.digest())
                transaction.set_rollback(True)
        self.assertTrue(runs[0])
        self.assertEqual(runs[0], runs[1])


class BulkLoadTests(TestCase):
    def test_reserved_keys_follow_the_existing_ones_and_rows_keep_them(self):
        before = Region.objects.count()
        self.assertGreater(before, 0)
        shape = RowShape(User)
        ids = reserve_ids(User, 3)
        self.assertEqual(len(ids), 3)
        shape.write([shape.row(id=pk, username=f"bulk{pk}", password="!", roles=["principal"]) for pk in ids])
        self.assertEqual(list(User.objects.filter(username__startswith="bulk").values_list("pk", flat=True)), list(ids))
        self.assertEqual(User.objects.get(pk=ids[0]).roles, ["principal"])
        created = User.objects.create(username="after")
        self.assertGreater(created.pk, ids[-1])

    def test_insert_instances_sets_the_keys(self):
        users = insert_instances(User, [User(username="one", roles=["x"]), User(username="two")])
        self.assertTrue(all(user.pk for user in users))
        self.assertEqual(User.objects.get(pk=users[0].pk).username, "one")
