"""The public QR page: what anyone who scans a label may read, and nothing more."""

from datetime import date, timedelta

import segno
import time_machine

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment
from shuangfang.equipment.selectors import qr_svg
from shuangfang.orgs.models import Organization


def public_url(equipment):
    return f"/q/{equipment.public_token}/"


@time_machine.travel("2026-03-10 12:00 +0800", tick=False)
class PublicPageTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Organization.objects.filter(pk=cls.unit_a.pk).update(
            address="泽州县金村镇工业路 88 号", contact_phone="0356-6612345"
        )
        Equipment.objects.filter(pk=cls.equipment_a.pk).update(
            registration_no="梯11晋E00123(26)", site="综合楼东侧", serial_no="SN-998877", manufacturer="某电梯有限公司"
        )
        cls.equipment_a.refresh_from_db()

    def test_anonymous_sees_only_the_allowed_fields(self):
        response = self.web().get(public_url(self.equipment_a))
        self.assertEqual(response.status_code, 200)
        for shown in ("设备 31101401012020A0001", "曳引驱动乘客电梯", "甲单位", "梯11晋E00123(26)", "综合楼东侧"):
            self.assertContains(response, shown)
        self.assertContains(response, "检验有效")
        self.assertContains(response, "2026-12-31")
        self.assertContains(response, "96333")
        for hidden in (
            "泽州县金村镇工业路",
            "0356-6612345",
            "SN-998877",
            "某电梯有限公司",
            self.unit_a.uscc,
            "晋城市特种设备检验所",
            f"/equipment/{self.equipment_a.pk}/",
        ):
            self.assertNotContains(response, hidden)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_states(self):
        overdue = make_equipment(self.unit_a, "31101405252020Q0001", inspection_due_on=date(2026, 3, 1))
        failed = make_equipment(self.unit_a, "31101405252020Q0002", inspection_due_on=None)
        never = make_equipment(self.unit_a, "31101405252020Q0003", inspection_due_on=None, last_inspected_on=None)
        due_soon = make_equipment(self.unit_a, "31101405252020Q0004", inspection_due_on=date(2026, 3, 25))
        client = self.web()
        self.assertContains(client.get(public_url(overdue)), "检验已过期")
        self.assertContains(client.get(public_url(failed)), "检验已过期")
        self.assertContains(client.get(public_url(never)), "未检验")
        page = client.get(public_url(due_soon))
        self.assertContains(page, "检验有效")
        self.assertContains(page, "2026-03-25")
        for equipment in (overdue, failed, never):
            self.assertNotContains(client.get(public_url(equipment)), "检验有效")

    def test_suspended_equipment_says_so(self):
        suspended = make_equipment(self.unit_a, "31101405252020Q0005", status="suspended")
        page = self.web().get(public_url(suspended))
        self.assertContains(page, "该设备已停用")
        self.assertNotContains(page, "检验有效")

    def test_emergency_number_only_for_elevators(self):
        boiler = make_equipment(self.unit_a, "11001405252020Q0001", category="1100", name="燃气锅炉")
        page = self.web().get(public_url(boiler))
        self.assertContains(page, "燃气锅炉")
        self.assertNotContains(page, "96333")

    def test_unknown_token_and_id_are_404(self):
        client = self.web()
        self.assertEqual(client.get("/q/AAAAAAAAAAAAAAAAAAAAAA/").status_code, 404)
        self.assertEqual(client.get(f"/q/{self.equipment_a.pk}/").status_code, 404)

    def test_tokens_are_random_and_long(self):
        tokens = {self.equipment_a.public_token, self.equipment_b.public_token, self.equipment_c.public_token}
        self.assertEqual(len(tokens), 3)
        for token in tokens:
            self.assertGreaterEqual(len(token), 22)

    def test_full_file_link_only_for_users_in_scope(self):
        link = f'href="/equipment/{self.equipment_a.pk}/"'
        for user in (self.owner, self.member, self.county_inspector, self.province_leader, self.agency_user):
            with self.subTest(user=user.username):
                self.assertContains(self.web(user).get(public_url(self.equipment_a)), link)
        for user in [None, *self.outsiders_of_unit_a()]:
            with self.subTest(user=getattr(user, "username", "anonymous")):
                response = self.web(user).get(public_url(self.equipment_a))
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, link)


class QrCodeTests(CastTestCase):
    def test_file_page_qr_points_at_the_public_page(self):
        response = self.web(self.owner).get(f"/equipment/{self.equipment_a.pk}/")
        self.assertContains(response, f"http://testserver/q/{self.equipment_a.public_token}/")
        svg = response.text[response.text.index("<svg") : response.text.index("</svg>")]
        self.assertIn("viewBox", svg)
        # A strict Content-Security-Policy forbids inline styles: the SVG carries none.
        self.assertNotIn("style=", svg)

    def test_labels_carry_one_qr_code_per_equipment(self):
        response = self.web(self.owner).get("/equipment/labels/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count("<svg"), 1)
        self.assertContains(response, self.equipment_a.code)
        self.assertContains(response, "设备 31101401012020A0001")
        self.assertContains(response, 'class="eq-label-sheet"')

    def test_the_svg_encodes_the_public_url(self):
        url = f"http://testserver/q/{self.equipment_a.public_token}/"
        self.assertEqual(
            qr_svg(url), segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True, light="#fff")
        )
        response = self.web(self.owner).get(f"/equipment/{self.equipment_a.pk}/")
        self.assertContains(response, qr_svg(url))

    def test_due_dates_shift_the_state_over_time(self):
        soon = date.today() + timedelta(days=400)
        equipment = make_equipment(self.unit_a, "31101405252020Q0009", inspection_due_on=soon)
        with time_machine.travel(soon + timedelta(days=1)):
            self.assertContains(self.web().get(public_url(equipment)), "检验已过期")
