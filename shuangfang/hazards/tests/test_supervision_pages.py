"""The regulator's hazard pages: the jurisdiction's major hazards and 挂牌督办, the listings and their loop through the
pages, the inbox, the enforcement finding, and the inspection form's findings reaching the regulator."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shuangfang.core.attachments import do_upload_attachment
from shuangfang.core.testing import CastTestCase, make_equipment, make_user, tiny_png
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services
from shuangfang.hazards.choices import HazardGrade, HazardSource, HazardStatus, ListingLevel, ListingStatus
from shuangfang.hazards.models import Hazard, HazardAttachment, Listing
from shuangfang.notifications.models import Notification

PLAN = {
    "goal": "消除限速器—安全钳联动失效",
    "methods": "更换限速器并做联动试验",
    "funds_materials": "专项资金 2 万元",
    "organization_people": "设备部，维保单位",
    "timeline": "30 日内完成",
    "safety_contingency": "停梯并设置警示，困人按应急预案处置",
}


def evidence(name="after.png"):
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


class SupervisionCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.today = timezone.localdate()
        cls.major = services.do_report_hazard(
            actor=cls.owner,
            equipment=cls.equipment_a,
            description="限速器与安全钳联动试验不动作",
            clauses=["4.6c"],
        )
        cls.general = services.do_report_hazard(actor=cls.owner, equipment=cls.equipment_a, description="轿厢照明损坏")
        cls.major_b = services.do_report_hazard(
            actor=cls.unit_b_user, equipment=cls.equipment_b, description="乙单位曳引绳断股", clauses=["4.6c"]
        )

    def confirm(self, hazard, deadline=None):
        hazard.refresh_from_db()
        return services.do_confirm_hazard(
            actor=self.director,
            hazard=hazard,
            data={
                "grade": HazardGrade.MAJOR,
                "handling": "deadline",
                "deadline": deadline or self.today + timedelta(days=30),
                "responsible": self.director,
                "measures": "停梯整改",
                "funds": "2 万元",
                "contingency": "困人应急预案",
                "plan": PLAN,
            },
            expected_version=hazard.version,
        )

    def upload(self):
        return do_upload_attachment(actor=self.director, uploaded=evidence())

    def list_(self, hazard, actor=None):
        return services.do_list_hazard(
            actor=actor or self.county_inspector,
            hazard=hazard,
            level=ListingLevel.COUNTY,
            deadline=self.today + timedelta(days=20),
            requirements="立即停用",
        )


class MajorHazardsPageTests(SupervisionCase):
    url = reverse("hazards:major-hazards")

    def test_regulators_see_the_major_hazards_of_their_jurisdiction_only(self):
        for user in (self.county_inspector, self.city_inspector, self.province_leader):
            response = self.web(user).get(self.url)
            self.assertEqual(response.status_code, 200, user.username)
            self.assertContains(response, self.major.description)
            self.assertNotContains(response, self.general.description)
        for user in (self.sibling_inspector, self.other_city_inspector):
            response = self.web(user).get(self.url)
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, self.major.description)
        self.assertContains(self.web(self.sibling_inspector).get(self.url), self.major_b.description)

    def test_units_and_agencies_are_refused(self):
        for user in (self.owner, self.agency_user):
            self.assertEqual(self.web(user).get(self.url).status_code, 403)

    def test_the_row_shows_clauses_and_a_listing_button_for_inspectors_only(self):
        list_url = reverse("hazards:list-hazard", args=[self.major.pk])
        response = self.web(self.county_inspector).get(self.url)
        self.assertContains(response, "4.6c")
        self.assertContains(response, list_url)
        self.assertNotContains(self.web(self.province_leader).get(self.url), list_url)

    def test_filters_by_child_region_listing_and_overdue(self):
        city = self.web(self.city_inspector)
        response = city.get(self.url, {"region": self.ZEZHOU})
        self.assertContains(response, self.major.description)
        self.assertNotContains(response, self.major_b.description)
        response = city.get(self.url, {"region": self.YANGCHENG})
        self.assertNotContains(response, self.major.description)
        self.assertContains(response, self.major_b.description)

        self.confirm(self.major)
        listing = self.list_(self.major)
        response = city.get(self.url, {"listed": "yes"})
        self.assertContains(response, self.major.description)
        self.assertContains(response, reverse("hazards:listing", args=[listing.pk]))
        self.assertNotContains(response, self.major_b.description)
        self.assertNotContains(city.get(self.url, {"listed": "no"}), self.major.description)

        Hazard.objects.filter(pk=self.major.pk).update(deadline=self.today - timedelta(days=2))
        response = city.get(self.url, {"overdue": "yes"})
        self.assertContains(response, self.major.description)
        self.assertContains(response, "超期 2 天")
        self.assertNotContains(response, self.major_b.description)

    def test_closed_hazards_are_left_out_unless_asked_for(self):
        Hazard.objects.filter(pk=self.major.pk).update(status=HazardStatus.CLOSED)
        client = self.web(self.county_inspector)
        self.assertNotContains(client.get(self.url), self.major.description)
        self.assertContains(client.get(self.url, {"status": "closed"}), self.major.description)
        self.assertContains(client.get(self.url, {"status": "all"}), self.major.description)

    def test_htmx_gets_only_the_rows(self):
        response = self.web(self.county_inspector).get(self.url, headers={"HX-Request": "true"})
        self.assertContains(response, self.major.description)
        self.assertNotContains(response, "<html")


class ListHazardPageTests(SupervisionCase):
    def url(self, hazard):
        return reverse("hazards:list-hazard", args=[hazard.pk])

    def test_the_level_is_the_regulators_own(self):
        response = self.web(self.county_inspector).get(self.url(self.major))
        self.assertContains(response, "县级挂牌")
        self.assertContains(response, 'name="deadline"')
        self.assertContains(self.web(self.city_inspector).get(self.url(self.major)), "市级挂牌")

    def test_outside_the_jurisdiction_is_not_found_and_a_leader_may_not_list(self):
        for user in (self.sibling_inspector, self.other_city_inspector):
            self.assertEqual(self.web(user).get(self.url(self.major)).status_code, 404, user.username)
        self.assertEqual(self.web(self.province_leader).get(self.url(self.major)).status_code, 403)
        self.assertEqual(self.web(self.owner).get(self.url(self.major)).status_code, 403)
        self.assertEqual(self.web(self.county_inspector).get(self.url(self.general)).status_code, 404)

    def test_listing_creates_the_listing_at_the_own_level(self):
        deadline = self.today + timedelta(days=15)
        response = self.web(self.city_inspector).post(
            self.url(self.major), {"deadline": deadline.isoformat(), "requirements": "立即停用，按期报告"}
        )
        listing = Listing.objects.get(hazard=self.major)
        self.assertRedirects(response, reverse("hazards:listing", args=[listing.pk]))
        self.assertEqual(listing.level, ListingLevel.CITY)
        self.assertEqual(listing.listing_authority, self.city)
        self.assertEqual(listing.deadline, deadline)

    def test_a_past_deadline_is_refused_on_the_form(self):
        response = self.web(self.county_inspector).post(
            self.url(self.major), {"deadline": (self.today - timedelta(days=1)).isoformat()}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "督办期限不能早于今天", status_code=400)
        self.assertFalse(Listing.objects.exists())

    def test_a_listed_hazard_shows_its_listing_instead_of_the_form(self):
        listing = self.list_(self.major)
        response = self.web(self.county_inspector).get(self.url(self.major))
        self.assertContains(response, reverse("hazards:listing", args=[listing.pk]))
        self.assertNotContains(response, 'name="deadline"')


class ListingPagesTests(SupervisionCase):
    def test_listing_list_and_page_are_scoped(self):
        listing = self.list_(self.major)
        url = reverse("hazards:listing", args=[listing.pk])
        for user in (self.owner, self.principal, self.county_inspector, self.city_inspector, self.province_leader):
            self.assertContains(self.web(user).get(reverse("hazards:listings")), url, msg_prefix=user.username)
            self.assertEqual(self.web(user).get(url).status_code, 200, user.username)
        for user in (self.unit_b_user, self.other_unit_user, self.sibling_inspector, self.other_city_inspector):
            self.assertNotContains(self.web(user).get(reverse("hazards:listings")), url, msg_prefix=user.username)
            self.assertEqual(self.web(user).get(url).status_code, 404, user.username)

    def test_listing_list_filters_by_status_and_level(self):
        listing = self.list_(self.major)
        url = reverse("hazards:listing", args=[listing.pk])
        client = self.web(self.county_inspector)
        self.assertContains(client.get(reverse("hazards:listings"), {"level": "county"}), url)
        self.assertNotContains(client.get(reverse("hazards:listings"), {"level": "city"}), url)
        self.assertNotContains(client.get(reverse("hazards:listings"), {"status": "delisted"}), url)
        self.assertContains(client.get(reverse("hazards:listings"), {"status": "listed"}), url)

    def test_the_loop_through_the_pages(self):
        inspector = self.web(self.county_inspector)
        unit = self.web(self.director)
        self.confirm(self.major)

        # List it from the major-hazards page.
        inspector.post(
            reverse("hazards:list-hazard", args=[self.major.pk]),
            {"deadline": (self.today + timedelta(days=20)).isoformat(), "requirements": "立即停用"},
        )
        listing = Listing.objects.get(hazard=self.major)
        page = reverse("hazards:listing", args=[listing.pk])
        self.assertContains(unit.get(reverse("hazards:listings")), page)

        # Only the forms each side may use.
        response = unit.get(page)
        self.assertContains(response, reverse("hazards:listing-report-completion", args=[listing.pk]))
        self.assertNotContains(response, reverse("hazards:listing-verify", args=[listing.pk]))
        response = inspector.get(page)
        self.assertNotContains(response, reverse("hazards:listing-report-completion", args=[listing.pk]))
        self.assertNotContains(response, reverse("hazards:listing-verify", args=[listing.pk]))

        # The unit reports completion with evidence.
        response = unit.post(
            reverse("hazards:listing-report-completion", args=[listing.pk]),
            {
                "description": "已更换限速器，联动试验合格",
                "evidence": [evidence(), evidence("report.png")],
                "version": 1,
            },
        )
        self.assertRedirects(response, page)
        listing.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.COMPLETION_REPORTED)
        self.assertEqual(
            HazardAttachment.objects.filter(hazard=self.major, stage=HazardAttachment.Stage.COMPLETION).count(), 2
        )
        response = inspector.get(page)
        self.assertContains(response, "已更换限速器，联动试验合格")
        self.assertContains(response, "/download/")
        self.assertContains(response, reverse("hazards:listing-verify", args=[listing.pk]))
        self.assertNotContains(unit.get(page), reverse("hazards:listing-verify", args=[listing.pk]))

        # Verification fails: back to rectifying.
        response = inspector.post(
            reverse("hazards:listing-verify", args=[listing.pk]),
            {"passed": "no", "comment": "安全钳钳体磨损未处理", "version": listing.version},
        )
        self.assertRedirects(response, page)
        listing.refresh_from_db()
        self.major.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.LISTED)
        self.assertEqual(self.major.status, HazardStatus.RECTIFYING)
        self.assertContains(unit.get(page), "安全钳钳体磨损未处理")

        # Reported again, verified, delisted: the hazard is closed.
        response = unit.post(
            reverse("hazards:listing-report-completion", args=[listing.pk]),
            {"description": "已更换安全钳钳体", "evidence": [evidence("second.png")], "version": listing.version},
        )
        self.assertRedirects(response, page)
        listing.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.COMPLETION_REPORTED)
        response = inspector.post(
            reverse("hazards:listing-verify", args=[listing.pk]),
            {"passed": "yes", "comment": "整改到位", "version": listing.version},
        )
        self.assertRedirects(response, page)
        listing.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.VERIFIED)
        response = inspector.get(page)
        self.assertContains(response, reverse("hazards:listing-delist", args=[listing.pk]))
        self.assertNotContains(unit.get(page), reverse("hazards:listing-delist", args=[listing.pk]))
        self.assertNotContains(
            self.web(self.province_leader).get(page), reverse("hazards:listing-delist", args=[listing.pk])
        )
        response = inspector.post(reverse("hazards:listing-delist", args=[listing.pk]), {"version": listing.version})
        self.assertRedirects(response, page)
        listing.refresh_from_db()
        self.major.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.DELISTED)
        self.assertEqual(self.major.status, HazardStatus.CLOSED)
        self.assertIsNotNone(self.major.closed_at)
        response = inspector.get(page)
        self.assertContains(response, "摘牌销号")
        self.assertNotContains(response, reverse("hazards:listing-delist", args=[listing.pk]))
        self.assertNotContains(inspector.get(reverse("hazards:listings")), page)  # open ones by default
        self.assertContains(inspector.get(reverse("hazards:listings"), {"status": "all"}), page)

    def test_a_stale_version_is_explained_and_the_form_carries_the_new_one(self):
        self.confirm(self.major)
        listing = self.list_(self.major)
        listing = services.do_report_completion(
            actor=self.director,
            listing=listing,
            description="已整改",
            evidence=[self.upload()],
            expected_version=listing.version,
        )
        response = self.web(self.county_inspector).post(
            reverse("hazards:listing-verify", args=[listing.pk]),
            {"passed": "yes", "comment": "通过", "version": listing.version - 1},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "已被他人处理", status_code=409)
        self.assertContains(response, "数据已被他人修改", status_code=409)
        self.assertContains(response, f'name="version" value="{listing.version}"', status_code=409)
        listing.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.COMPLETION_REPORTED)

    def test_verification_without_a_comment_is_refused_on_the_form(self):
        self.confirm(self.major)
        listing = self.list_(self.major)
        listing = services.do_report_completion(
            actor=self.director, listing=listing, description="已整改", evidence=[self.upload()], expected_version=1
        )
        response = self.web(self.county_inspector).post(
            reverse("hazards:listing-verify", args=[listing.pk]), {"passed": "yes", "version": listing.version}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请填写意见", status_code=400)

    def test_a_unit_may_not_post_a_verification_nor_a_regulator_a_completion(self):
        self.confirm(self.major)
        listing = self.list_(self.major)
        response = self.web(self.county_inspector).post(
            reverse("hazards:listing-report-completion", args=[listing.pk]),
            {"description": "x", "evidence": [evidence()], "version": listing.version},
        )
        self.assertEqual(response.status_code, 403)
        response = self.web(self.director).post(
            reverse("hazards:listing-verify", args=[listing.pk]),
            {"passed": "yes", "comment": "x", "version": listing.version},
        )
        self.assertEqual(response.status_code, 403)
        response = self.web(self.sibling_inspector).post(
            reverse("hazards:listing-delist", args=[listing.pk]), {"version": listing.version}
        )
        self.assertEqual(response.status_code, 404)

    def test_an_unconfirmed_hazard_points_the_unit_to_its_confirmation(self):
        listing = self.list_(self.major)
        response = self.web(self.director).get(reverse("hazards:listing", args=[listing.pk]))
        self.assertContains(response, "隐患尚未确认定级")
        self.assertNotContains(response, reverse("hazards:listing-report-completion", args=[listing.pk]))

    def test_evidence_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_kept(self):
        self.confirm(self.major)
        listing = self.list_(self.major)
        response = self.web(self.director).post(
            reverse("hazards:listing-report-completion", args=[listing.pk]),
            {
                "description": "已整改",
                "evidence": [SimpleUploadedFile("x.txt", b"plain text", content_type="text/plain")],
                "version": listing.version,
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "只接受 JPEG、PNG 图片或 PDF 文件", status_code=400)
        listing.refresh_from_db()
        self.assertEqual(listing.status, ListingStatus.LISTED)
        self.assertFalse(HazardAttachment.objects.filter(hazard=self.major).exists())


class InboxPageTests(SupervisionCase):
    url = reverse("hazards:inbox")

    def test_what_reached_the_regulator_newest_first(self):
        later = services.do_report_hazard(
            actor=self.owner, equipment=self.equipment_a, description="安全钳动作后未复位", clauses=["4.6c"]
        )
        response = self.web(self.county_inspector).get(self.url)
        self.assertContains(response, self.major.description)
        self.assertNotContains(response, self.general.description)  # a general hazard is the unit's own business
        text = response.content.decode()
        self.assertLess(text.index(later.description), text.index(self.major.description))
        self.assertContains(response, reverse("hazards:list-hazard", args=[self.major.pk]))

    def test_other_regions_see_none_of_it_and_units_are_refused(self):
        for user in (self.sibling_inspector, self.other_city_inspector):
            response = self.web(user).get(self.url)
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, self.major.description)
        self.assertEqual(self.web(self.owner).get(self.url).status_code, 403)

    def test_filter_by_source(self):
        client = self.web(self.county_inspector)
        self.assertContains(client.get(self.url, {"source": HazardSource.REPORT}), self.major.description)
        self.assertNotContains(client.get(self.url, {"source": HazardSource.INSPECTION_AGENCY}), self.major.description)

    def test_overdue_in_use_equipment_of_the_jurisdiction_paged(self):
        overdue = [
            make_equipment(self.unit_a, f"31101401012020A1{n:03d}", inspection_due_on=date(2020, 1, n + 1))
            for n in range(21)
        ]
        suspended = make_equipment(
            self.unit_a, "31101401012020A9999", inspection_due_on=date(2020, 1, 1), status="suspended"
        )
        elsewhere = make_equipment(self.unit_b, "31101401012020B9999", inspection_due_on=date(2020, 1, 1))
        Equipment.objects.filter(pk=self.equipment_a.pk).update(inspection_due_on=self.today + timedelta(days=365))
        client = self.web(self.county_inspector)
        response = client.get(self.url)
        self.assertContains(response, "超期未检的在用设备（21 台）")
        self.assertContains(response, overdue[0].code)
        self.assertNotContains(response, overdue[20].code)  # the second page
        self.assertNotContains(response, suspended.code)
        self.assertNotContains(response, elsewhere.code)
        self.assertContains(response, self.equipment_a.code, count=1)  # its hazard's row only: not overdue
        self.assertContains(client.get(self.url, {"equipment_page": 2}), overdue[20].code)


class FindingPageTests(SupervisionCase):
    url = reverse("hazards:finding-create")

    def test_choose_a_unit_of_the_jurisdiction(self):
        response = self.web(self.county_inspector).get(self.url)
        self.assertContains(response, self.unit_a.name)
        self.assertContains(response, self.unit_c.name)
        self.assertNotContains(response, self.unit_b.name)
        response = self.web(self.county_inspector).get(self.url, {"q": "甲"})
        self.assertContains(response, self.unit_a.name)
        self.assertNotContains(response, self.unit_c.name)

    def test_a_unit_outside_the_jurisdiction_is_refused(self):
        client = self.web(self.county_inspector)
        self.assertEqual(client.get(self.url, {"unit": self.unit_b.pk}).status_code, 404)
        before = Hazard.objects.count()
        response = client.post(self.url, {"unit": self.unit_b.pk, "description": "违规使用"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Hazard.objects.count(), before)

    def test_only_inspectors_register_findings(self):
        self.assertEqual(self.web(self.province_leader).get(self.url).status_code, 403)
        self.assertEqual(self.web(self.owner).get(self.url).status_code, 403)
        self.assertEqual(self.web(self.agency_user).get(self.url).status_code, 403)

    def test_a_finding_with_clauses_and_serious_categories_goes_to_the_hazard_page(self):
        client = self.web(self.county_inspector)
        response = client.get(self.url, {"unit": self.unit_a.pk})
        self.assertContains(response, self.equipment_a.code)  # suggested in the datalist
        self.assertContains(response, 'value="4.6c"')
        self.assertContains(response, 'value="S6"')
        response = client.post(
            self.url,
            {
                "unit": self.unit_a.pk,
                "equipment_code": self.equipment_a.code.lower(),
                "description": "监督检查发现限速器铅封损坏",
                "clauses": ["4.6c"],
                "serious_categories": ["S6"],
            },
        )
        hazard = Hazard.objects.get(description="监督检查发现限速器铅封损坏")
        self.assertRedirects(response, f"/hazards/{hazard.pk}/", fetch_redirect_response=False)
        self.assertEqual(hazard.source, HazardSource.REGULATOR)
        self.assertEqual(hazard.equipment, self.equipment_a)
        self.assertEqual(hazard.grade, HazardGrade.MAJOR)
        self.assertEqual(hazard.found_by_organization, self.county)
        self.assertEqual(hazard.serious_categories, ["S3", "S6"])

    def test_equipment_of_another_unit_is_refused_on_the_form(self):
        response = self.web(self.county_inspector).post(
            self.url, {"unit": self.unit_a.pk, "equipment_code": self.equipment_c.code, "description": "问题"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "没有设备代码为", status_code=400)
        self.assertFalse(Hazard.objects.filter(description="问题").exists())

    def test_an_empty_description_is_the_services_message(self):
        response = self.web(self.county_inspector).post(self.url, {"unit": self.unit_a.pk, "description": " "})
        self.assertEqual(response.status_code, 400)


class InspectionFindingsTests(SupervisionCase):
    def test_a_serious_finding_reaches_the_regulator(self):
        client = self.web(self.agency_user)
        url = reverse("equipment:inspection-create", args=[self.equipment_a.pk])
        form = client.get(url)
        self.assertContains(form, 'name="hazard_5_description"')
        self.assertContains(form, 'name="hazard_1_serious"')
        response = client.post(
            url,
            {
                "kind": "periodic",
                "inspected_on": self.today.isoformat(),
                "conclusion": "pass",
                "next_due_on": (self.today + timedelta(days=365)).isoformat(),
                "report_no": "JC-2026-001",
                "hazard_1_description": "制动器闸瓦磨损超标",
                "hazard_1_serious": "on",
                "hazard_2_description": "机房照明不足",
            },
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        serious = Hazard.objects.get(description="制动器闸瓦磨损超标")
        plain = Hazard.objects.get(description="机房照明不足")
        self.assertEqual(serious.source, HazardSource.INSPECTION_AGENCY)
        self.assertEqual(serious.found_by_organization, self.agency)
        self.assertIsNotNone(serious.reported_to_regulator_at)
        self.assertIsNone(plain.reported_to_regulator_at)
        self.assertEqual(set(serious.inspection.hazards.all()), {serious, plain})
        # The page after saving names both, with their links.
        self.assertContains(response, "已登记 2 项隐患")
        self.assertContains(response, f'href="/hazards/{serious.pk}/"')
        self.assertContains(response, "已报告监管部门")

        inbox = self.web(self.county_inspector).get(reverse("hazards:inbox"))
        self.assertContains(inbox, serious.description)
        self.assertNotContains(inbox, plain.description)
        self.assertContains(inbox, "严重问题")
        self.assertTrue(
            Notification.objects.filter(
                user=self.county_inspector, kind="hazard.serious_finding", link=f"/hazards/{serious.pk}/"
            ).exists()
        )
        self.assertNotContains(self.web(self.sibling_inspector).get(reverse("hazards:inbox")), serious.description)

    def test_a_serious_row_without_a_description_is_refused(self):
        response = self.web(self.agency_user).post(
            reverse("equipment:inspection-create", args=[self.equipment_a.pk]),
            {
                "kind": "periodic",
                "inspected_on": self.today.isoformat(),
                "conclusion": "pass",
                "next_due_on": (self.today + timedelta(days=365)).isoformat(),
                "hazard_3_serious": "on",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请描述该问题", status_code=400)
        self.assertFalse(self.equipment_a.inspections.exists())
