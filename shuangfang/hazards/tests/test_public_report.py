"""公众举报 from the equipment's QR page: no login, CSRF on, rate-limited, and the unit has three days to answer."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services
from shuangfang.hazards.choices import HazardSource, HazardStatus
from shuangfang.hazards.models import Hazard


class PublicReportTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.token = cls.equipment_a.public_token
        cls.url = reverse("public:report", args=[cls.token])

    def report(self, client=None, description="电梯门没关好就启动了", **extra):
        return (client or Client()).post(self.url, {"description": description, **extra}, **self.address())

    def address(self, ip="203.0.113.7"):
        return {"REMOTE_ADDR": ip}

    def test_the_public_page_links_to_the_report_and_to_the_units_check(self):
        response = Client().get(reverse("public:equipment", args=[self.token]))
        self.assertContains(response, self.url)
        self.assertContains(response, "单位人员登录检查")
        self.assertContains(response, f"/hazards/scan/{self.token}/")

    def test_the_form_works_without_login(self):
        response = Client().get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="description"')
        self.assertContains(response, "csrfmiddlewaretoken")
        self.assertContains(response, self.equipment_a.organization.name)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_a_report_creates_a_public_hazard_the_unit_must_answer_in_three_days(self):
        response = self.report(reporter_name="王先生", reporter_contact="13800000000")
        self.assertRedirects(response, reverse("public:report-done", args=[self.token]))
        hazard = Hazard.objects.get(source=HazardSource.PUBLIC)
        self.assertEqual(hazard.equipment, self.equipment_a)
        self.assertEqual(hazard.organization, self.unit_a)
        self.assertEqual(hazard.status, HazardStatus.REPORTED)
        self.assertEqual(hazard.confirm_by, timezone.localdate() + timedelta(days=3))
        self.assertEqual(hazard.reporter_name, "王先生")
        self.assertEqual(hazard.reporter_contact, "13800000000")
        self.assertIsNone(hazard.reported_by)

        done = Client().get(response["Location"])
        self.assertContains(done, "3 日内")
        self.assertContains(done, (timezone.localdate() + timedelta(days=3)).isoformat())
        self.assertContains(done, 'href="tel:12315"')
        self.assertContains(done, 'href="tel:96333"')  # an elevator

    def test_no_elevator_line_for_other_equipment(self):
        boiler = make_equipment(self.unit_a, "11101401012020A0001", category="1100")
        response = Client().get(reverse("public:report-done", args=[boiler.public_token]))
        self.assertContains(response, "12315")
        self.assertNotContains(response, "96333")

    def test_an_empty_report_is_refused_on_the_form(self):
        response = self.report(description="  ")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请描述隐患", status_code=400)
        self.assertFalse(Hazard.objects.exists())

    def test_the_rate_limit_gives_a_friendly_page_and_creates_nothing(self):
        for _ in range(services.PUBLIC_LIMIT_PER_ADDRESS_HOUR):
            self.assertEqual(self.report().status_code, 302)
        response = self.report()
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "hazards/public_report_limited.html")
        self.assertContains(response, "提交过于频繁", status_code=429)
        self.assertContains(response, 'href="tel:12315"', status_code=429)
        self.assertEqual(Hazard.objects.count(), services.PUBLIC_LIMIT_PER_ADDRESS_HOUR)

    def test_the_limit_per_equipment_holds_across_addresses(self):
        for number in range(services.PUBLIC_LIMIT_PER_EQUIPMENT_HOUR):
            response = Client().post(self.url, {"description": "异响"}, **self.address(f"198.51.100.{number + 1}"))
            self.assertEqual(response.status_code, 302)
        response = Client().post(self.url, {"description": "异响"}, **self.address("198.51.100.99"))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(Hazard.objects.count(), services.PUBLIC_LIMIT_PER_EQUIPMENT_HOUR)

    def test_csrf_is_enforced(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(self.url, {"description": "异响"}, **self.address())
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Hazard.objects.exists())

        client.get(self.url)
        token = client.cookies["csrftoken"].value
        response = client.post(self.url, {"description": "异响", "csrfmiddlewaretoken": token}, **self.address())
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Hazard.objects.count(), 1)

    def test_scrapped_equipment_takes_no_report(self):
        Equipment.objects.filter(pk=self.equipment_a.pk).update(status="scrapped")
        response = Client().get(self.url)
        self.assertContains(response, "该设备已报废")
        self.assertNotContains(response, 'name="description"')
        self.assertNotContains(Client().get(reverse("public:equipment", args=[self.token])), self.url)
        self.assertEqual(self.report().status_code, 400)
        self.assertFalse(Hazard.objects.exists())

    def test_an_unknown_code_is_not_found(self):
        self.assertEqual(Client().get(reverse("public:report", args=["no-such-token"])).status_code, 404)
        self.assertEqual(Client().post(reverse("public:report", args=["no-such-token"])).status_code, 404)

    def test_the_unit_is_told(self):
        self.report()
        hazard = Hazard.objects.get()
        self.assertTrue(self.owner.notifications.filter(link=f"/hazards/{hazard.pk}/").exists())
