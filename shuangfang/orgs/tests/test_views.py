"""Organization pages: what each side sees, and the create and edit forms over the organization service."""

from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase
from shuangfang.orgs.models import Organization
from shuangfang.orgs.uscc import make_uscc

NEW_USCC = make_uscc("91140525MA0K00001")


class OrganizationListTests(CastTestCase):
    def names(self, user, **params):
        response = self.web(user).get("/organizations/", params)
        self.assertEqual(response.status_code, 200)
        return {organization.name for organization in response.context["page"]}

    def test_county_regulator_sees_its_units_and_the_public_bodies_only(self):
        names = self.names(self.county_inspector)
        self.assertTrue({"甲单位", "丙单位", "泽州县市场监督管理局", "晋城市特种设备检验所"} <= names)
        self.assertNotIn("乙单位", names, "a unit of the sibling county")

    def test_filters_kind_region_and_text(self):
        self.assertEqual(self.names(self.city_inspector, kind="use_unit"), {"甲单位", "乙单位", "丙单位"})
        self.assertEqual(self.names(self.city_inspector, kind="use_unit", region="140522"), {"乙单位"})
        self.assertEqual(self.names(self.city_inspector, q="丙"), {"丙单位"})
        self.assertEqual(self.names(self.city_inspector, q=self.unit_a.uscc), {"甲单位"})

    def test_pages(self):
        for seed in range(60):
            Organization.objects.create(
                name=f"批量单位{seed:02d}", uscc=make_uscc(f"93140525{seed:09d}"), kind="use_unit", region_id="140525"
            )
        client = self.web(self.county_inspector)
        first = client.get("/organizations/", {"kind": "use_unit"})
        self.assertEqual(len(first.context["page"].object_list), 50)
        self.assertContains(first, "?kind=use_unit&amp;page=2")
        second = client.get("/organizations/", {"kind": "use_unit", "page": 2})
        self.assertEqual(len(second.context["page"].object_list), 12)

    def test_htmx_filter_gets_only_the_rows(self):
        response = self.web(self.county_inspector).get("/organizations/", {"q": "甲"}, HTTP_HX_REQUEST="true")
        self.assertTemplateUsed(response, "orgs/_organization_rows.html")
        self.assertTemplateNotUsed(response, "orgs/organization_list.html")


class OrganizationDetailTests(CastTestCase):
    def test_outside_scope_is_not_found(self):
        self.assertEqual(self.web(self.county_inspector).get(f"/organizations/{self.unit_b.pk}/").status_code, 404)
        self.assertEqual(self.web(self.owner).get(f"/organizations/{self.unit_c.pk}/").status_code, 404)
        self.assertEqual(self.web(self.county_inspector).get(f"/organizations/{self.unit_b.pk}/edit/").status_code, 404)

    def test_facts_equipment_count_and_users(self):
        response = self.web(self.county_admin).get(f"/organizations/{self.unit_a.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.unit_a.uscc)
        self.assertEqual(response.context["equipment_count"], 1)
        self.assertContains(response, f'href="/equipment/?organization={self.unit_a.pk}"')
        self.assertEqual(
            {person.username for person in response.context["users"]}, {"owner", "unit_admin", "principal", "member"}
        )

    def test_users_are_listed_only_for_those_who_open_user_pages(self):
        response = self.web(self.county_inspector).get(f"/organizations/{self.unit_a.pk}/")
        self.assertIsNone(response.context["users"])

    def test_my_organization_for_every_user(self):
        admin_page = self.web(self.unit_admin).get("/organizations/mine/")
        self.assertEqual(admin_page.context["organization"], self.unit_a)
        self.assertContains(admin_page, f"/organizations/{self.unit_a.pk}/edit/")
        member_page = self.web(self.member).get("/organizations/mine/")
        self.assertEqual(member_page.status_code, 200)
        self.assertNotContains(member_page, f"/organizations/{self.unit_a.pk}/edit/")
        self.assertEqual(self.web(self.member).get(f"/organizations/{self.unit_a.pk}/edit/").status_code, 403)
        platform = self.web(self.system_admin).get("/organizations/mine/")
        self.assertContains(platform, "平台管理员不属于任何单位")


class OrganizationFormTests(CastTestCase):
    def create(self, user, **fields):
        data = {"name": "新建单位", "uscc": NEW_USCC, "kind": "use_unit", "region": self.ZEZHOU, **fields}
        return self.web(user).post("/organizations/new/", data)

    def test_regulator_registers_a_unit_in_its_jurisdiction(self):
        form = self.web(self.county_admin).get("/organizations/new/")
        self.assertContains(form, '<option value="140525"')
        self.assertNotContains(form, 'value="regulator"', msg_prefix="only the kinds the service lets it create")
        response = self.create(self.county_admin, address="泽州县南村镇", small_micro="on")
        created = Organization.objects.get(uscc=NEW_USCC)
        self.assertRedirects(response, f"/organizations/{created.pk}/", fetch_redirect_response=False)
        self.assertEqual((created.region_id, created.address, created.small_micro), ("140525", "泽州县南村镇", True))
        self.assertTrue(Event.objects.filter(type="organization.created", object_id=str(created.pk)).exists())

    def test_service_refusals_appear_next_to_the_fields(self):
        outside = self.create(self.county_admin, region=self.YANGCHENG)
        self.assertEqual(outside.status_code, 400)
        self.assertEqual(outside.context["form"].errors["region"], ["单位所在地区不在您的辖区内。"])
        bad_code = self.create(self.county_admin, uscc="91140525MA0K00000X")
        self.assertIn("uscc", bad_code.context["form"].errors)
        taken = self.create(self.county_admin, uscc=self.unit_a.uscc)
        self.assertContains(taken, "已被其他单位使用", status_code=400)
        unknown_region = self.create(self.county_admin, region="999999")
        self.assertEqual(unknown_region.context["form"].errors["region"], ["代码 999999 不存在。"])
        no_region = self.create(self.county_admin, region="")
        self.assertEqual(no_region.context["form"].errors["region"], ["请选择所在地区。"])
        self.assertFalse(Organization.objects.filter(uscc=NEW_USCC).exists())

    def test_who_may_create(self):
        self.assertEqual(self.web(self.owner).get("/organizations/new/").status_code, 403)
        self.assertEqual(self.web(self.province_leader).get("/organizations/new/").status_code, 403)
        refused = self.create(self.county_inspector, kind="regulator", jurisdiction=self.ZEZHOU)
        self.assertEqual(refused.status_code, 403)

    def test_system_admin_registers_a_regulator_with_its_jurisdiction(self):
        response = self.create(
            self.system_admin, name="高平市市场监督管理局", kind="regulator", region="140581", jurisdiction="140581"
        )
        self.assertEqual(response.status_code, 302)
        created = Organization.objects.get(uscc=NEW_USCC)
        self.assertEqual((created.kind, created.jurisdiction_id), ("regulator", "140581"))
        missing = self.create(self.system_admin, uscc=make_uscc("91140525MA0K00002"), kind="regulator", region="140581")
        self.assertEqual(missing.context["form"].errors["jurisdiction"], ["监管部门须指定监管辖区。"])

    def edit_data(self, organization, **changes):
        data = {
            "name": organization.name,
            "uscc": organization.uscc,
            "region": organization.region_id,
            "industry": "",
            "address": organization.address,
            "contact_phone": organization.contact_phone,
            "version": organization.version,
        }
        data.update(changes)
        return data

    def test_edit_through_the_form(self):
        client = self.web(self.county_admin)
        url = f"/organizations/{self.unit_a.pk}/edit/"
        page = client.get(url)
        self.assertContains(page, f'name="version" value="{self.unit_a.version}"')
        response = client.post(url, self.edit_data(self.unit_a, address="新地址 1 号", industry="38"))
        self.assertRedirects(response, f"/organizations/{self.unit_a.pk}/", fetch_redirect_response=False)
        self.unit_a.refresh_from_db()
        self.assertEqual((self.unit_a.address, self.unit_a.industry_id, self.unit_a.version), ("新地址 1 号", "38", 2))

    def test_bad_edit_keeps_the_organization_unchanged(self):
        client = self.web(self.county_admin)
        response = client.post(f"/organizations/{self.unit_a.pk}/edit/", self.edit_data(self.unit_a, region="140522"))
        self.assertEqual(response.context["form"].errors["region"], ["单位所在地区不在您的辖区内。"])
        self.unit_a.refresh_from_db()
        self.assertEqual((self.unit_a.region_id, self.unit_a.version), ("140525", 1))

    def test_stale_version_shows_the_conflict_and_keeps_the_input(self):
        client = self.web(self.unit_admin)
        stale = self.edit_data(self.unit_a, address="我填写的地址")
        Organization.objects.filter(pk=self.unit_a.pk).update(version=2, address="别人改的地址")
        response = client.post(f"/organizations/{self.unit_a.pk}/edit/", stale)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.assertContains(response, 'value="我填写的地址"', status_code=409)
        self.unit_a.refresh_from_db()
        self.assertEqual((self.unit_a.address, self.unit_a.version), ("别人改的地址", 2))

    def test_unit_admin_edits_its_own_organization_with_a_code_box(self):
        client = self.web(self.unit_admin)
        page = client.get(f"/organizations/{self.unit_a.pk}/edit/")
        self.assertContains(page, 'name="region" value="140525"')
        self.assertNotContains(page, 'name="jurisdiction"')
        response = client.post(
            f"/organizations/{self.unit_a.pk}/edit/", self.edit_data(self.unit_a, contact_phone="0356-1234567")
        )
        self.assertEqual(response.status_code, 302)
        self.unit_a.refresh_from_db()
        self.assertEqual(self.unit_a.contact_phone, "0356-1234567")
