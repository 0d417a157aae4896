"""Grids (网格化监管): the county regulator defines them, a unit sits in at most one grid of its county, the regulators
above read them, other counties never see them; the inspector's home shows its grid."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.services import PermissionDenied, VersionConflict
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user
from shuangfang.hazards import services as hazard_services
from shuangfang.safety.models import ComplianceGap
from shuangfang.supervision.models import Grid
from shuangfang.supervision.selectors_grids import my_grids
from shuangfang.supervision.services_grids import do_create_grid, do_update_grid


class GridCast(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.county_leader = make_user("county_leader", cls.county, "regulator_leader")
        cls.second_inspector = make_user("second_inspector", cls.county, "inspector")
        cls.city_admin = make_user("city_admin", cls.city, "regulator_admin")
        cls.sibling_admin = make_user("sibling_admin", cls.sibling_county, "regulator_admin")
        cls.filling_station = make_organization("丁充装站", "filling_station", cls.ZEZHOU, seed=4)
        cls.grid = do_create_grid(
            actor=cls.county_admin,
            name="城区网格",
            description="南村镇、北义城镇",
            units=[cls.unit_a],
            inspectors=[cls.county_inspector],
        )

    def fresh(self, user) -> User:
        return User.objects.get(pk=user.pk)


class GridServiceTests(GridCast):
    def test_the_county_admin_defines_a_grid_with_the_countys_units_and_inspectors(self):
        self.assertEqual((self.grid.organization, self.grid.region_id, self.grid.version), (self.county, "140525", 1))
        self.assertEqual(list(self.grid.units.all()), [self.unit_a])
        self.assertEqual(list(self.grid.inspectors.all()), [self.county_inspector])
        event = Event.objects.get(type="supervision.grid_created")
        self.assertEqual(
            (event.object_id, event.region_code, event.actor), (str(self.grid.pk), "140525", self.county_admin)
        )
        self.assertEqual(event.data["units"], [self.unit_a.pk])

    def test_the_countys_leader_defines_grids_too_and_filling_stations_are_units(self):
        grid = do_create_grid(actor=self.county_leader, name="园区网格", units=[self.unit_c, self.filling_station])
        self.assertEqual(set(grid.units.all()), {self.unit_c, self.filling_station})

    def test_inspectors_cities_provinces_and_units_define_no_grid(self):
        for user in (self.county_inspector, self.city_admin, self.province_leader, self.owner, self.system_admin):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                do_create_grid(actor=self.fresh(user), name=f"{user.username} 网格")
        self.assertEqual(Grid.objects.count(), 1)

    def test_a_unit_of_another_county_is_refused(self):
        with self.assertRaises(ValidationError) as refused:
            do_create_grid(actor=self.county_admin, name="越界网格", units=[self.unit_b])
        self.assertIn("不在泽州县", refused.exception.message_dict["units"][0])
        with self.assertRaises(ValidationError):
            do_update_grid(actor=self.county_admin, grid=self.grid, changes={"units": [self.unit_b]}, version=1)
        self.assertFalse(Grid.objects.filter(name="越界网格").exists())
        self.assertEqual(list(self.grid.units.all()), [self.unit_a])

    def test_only_equipment_owning_units_go_into_a_grid(self):
        with self.assertRaises(ValidationError) as refused:
            do_create_grid(actor=self.county_admin, name="机构网格", units=[self.agency, self.county])
        self.assertIn("只有使用特种设备的单位", refused.exception.message_dict["units"][0])

    def test_a_unit_belongs_to_at_most_one_grid_of_its_county(self):
        with self.assertRaises(ValidationError) as refused:
            do_create_grid(actor=self.county_admin, name="第二网格", units=[self.unit_c, self.unit_a])
        self.assertIn("甲单位（城区网格）", refused.exception.message_dict["units"][0])
        second = do_create_grid(actor=self.county_admin, name="第二网格", units=[self.unit_c])
        with self.assertRaises(ValidationError):
            do_update_grid(actor=self.county_admin, grid=second, changes={"units": [self.unit_a]}, version=1)
        # Moved out of the first grid, the unit may join the second.
        do_update_grid(actor=self.county_admin, grid=self.grid, changes={"units": []}, version=1)
        second = do_update_grid(
            actor=self.county_admin, grid=second, changes={"units": [self.unit_a, self.unit_c]}, version=1
        )
        self.assertEqual(set(second.units.all()), {self.unit_a, self.unit_c})

    def test_inspectors_are_the_regulators_own_inspectors(self):
        for person, words in ((self.sibling_inspector, "不是本部门人员"), (self.county_admin, "不是在职的监察人员")):
            with self.subTest(person=person.username), self.assertRaises(ValidationError) as refused:
                do_update_grid(actor=self.county_admin, grid=self.grid, changes={"inspectors": [person]}, version=1)
            self.assertIn(words, refused.exception.message_dict["inspectors"][0])

    def test_names_are_unique_within_the_regulator_and_required(self):
        for name, words in (("城区网格", "已有名为"), ("  ", "请填写网格名称")):
            with self.subTest(name=name), self.assertRaises(ValidationError) as refused:
                do_create_grid(actor=self.county_admin, name=name)
            self.assertIn(words, refused.exception.message_dict["name"][0])

    def test_an_update_names_its_version_and_records_what_changed(self):
        grid = do_update_grid(
            actor=self.county_leader,
            grid=self.grid,
            changes={"name": "城区一网格", "units": [self.unit_a, self.unit_c], "inspectors": [self.second_inspector]},
            version=1,
        )
        self.assertEqual((grid.name, grid.version), ("城区一网格", 2))
        event = Event.objects.get(type="supervision.grid_updated")
        self.assertEqual(event.data["changes"]["name"], ["城区网格", "城区一网格"])
        self.assertEqual(event.data["changes"]["units"], {"added": [self.unit_c.pk], "removed": []})
        self.assertEqual(
            event.data["changes"]["inspectors"],
            {"added": [self.second_inspector.pk], "removed": [self.county_inspector.pk]},
        )
        with self.assertRaises(VersionConflict):
            do_update_grid(actor=self.county_admin, grid=grid, changes={"name": "旧版本"}, version=1)
        with self.assertRaises(ValidationError):
            do_update_grid(actor=self.county_admin, grid=grid, changes={"name": "无版本"}, version=None)
        # Nothing changed: no new version, no event.
        do_update_grid(actor=self.county_admin, grid=grid, changes={"name": "城区一网格"}, version=2)
        grid.refresh_from_db()
        self.assertEqual(grid.version, 2)
        self.assertEqual(Event.objects.filter(type="supervision.grid_updated").count(), 1)

    def test_only_the_owning_county_edits(self):
        for user in (self.city_admin, self.sibling_admin, self.county_inspector):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                do_update_grid(actor=self.fresh(user), grid=self.grid, changes={"name": "改名"}, version=1)
        self.grid.refresh_from_db()
        self.assertEqual((self.grid.name, self.grid.version), ("城区网格", 1))


class GridScopeTests(GridCast):
    def test_the_county_and_the_regulators_above_it_see_the_grid_nobody_else(self):
        for user in (self.county_inspector, self.county_admin, self.city_inspector, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(list(Grid.objects.visible_to(user)), [self.grid])
        for user in (self.sibling_inspector, self.other_city_inspector, self.owner, self.agency_user):
            with self.subTest(user=user.username):
                self.assertEqual(list(Grid.objects.visible_to(user)), [])


class GridPageTests(GridCast):
    def test_the_list_shows_the_jurisdictions_grids(self):
        response = self.web(self.city_inspector).get(reverse("supervision:grids"))
        self.assertContains(response, "城区网格")
        self.assertNotContains(response, reverse("supervision:grid-new"))
        response = self.web(self.county_admin).get(reverse("supervision:grids"))
        self.assertContains(response, reverse("supervision:grid-new"))
        self.assertNotContains(self.web(self.sibling_inspector).get(reverse("supervision:grids")), "城区网格")
        self.assertEqual(self.web(self.owner).get(reverse("supervision:grids")).status_code, 404)

    def test_the_detail_counts_what_each_unit_has_open(self):
        hazard_services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门可被扒开")
        ComplianceGap.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            kind="document",
            key="document:test",
            message="缺少制度。",
            citation="《特种设备安全法》第三十四条",
            opened_at=timezone.now(),
        )
        make_equipment(self.unit_a, "31101401012020A0009", inspection_due_on=date.today() - timedelta(days=3))
        response = self.web(self.county_inspector).get(reverse("supervision:grid-detail", args=[self.grid.pk]))
        self.assertEqual(response.status_code, 200)
        (row,) = response.context["rows"]
        self.assertEqual((row.unit, row.hazards_open, row.gaps_open, row.inspections_overdue), (self.unit_a, 1, 1, 1))
        self.assertContains(response, reverse("safety:unit-file", args=[self.unit_a.pk]))
        self.assertContains(response, f"organization={self.unit_a.pk}&amp;is_open=true")
        self.assertNotContains(response, reverse("supervision:grid-edit", args=[self.grid.pk]))
        admin_page = self.web(self.county_admin).get(reverse("supervision:grid-detail", args=[self.grid.pk]))
        self.assertContains(admin_page, reverse("supervision:grid-edit", args=[self.grid.pk]))

    def test_other_counties_and_cities_get_404_the_city_reads_but_may_not_edit(self):
        detail = reverse("supervision:grid-detail", args=[self.grid.pk])
        edit = reverse("supervision:grid-edit", args=[self.grid.pk])
        for user in (self.sibling_inspector, self.sibling_admin, self.other_city_inspector, self.owner):
            for url in (detail, edit):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.web(user).get(url).status_code, 404)
            with self.subTest(user=user.username, url=edit, method="POST"):
                self.assertEqual(self.web(user).post(edit, {"name": "x", "version": 1}).status_code, 404)
        self.assertEqual(self.web(self.city_inspector).get(detail).status_code, 200)
        self.assertEqual(self.web(self.city_admin).get(edit).status_code, 403)
        self.assertEqual(self.web(self.county_inspector).post(edit, {"name": "x", "version": 1}).status_code, 403)
        self.grid.refresh_from_db()
        self.assertEqual(self.grid.name, "城区网格")

    def test_the_county_admin_creates_a_grid_with_the_form(self):
        client = self.web(self.county_admin)
        page = client.get(reverse("supervision:grid-new"))
        self.assertContains(page, "甲单位（现属 城区网格）")
        self.assertNotContains(page, "乙单位")
        response = client.post(
            reverse("supervision:grid-new"),
            {"name": "园区网格", "units": [self.unit_c.pk], "inspectors": [self.second_inspector.pk]},
        )
        grid = Grid.objects.get(name="园区网格")
        self.assertRedirects(response, reverse("supervision:grid-detail", args=[grid.pk]))
        self.assertEqual(list(grid.inspectors.all()), [self.second_inspector])
        self.assertEqual(self.web(self.county_inspector).get(reverse("supervision:grid-new")).status_code, 403)
        self.assertEqual(self.web(self.city_admin).get(reverse("supervision:grid-new")).status_code, 403)

    def test_a_refused_form_says_why_and_changes_nothing(self):
        response = self.web(self.county_admin).post(
            reverse("supervision:grid-new"), {"name": "第二网格", "units": [self.unit_a.pk, self.unit_c.pk]}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "一个单位只能属于本县的一个网格", status_code=400)
        self.assertFalse(Grid.objects.filter(name="第二网格").exists())

    def test_the_county_admin_edits_a_grid_and_a_stale_form_is_409(self):
        edit = reverse("supervision:grid-edit", args=[self.grid.pk])
        client = self.web(self.county_admin)
        self.assertContains(client.get(edit), "城区网格")
        body = {"name": "城区一网格", "units": [self.unit_a.pk, self.unit_c.pk], "inspectors": [], "version": 1}
        self.assertRedirects(client.post(edit, body), reverse("supervision:grid-detail", args=[self.grid.pk]))
        self.grid.refresh_from_db()
        self.assertEqual((self.grid.name, self.grid.version, self.grid.inspectors.count()), ("城区一网格", 2, 0))
        self.assertEqual(client.post(edit, {**body, "name": "旧版本"}).status_code, 409)


class InspectorHomeTests(GridCast):
    def test_an_inspector_in_a_grid_sees_its_units_on_the_home_page(self):
        hazard_services.do_report_hazard(actor=self.member, equipment=self.equipment_a, description="层门可被扒开")
        response = self.web(self.county_inspector).get("/")
        self.assertContains(response, "我的网格")
        (panel,) = response.context["my_grids"]
        self.assertEqual(panel.grid, self.grid)
        self.assertEqual([(row.unit, row.hazards_open) for row in panel.rows], [(self.unit_a, 1)])
        self.assertContains(response, reverse("safety:unit-file", args=[self.unit_a.pk]))

    def test_regulators_in_no_grid_see_no_panel(self):
        for user in (self.second_inspector, self.city_inspector, self.county_admin):
            with self.subTest(user=user.username):
                response = self.web(user).get("/")
                self.assertEqual(response.context["my_grids"], [])
                self.assertNotContains(response, "我的网格")

    def test_the_panel_costs_the_same_queries_however_many_units(self):
        def queries() -> int:
            user = self.fresh(self.county_inspector)
            with CaptureQueriesContext(connection) as captured:
                my_grids(user, timezone.localdate())
            return len(captured)

        few = queries()
        units = [self.unit_a]
        for n in range(8):
            unit = make_organization(f"新单位{n}", "use_unit", self.ZEZHOU, seed=60 + n)
            make_equipment(unit, f"31101401012020N{n:04d}", inspection_due_on=date.today() - timedelta(days=1))
            units.append(unit)
        do_update_grid(actor=self.county_admin, grid=self.grid, changes={"units": units}, version=1)
        self.assertEqual(queries(), few)
        self.assertEqual(len(my_grids(self.county_inspector, timezone.localdate())[0].rows), 9)


class GridApiTests(GridCast):
    URL = "/api/v1/supervision/grids/"

    def detail(self, grid=None) -> str:
        return f"{self.URL}{(grid or self.grid).pk}/"

    def test_the_county_admin_creates_and_updates_with_the_version(self):
        api = self.api(self.county_admin)
        response = api.post(
            self.URL,
            {"name": "园区网格", "units": [self.unit_c.pk], "inspectors": [self.second_inspector.pk]},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["region"], body["organization"], body["units"], body["inspectors"], body["version"]),
            ("140525", self.county.pk, [self.unit_c.pk], [self.second_inspector.pk], 1),
        )
        url = f"{self.URL}{body['id']}/"
        response = api.patch(url, {"description": "高新园区", "version": 1}, format="json")
        self.assertEqual((response.status_code, response.json()["version"]), (200, 2))
        self.assertEqual(api.patch(url, {"description": "旧", "version": 1}, format="json").status_code, 409)
        self.assertEqual(api.patch(url, {"description": "无版本"}, format="json").status_code, 400)

    def test_refusals_are_specific(self):
        api = self.api(self.county_admin)
        # A unit of another county is outside the county's scope: "does not exist".
        self.assertEqual(
            api.post(self.URL, {"name": "越界", "units": [self.unit_b.pk]}, format="json").status_code, 404
        )
        response = api.post(self.URL, {"name": "重复", "units": [self.unit_a.pk]}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("城区网格", response.json()["units"][0])
        response = api.post(self.URL, {"name": "机构", "units": [self.county.pk]}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            self.api(self.county_inspector).post(self.URL, {"name": "监察员"}, format="json").status_code, 403
        )
        self.assertEqual(Grid.objects.count(), 1)

    def test_sibling_counties_and_other_cities_get_404_the_city_reads_and_may_not_edit(self):
        for user in (
            self.sibling_inspector,
            self.sibling_admin,
            self.other_city_inspector,
            self.owner,
            self.agency_user,
        ):
            api = self.api(user)
            with self.subTest(user=user.username):
                self.assertEqual(api.get(self.detail()).status_code, 404)
                self.assertEqual(api.patch(self.detail(), {"name": "x", "version": 1}, format="json").status_code, 404)
                self.assertEqual(api.get(self.URL).json()["results"], [])
        for user in (self.city_inspector, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(self.detail()).json()["units"], [self.unit_a.pk])
        response = self.api(self.city_admin).patch(self.detail(), {"name": "x", "version": 1}, format="json")
        self.assertEqual(response.status_code, 403)
        self.grid.refresh_from_db()
        self.assertEqual(self.grid.name, "城区网格")
