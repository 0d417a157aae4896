"""Every export is counted and logged (core/exports.py): `export.<what>` with the filters and the row count, and
after EXPORT_RATE_PER_MINUTE of them in a minute a 429 — on the pages and in the API alike."""

import ast
import inspect
import textwrap
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from shuangfang.core import exports
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase
from shuangfang.equipment import views as equipment_views
from shuangfang.equipment.api import views as equipment_api
from shuangfang.hazards import views_pages as hazard_pages
from shuangfang.hazards import views_records as hazard_records
from shuangfang.orgs import views as org_views
from shuangfang.risks import views as risk_views
from shuangfang.risks.api import views as risk_api
from shuangfang.safety import views_exams, views_file
from shuangfang.supervision import views_accidents, views_assessment
from shuangfang.supervision.services_accidents import do_record_accident


def exported(event_type=None):
    events = Event.objects.filter(type__startswith="export.")
    return events.filter(type=event_type) if event_type else events


class ExportEventTests(CastTestCase):
    def test_each_export_records_what_was_taken(self):
        accident = do_record_accident(
            actor=self.county_inspector,
            organization=self.unit_a,
            equipment=self.equipment_a,
            occurred_at=timezone.now() - timedelta(days=3),
            accident_type="04",
            severity="general",
            description="吊装时钢丝绳断裂",
        )
        cases = [
            (self.owner, reverse("equipment:export"), {"status": "in_use"}, "export.equipment", 1),
            (self.owner, reverse("risks:export"), {}, "export.risks", 0),
            (self.county_inspector, reverse("orgs:export"), {"kind": "use_unit"}, "export.organizations", 2),
            (self.owner, reverse("hazards:board-export"), {}, "export.hazards", 0),
            (self.owner, reverse("safety:unit-file-export", args=[self.unit_a.pk]), {}, "export.unit_file", None),
            (self.county_inspector, reverse("supervision:assessments-export"), {}, "export.assessments", 0),
            (
                self.county_inspector,
                reverse("supervision:accident-export", args=[accident.pk]),
                {},
                "export.accident_tracing",
                None,
            ),
            (self.owner, "/api/v1/equipment/export/", {"status": "in_use"}, "export.equipment", 1),
            (self.owner, "/api/v1/risks/export/", {}, "export.risks", 0),
        ]
        for user, url, filters, event_type, rows in cases:
            with self.subTest(url):
                before = exported(event_type).count()
                client = self.api(user) if url.startswith("/api/") else self.web(user)
                response = client.get(url, filters)
                self.assertEqual(response.status_code, 200, url)
                self.assertEqual(exported(event_type).count(), before + 1)
                event = exported(event_type).latest("seq")
                self.assertEqual(event.actor, user)
                self.assertEqual(event.data["path"], url)
                for name, value in filters.items():
                    self.assertEqual(event.data["filters"][name], value)
                self.assertEqual(event.data.get("rows"), rows)
        unit_file = exported("export.unit_file").get()
        self.assertEqual((unit_file.object_type, unit_file.object_id), ("orgs.organization", str(self.unit_a.pk)))
        self.assertEqual(exported("export.accident_tracing").get().object_id, str(accident.pk))

    def test_the_row_count_is_of_the_filtered_rows(self):
        self.web(self.county_inspector).get(reverse("equipment:export"), {"organization": self.unit_a.pk})
        self.web(self.county_inspector).get(reverse("equipment:export"))
        counts = [event.data["rows"] for event in exported("export.equipment").order_by("seq")]
        self.assertEqual(counts, [1, 2])  # equipment A; A and C in Zezhou


class EveryExportIsCountedTests(CastTestCase):
    """A new export that forgets the helper fails here, not in an assessment."""

    EXPORT_VIEWS = [
        equipment_views.equipment_export,
        risk_views.risk_export,
        org_views.organization_export,
        hazard_pages.board_export,
        views_assessment.assessment_export,
        views_accidents.accident_export,
        views_exams.exam_export,
        views_file.unit_file_export,
        hazard_records._record_page,
        equipment_api.EquipmentViewSet.export,
        risk_api.RiskViewSet.export,
    ]

    def test_every_export_view_calls_begin_export(self):
        for view in self.EXPORT_VIEWS:
            with self.subTest(view.__qualname__):
                tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(view))))
                called = {
                    node.func.id
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                }
                self.assertIn("begin_export", called)

    def test_no_export_view_is_missed(self):
        modules = {inspect.getmodule(inspect.unwrap(view)) for view in self.EXPORT_VIEWS}
        listed = {inspect.unwrap(view).__qualname__ for view in self.EXPORT_VIEWS}
        for module in modules:
            for name, member in inspect.getmembers(module, inspect.isfunction):
                if name.endswith("_export") and member.__module__ == module.__name__:
                    self.assertIn(inspect.unwrap(member).__qualname__, listed, f"{module.__name__}.{name}")


@override_settings(EXPORT_RATE_PER_MINUTE=2)
class ExportRateTests(CastTestCase):
    def test_a_page_refuses_the_export_over_the_limit_with_429(self):
        client = self.web(self.owner)
        for _ in range(2):
            self.assertEqual(client.get(reverse("equipment:export")).status_code, 200)
        response = client.get(reverse("risks:export"))
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "导出过于频繁，请一分钟后再试。", status_code=429)
        self.assertEqual(response["Retry-After"], "60")
        self.assertEqual(exported().count(), 2)  # the refusal is not an export

    def test_the_api_shares_the_limit_and_answers_429_json(self):
        self.assertEqual(self.web(self.owner).get(reverse("equipment:export")).status_code, 200)
        self.assertEqual(self.api(self.owner).get("/api/v1/equipment/export/").status_code, 200)
        response = self.api(self.owner).get("/api/v1/risks/export/")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json(), {"detail": "导出过于频繁，请一分钟后再试。"})
        self.assertEqual(exported().count(), 2)

    def test_the_limit_is_per_user_and_per_minute(self):
        for _ in range(2):
            self.web(self.owner).get(reverse("equipment:export"))
        self.assertEqual(self.web(self.unit_admin).get(reverse("equipment:export")).status_code, 200)
        self.assertEqual(self.web(self.owner).get(reverse("equipment:export")).status_code, 429)
        # A minute later the owner may export again (the log is append-only: the clock moves instead).
        with _clock_at(timezone.now() + timedelta(minutes=1, seconds=1)):
            self.assertEqual(self.web(self.owner).get(reverse("equipment:export")).status_code, 200)


@contextmanager
def _clock_at(moment):
    """The clock the rate limit and the event log read, moved to `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def test_begin_export_counts_querysets_lists_and_numbers():
    assert exports._count(None) is None
    assert exports._count(3) == 3
    assert exports._count([1, 2]) == 2
