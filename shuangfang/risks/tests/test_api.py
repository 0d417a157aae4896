"""Risks through the API: identification, assessment and grading, control rules, reassessment, the template
library, risk points on site plans, the assessment tables, the four-colour summary, and scope."""

from datetime import date

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_organization, make_user, tiny_png
from shuangfang.risks import library, rules
from shuangfang.risks.models import Risk, RiskAssessment, RiskPoint

RISKS = "/api/v1/risks/"
POINTS = "/api/v1/risk-points/"
PLANS = "/api/v1/site-plans/"
TEMPLATES = "/api/v1/risk-templates/"
APPLY = "/api/v1/risk-templates/apply/"
HAN = "\u4e00-\u9fff"

# A frozen day: reviews are dated from it.
TODAY = date(2026, 3, 2)


def risk_body(**extra) -> dict:
    """A low risk (LS 2×3 = 6) controlled at post level by a safety officer's post."""
    body = {
        "title": "层门门锁失效",
        "hazard_source": "层门门锁触点粘连，轿厢离开后层门可被打开",
        "consequence": "人员坠入井道",
        "accident_type": "09",
        "method": "ls",
        "factors": {"L": 2, "S": 3},
        "control_level": "post",
        "measures": [
            {"kind": "engineering", "text": "门锁啮合深度不小于 7 mm", "check": True},
            {"kind": "management", "text": "维保单位每半月检查门锁", "check": False},
        ],
    }
    body.update(extra)
    return body


def detail(risk_id) -> str:
    return f"{RISKS}{risk_id}/"


class RiskApiTestCase(CastTestCase):
    def setUp(self):
        traveller = time_machine.travel(TODAY, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def create(self, user=None, **extra):
        body = risk_body(**extra)
        if "risk_point_id" not in body:
            body.setdefault("equipment", self.equipment_a.pk)
        return self.api(user or self.owner).post(RISKS, body, format="json")

    def create_ok(self, user=None, **extra) -> dict:
        response = self.create(user, **extra)
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def major(self, **extra) -> dict:
        return {"factors": {"L": 4, "S": 5}, "control_level": "company", "owner": self.principal.pk, **extra}

    def patch(self, risk: dict, user=None, **changes):
        changes.setdefault("version", risk["version"])
        return self.api(user or self.owner).patch(detail(risk["id"]), changes, format="json")

    def site_point(self, user=None, **extra) -> dict:
        body = {"kind": "site", "name": "叉车作业区", "location": "二号仓库", **extra}
        response = self.api(user or self.owner).post(POINTS, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def equipment_level(self, equipment=None):
        equipment = equipment or self.equipment_a
        response = self.api(self.owner).get(f"/api/v1/equipment/{equipment.pk}/")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["risk_level"]


class CreateRiskTests(RiskApiTestCase):
    def test_a_risk_of_an_equipment_is_assessed_and_graded(self):
        before = Event.objects.count()
        body = self.create_ok(**self.major())
        self.assertEqual(body["organization"], self.unit_a.pk)
        self.assertEqual(body["equipment"], self.equipment_a.pk)
        self.assertEqual(body["risk_point"], f"{self.equipment_a.name}（{self.equipment_a.code}）")
        self.assertEqual((body["score"], body["level"], body["color"]), ("20.00", "major", "red"))
        self.assertEqual(body["factors"], {"L": 4, "S": 5})
        self.assertEqual(body["owner"], self.principal.pk)
        self.assertEqual(body["reviewed_on"], "2026-03-02")
        self.assertEqual(body["version"], 1)
        self.assertEqual(len(body["measures"]), 2)
        self.assertEqual(body["measures"][0], {"kind": "engineering", "text": "门锁啮合深度不小于 7 mm", "check": True})
        for name in ("id", "hazard_source", "accident_type", "method", "control_level", "next_review_on"):
            self.assertIn(name, body)
        point = RiskPoint.objects.get(equipment=self.equipment_a)
        self.assertEqual((point.kind, point.organization_id, point.region_id), ("equipment", self.unit_a.pk, "140525"))
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual(
            (event.type, event.object_id, event.organization_id), ("risk.created", str(body["id"]), self.unit_a.pk)
        )
        self.assertEqual(event.data["level"], "major")

    def test_a_second_risk_of_the_same_equipment_uses_the_same_point(self):
        first = self.create_ok()
        second = self.create_ok(title="曳引钢丝绳断丝")
        self.assertEqual(first["risk_point_id"], second["risk_point_id"])
        self.assertEqual(RiskPoint.objects.filter(equipment=self.equipment_a).count(), 1)

    def test_a_risk_of_a_site_risk_point_by_lec(self):
        point = self.site_point()
        self.assertEqual((point["kind"], point["equipment"], point["level"]), ("site", None, None))
        body = self.create_ok(
            risk_point_id=point["id"],
            title="叉车撞人",
            method="lec",
            factors={"L": 3, "E": 6, "C": 15},
            control_level="department",
        )
        self.assertEqual((body["score"], body["level"], body["color"]), ("270.00", "significant", "orange"))
        self.assertIsNone(body["equipment"])
        self.assertEqual(body["risk_point"], "叉车作业区")
        self.assertEqual(body["risk_point_id"], point["id"])

    def test_neither_point_nor_equipment_is_400(self):
        body = risk_body()
        response = self.api(self.owner).post(RISKS, body, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("risk_point_id", response.json())
        self.assertFalse(Risk.objects.exists())

    def test_a_factor_outside_its_table_names_the_allowed_values(self):
        response = self.create(factors={"L": 6, "S": 5})
        self.assertEqual(response.status_code, 400, response.content)
        message = " ".join(response.json()["factors"])
        self.assertIn("L", message)
        for allowed in ("1", "2", "3", "4", "5"):
            self.assertIn(allowed, message)
        response = self.create(method="lec", factors={"L": 3, "E": 6, "C": 16})
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("100、40、15、7、3、1", " ".join(response.json()["factors"]))
        self.assertFalse(Risk.objects.exists())
        self.assertFalse(RiskAssessment.objects.exists())
        self.assertFalse(RiskPoint.objects.exists())

    def test_a_major_risk_needs_company_level_and_the_principal(self):
        response = self.create(**self.major(control_level="team", owner=self.owner.pk))
        self.assertEqual(response.status_code, 400, response.content)
        errors = response.json()
        self.assertIn("公司级", errors["control_level"][0])
        self.assertIn("主要负责人", errors["owner"][0])
        response = self.create(**self.major(control_level="team"))
        self.assertEqual(set(response.json()), {"control_level"})
        response = self.create(**self.major(owner=self.owner.pk))
        self.assertEqual(set(response.json()), {"owner"})
        response = self.create(**self.major(owner=None))
        self.assertEqual(set(response.json()), {"owner"})
        self.assertFalse(Risk.objects.exists())

    def test_a_lower_level_has_its_own_minimum_control_level(self):
        response = self.create(factors={"L": 3, "S": 5}, control_level="workshop")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("部门级", response.json()["control_level"][0])
        self.assertEqual(self.create(factors={"L": 3, "S": 5}, control_level="department").status_code, 201)

    def test_the_messages_follow_accept_language(self):
        response = self.api(self.owner).post(
            RISKS,
            risk_body(equipment=self.equipment_a.pk, **self.major(control_level="team", owner=self.owner.pk)),
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response["Content-Language"], "en")
        errors = response.json()
        self.assertEqual(set(errors), {"control_level", "owner"})
        text = " ".join([*errors["control_level"], *errors["owner"]])
        self.assertRegex(text, "[A-Za-z]{4}")
        self.assertNotRegex(text.replace("晋市监发〔2022〕116号", ""), f"[{HAN}]")
        response = self.api(self.owner).post(
            RISKS,
            risk_body(equipment=self.equipment_a.pk, factors={"L": 9, "S": 5}),
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertNotRegex(" ".join(response.json()["factors"]), f"[{HAN}]")
        response = self.api(self.owner).post(RISKS, risk_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertNotRegex(" ".join(response.json()["risk_point_id"]), f"[{HAN}]")

    def test_an_owner_of_another_unit_is_not_found(self):
        response = self.create(owner=self.other_unit_user.pk)
        self.assertEqual(response.status_code, 404, response.content)
        self.assertIn(str(self.other_unit_user.pk), response.json()["detail"])
        self.assertFalse(Risk.objects.exists())

    def test_a_point_or_equipment_of_another_unit_is_not_found(self):
        self.assertEqual(self.create(equipment=self.equipment_c.pk).status_code, 404)
        other_point = self.site_point(self.other_unit_user)
        self.assertEqual(self.create(risk_point_id=other_point["id"]).status_code, 404)
        self.assertFalse(Risk.objects.exists())

    def test_who_may_identify_risks(self):
        for user in (self.principal, self.owner, self.unit_admin):
            with self.subTest(user=user.username):
                self.assertEqual(self.create(user).status_code, 201)
        before = Event.objects.exclude(outcome="failure").count()
        # The agency sees the equipment it inspects, but does not identify the unit's risks.
        for user in (self.member, self.county_inspector, self.province_leader, self.agency_user):
            with self.subTest(user=user.username):
                self.assertEqual(self.create(user).status_code, 403)
        self.assertEqual(Event.objects.exclude(outcome="failure").count(), before)
        self.assertEqual(Risk.objects.count(), 3)

    def test_a_refused_request_leaves_no_risk_point_behind(self):
        before = Event.objects.exclude(outcome="failure").count()
        for user in (self.member, self.county_inspector):
            with self.subTest(user=user.username):
                self.assertEqual(self.create(user).status_code, 403)
        self.assertFalse(RiskPoint.objects.exists())
        self.assertEqual(Event.objects.exclude(outcome="failure").count(), before)

    def test_unknown_measure_kind_and_empty_measures_are_400(self):
        response = self.create(measures=[{"kind": "prayer", "text": "祈祷"}])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("measures", response.json())
        response = self.create(measures=[])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("measures", response.json())
        self.assertFalse(Risk.objects.exists())

    def test_idempotency_key_creates_one_risk(self):
        headers = {"HTTP_IDEMPOTENCY_KEY": "6f1b1d0e-8a5c-4f65-9d1c-0c1f4b1f0a11"}
        body = risk_body(equipment=self.equipment_a.pk)
        first = self.api(self.owner).post(RISKS, body, format="json", **headers)
        second = self.api(self.owner).post(RISKS, body, format="json", **headers)
        self.assertEqual((first.status_code, second.status_code), (201, 201))
        self.assertEqual(first.json(), second.json())
        self.assertEqual(Risk.objects.count(), 1)


class UpdateRiskTests(RiskApiTestCase):
    def test_changing_factors_is_a_reassessment_kept_in_the_history(self):
        risk = self.create_ok(**self.major())
        response = self.patch(
            risk, user=self.principal, factors={"L": 3, "S": 5}, control_level="department", reason="加装门锁监测装置"
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            (body["score"], body["level"], body["color"], body["version"]), ("15.00", "significant", "orange", 2)
        )
        event = Event.objects.latest("seq")
        self.assertEqual(event.type, "risk.reassessed")
        self.assertEqual((event.data["before"]["level"], event.data["after"]["level"]), ("major", "significant"))
        self.assertEqual(event.data["reason"], "加装门锁监测装置")
        history = self.api(self.county_inspector).get(f"{detail(risk['id'])}history/")
        self.assertEqual(history.status_code, 200, history.content)
        rows = history.json()
        self.assertEqual([row["level"] for row in rows], ["significant", "major"])
        self.assertEqual([row["assessed_by"] for row in rows], ["principal", "owner"])
        self.assertEqual(rows[0]["reason"], "加装门锁监测装置")
        self.assertTrue(rows[1]["reason"])
        self.assertEqual(rows[0]["factors"], {"L": 3, "S": 5})
        self.assertEqual(rows[0]["control_level"], "department")

    def test_a_change_that_is_not_an_assessment_keeps_the_history(self):
        risk = self.create_ok()
        response = self.patch(risk, hazard_source="层门门锁被短接")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["hazard_source"], "层门门锁被短接")
        self.assertEqual(Event.objects.latest("seq").type, "risk.updated")
        self.assertEqual(RiskAssessment.objects.filter(risk_id=risk["id"]).count(), 1)

    def test_a_stale_version_is_409_and_nothing_changes(self):
        risk = self.create_ok()
        self.assertEqual(self.patch(risk, title="新名称").status_code, 200)
        before = Event.objects.count()
        response = self.patch(risk, factors={"L": 5, "S": 1}, reason="复评")
        self.assertEqual(response.status_code, 409, response.content)
        self.assertIn("detail", response.json())
        stored = Risk.objects.get(pk=risk["id"])
        self.assertEqual((stored.factors, stored.version, stored.title), ({"L": 2, "S": 3}, 2, "新名称"))
        self.assertEqual(Event.objects.count(), before)
        self.assertEqual(stored.assessments.count(), 1)

    def test_version_is_required(self):
        risk = self.create_ok()
        response = self.api(self.owner).patch(detail(risk["id"]), {"title": "x"}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("version", response.json())

    def test_the_point_and_equipment_of_a_risk_are_fixed(self):
        risk = self.create_ok()
        other = make_equipment(self.unit_a, "31101405252020A0002")
        response = self.patch(risk, equipment=other.pk)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("equipment", response.json())
        self.assertEqual(Risk.objects.get(pk=risk["id"]).equipment_id, self.equipment_a.pk)

    def test_a_major_reassessment_is_checked_like_a_new_risk(self):
        risk = self.create_ok()
        response = self.patch(risk, factors={"L": 5, "S": 5}, reason="复评")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(set(response.json()), {"control_level", "owner"})
        self.assertEqual(Risk.objects.get(pk=risk["id"]).level, "low")

    def test_retire_removes_from_the_list_and_keeps_the_history(self):
        kept = self.create_ok(title="保留")
        risk = self.create_ok()
        response = self.api(self.owner).post(
            f"{detail(risk['id'])}retire/", {"version": 1, "reason": "设备已改造"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["is_active"])
        self.assertEqual(Event.objects.latest("seq").type, "risk.retired")
        listed = [row["id"] for row in self.api(self.owner).get(RISKS).json()["results"]]
        self.assertEqual(listed, [kept["id"]])
        retired = [row["id"] for row in self.api(self.owner).get(RISKS, {"is_active": "false"}).json()["results"]]
        self.assertEqual(retired, [risk["id"]])
        active = [row["id"] for row in self.api(self.owner).get(RISKS, {"is_active": "true"}).json()["results"]]
        self.assertEqual(active, [kept["id"]])
        self.assertEqual(self.api(self.owner).get(detail(risk["id"])).status_code, 200)
        history = self.api(self.owner).get(f"{detail(risk['id'])}history/").json()
        self.assertEqual(len(history), 1)

    def test_retire_needs_a_reason_and_the_version(self):
        risk = self.create_ok()
        url = f"{detail(risk['id'])}retire/"
        self.assertEqual(self.api(self.owner).post(url, {"version": 1}, format="json").status_code, 400)
        self.assertEqual(self.api(self.owner).post(url, {"version": 7, "reason": "x"}, format="json").status_code, 409)
        self.assertEqual(self.api(self.member).post(url, {"version": 1, "reason": "x"}, format="json").status_code, 403)
        self.assertTrue(Risk.objects.get(pk=risk["id"]).is_active)

    def test_a_retired_risk_cannot_be_retired_or_changed_again(self):
        risk = self.create_ok()
        url = f"{detail(risk['id'])}retire/"
        self.assertEqual(
            self.api(self.owner).post(url, {"version": 1, "reason": "拆除"}, format="json").status_code, 200
        )
        before = Event.objects.count()
        response = self.api(self.owner).post(url, {"version": 2, "reason": "拆除"}, format="json")
        self.assertEqual(response.status_code, 409, response.content)
        self.assertIn("detail", response.json())
        response = self.api(self.owner).patch(detail(risk["id"]), {"version": 2, "title": "x"}, format="json")
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(Event.objects.count(), before)
        self.assertEqual(Risk.objects.get(pk=risk["id"]).version, 2)

    def test_outsiders_cannot_change_unit_a_risks(self):
        risk = self.create_ok()
        self.assertNotFoundForOutsiders("patch", detail(risk["id"]), {"version": 1, "title": "x"})
        self.assertNotFoundForOutsiders("post", f"{detail(risk['id'])}retire/", {"version": 1, "reason": "x"})
        self.assertNotFoundForOutsiders("get", f"{detail(risk['id'])}history/")
        self.assertEqual(Risk.objects.get(pk=risk["id"]).version, 1)

    def test_regulators_read_but_may_not_change(self):
        risk = self.create_ok()
        self.assertEqual(self.api(self.county_inspector).get(detail(risk["id"])).status_code, 200)
        self.assertEqual(self.patch(risk, user=self.county_inspector, title="x").status_code, 403)


class EquipmentRiskLevelTests(RiskApiTestCase):
    def test_the_equipment_level_follows_its_highest_active_risk(self):
        self.assertIsNone(self.equipment_level())
        self.create_ok()
        self.assertEqual(self.equipment_level(), "low")
        significant = self.create_ok(factors={"L": 3, "S": 5}, control_level="department")
        self.assertEqual(self.equipment_level(), "significant")
        major = self.create_ok(**self.major())
        self.assertEqual(self.equipment_level(), "major")
        other = make_equipment(self.unit_a, "31101405252020A0003")
        self.assertIsNone(self.equipment_level(other))

        by_level = {
            level: [
                row["id"]
                for row in self.api(self.owner).get("/api/v1/equipment/", {"risk_level": level}).json()["results"]
            ]
            for level in ("major", "significant", "low")
        }
        self.assertEqual(by_level, {"major": [self.equipment_a.pk], "significant": [], "low": []})

        response = self.api(self.owner).post(
            f"{detail(major['id'])}retire/", {"version": 1, "reason": "门锁更换"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.equipment_level(), "significant")
        listed = self.api(self.owner).get("/api/v1/equipment/", {"risk_level": "significant"}).json()["results"]
        self.assertEqual([row["id"] for row in listed], [self.equipment_a.pk])
        self.assertEqual(self.api(self.owner).get("/api/v1/equipment/", {"risk_level": "major"}).json()["count"], 0)

        response = self.patch(significant, factors={"L": 1, "S": 2}, control_level="post", reason="整改后复评")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.equipment_level(), "low")

    def test_the_equipment_version_does_not_change_with_its_risks(self):
        self.create_ok(**self.major())
        response = self.api(self.owner).get(f"/api/v1/equipment/{self.equipment_a.pk}/")
        self.assertEqual(response.json()["version"], 1)


class BelowMinimumTests(RiskApiTestCase):
    def door_lock_risk(self) -> dict:
        response = self.api(self.owner).post(
            APPLY, {"equipment": [self.equipment_a.pk], "templates": ["ELV-DOOR-LOCK"]}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["created"], 1)
        risk = self.api(self.owner).get(detail(response.json()["risks"][0])).json()
        self.assertEqual(
            (risk["level"], risk["minimum_level"], risk["graded_below_minimum"]), ("major", "major", False)
        )
        self.assertEqual((risk["control_level"], risk["owner"]), ("company", self.principal.pk))
        return risk

    def test_grading_below_the_template_minimum_needs_a_justification_shown_to_regulators(self):
        risk = self.door_lock_risk()
        lower = {"factors": {"L": 3, "S": 5}, "reason": "加装门锁回路短接监测"}
        response = self.patch(risk, user=self.principal, **lower)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("below_minimum_justification", response.json())
        self.assertEqual(Risk.objects.get(pk=risk["id"]).level, "major")

        after = Event.objects.latest("seq").seq
        response = self.patch(
            risk, user=self.principal, below_minimum_justification="已加装门锁短接监测装置，短接即停梯", **lower
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["level"], body["graded_below_minimum"]), ("significant", True))

        feed = self.api(self.county_inspector).get("/api/v1/events/", {"after": after}).json()["results"]
        reassessed = [row for row in feed if row["type"] == "risk.reassessed"]
        self.assertEqual(len(reassessed), 1)
        self.assertEqual(reassessed[0]["object_id"], str(risk["id"]))
        self.assertIs(reassessed[0]["data"]["after"]["below_minimum"], True)
        self.assertEqual(reassessed[0]["organization"], self.unit_a.pk)
        sibling_feed = self.api(self.sibling_inspector).get("/api/v1/events/", {"after": after}).json()["results"]
        self.assertEqual(sibling_feed, [])

        flagged = self.api(self.county_inspector).get(RISKS, {"graded_below_minimum": "true"}).json()["results"]
        self.assertEqual([row["id"] for row in flagged], [risk["id"]])
        self.assertEqual(flagged[0]["below_minimum_justification"], "已加装门锁短接监测装置，短接即停梯")
        self.assertEqual(
            self.api(self.county_inspector).get(RISKS, {"graded_below_minimum": "false"}).json()["count"], 0
        )

    def test_grading_back_at_the_minimum_clears_the_mark(self):
        risk = self.door_lock_risk()
        response = self.patch(
            risk, user=self.principal, factors={"L": 3, "S": 5}, below_minimum_justification="监测装置", reason="复评"
        )
        self.assertEqual(response.status_code, 200, response.content)
        response = self.patch(response.json(), user=self.principal, factors={"L": 4, "S": 5}, reason="监测装置失效")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["graded_below_minimum"])


class TemplateTests(RiskApiTestCase):
    def apply(self, equipment, user=None, **extra):
        body = {"equipment": [item.pk for item in equipment], **extra}
        return self.api(user or self.owner).post(APPLY, body, format="json")

    def test_templates_by_category(self):
        response = self.api(self.owner).get(TEMPLATES, {"category": "3110"})
        self.assertEqual(response.status_code, 200, response.content)
        codes = [row["code"] for row in response.json()]
        self.assertEqual(codes, [template.code for template in library.templates_for("3110")])
        self.assertTrue(all(code.startswith("ELV-") for code in codes))
        self.assertGreaterEqual(len(codes), 5)
        everything = self.api(self.county_inspector).get(TEMPLATES).json()
        self.assertEqual(len(everything), len(library.RISK_TEMPLATES))
        self.assertEqual(self.api(self.owner).get(TEMPLATES, {"category": "9"}).json(), [])

    def test_one_template(self):
        template = library.templates_for("3110")[0]
        response = self.api(self.member).get(f"{TEMPLATES}{template.code}/")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            (body["code"], body["title"], body["method"]), (template.code, template.title, template.method)
        )
        self.assertEqual(len(body["measures"]), len(template.measures))
        self.assertEqual(body["minimum_level"], template.minimum_level)
        self.assertEqual(self.api(self.owner).get(f"{TEMPLATES}ELV-NO-SUCH-THING/").status_code, 404)

    def expected_count(self, equipment) -> int:
        return sum(len(library.templates_for(item.category_id)) for item in equipment)

    def make_many(self, count, start):
        categories = ["3110", "5110", "4110"]
        return [
            make_equipment(self.unit_a, f"T{start + n:06d}", category=categories[n % 3], agency=self.agency)
            for n in range(count)
        ]

    def test_apply_creates_each_template_once_in_a_constant_number_of_queries(self):
        few, many = self.make_many(3, 0), self.make_many(30, 100)
        before = Event.objects.count()
        with CaptureQueriesContext(connection) as few_queries:
            response = self.apply(few)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["created"], self.expected_count(few))
        self.assertEqual(Event.objects.count(), before + 1)
        event = Event.objects.latest("seq")
        self.assertEqual(event.type, "risk.templates_applied")
        self.assertEqual(sorted(event.data["equipment"]), sorted(item.pk for item in few))
        self.assertEqual(len(event.data["risks"]), self.expected_count(few))

        with CaptureQueriesContext(connection) as many_queries:
            response = self.apply(many)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["created"], self.expected_count(many))
        self.assertEqual(Risk.objects.count(), self.expected_count(few) + self.expected_count(many))
        self.assertEqual(RiskAssessment.objects.count(), Risk.objects.count())
        self.assertEqual(RiskPoint.objects.filter(equipment__in=many).count(), 30)
        # Reads and updates do not depend on the number of equipment; inserts go in batches as large as the database
        # takes (SQLite caps the parameters of one statement, so it may need a few more batches than PostgreSQL).
        self.assertEqual(
            statements(few_queries, "INSERT", negate=True), statements(many_queries, "INSERT", negate=True)
        )
        self.assertLessEqual(statements(many_queries, "INSERT"), statements(few_queries, "INSERT") + 12)
        self.assertLess(statements(many_queries, "INSERT"), self.expected_count(many) / 10)

        before = Event.objects.count()
        response = self.apply([*few, *many])
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["created"], 0)
        self.assertEqual(Risk.objects.count(), self.expected_count(few) + self.expected_count(many))
        self.assertEqual(Event.objects.count(), before + 1)

    def test_applied_risks_are_graded_owned_and_level_the_equipment(self):
        response = self.apply([self.equipment_a])
        self.assertEqual(response.status_code, 201, response.content)
        risks = Risk.objects.filter(equipment=self.equipment_a)
        self.assertEqual(risks.count(), len(library.templates_for("3110")))
        for risk in risks:
            with self.subTest(template=risk.template_code):
                self.assertEqual(risk.risk_point.equipment_id, self.equipment_a.pk)
                self.assertTrue(risk.measures)
                if risk.level == "major":
                    self.assertEqual((risk.control_level, risk.owner_id), ("company", self.principal.pk))
        self.assertEqual(self.equipment_level(), "major")

    def test_only_the_named_templates(self):
        codes = [template.code for template in library.templates_for("3110")[:2]]
        response = self.apply([self.equipment_a], templates=codes)
        self.assertEqual(response.json()["created"], 2)
        self.assertEqual(sorted(Risk.objects.values_list("template_code", flat=True)), sorted(codes))
        response = self.apply([self.equipment_a], templates=["NO-SUCH"])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("templates", response.json())

    def test_equipment_of_another_unit_is_not_found(self):
        response = self.apply([self.equipment_a, self.equipment_c])
        self.assertEqual(response.status_code, 404, response.content)
        self.assertIn(str(self.equipment_c.pk), response.json()["detail"])
        self.assertFalse(Risk.objects.exists())

    def test_scrapped_equipment_is_refused(self):
        scrapped = make_equipment(self.unit_a, "31101405252020A0004", status="scrapped")
        response = self.apply([self.equipment_a, scrapped])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn(scrapped.code, response.json()["equipment"][0])
        self.assertFalse(Risk.objects.exists())

    def test_a_unit_without_a_principal_is_told_why(self):
        unit_d = make_organization("丁单位", "use_unit", self.ZEZHOU, seed=4)
        officer = make_user("unit_d_officer", unit_d, "safety_officer")
        elevator = make_equipment(unit_d, "31101405252020D0001")
        before = Event.objects.count()
        response = self.apply([elevator], user=officer)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("主要负责人", response.json()["owner"][0])
        self.assertFalse(Risk.objects.exists())
        self.assertEqual(Event.objects.count(), before)
        # Templates that grade below major need no principal.
        lesser = [
            template.code
            for template in library.templates_for("3110")
            if rules.assess(template.method, template.factors).level != "major"
        ][:1]
        response = self.apply([elevator], user=officer, templates=lesser)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["created"], 1)

    def test_operators_and_regulators_may_not_apply(self):
        for user in (self.member, self.county_inspector, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.apply([self.equipment_a], user=user).status_code, 403)
        self.assertFalse(Risk.objects.exists())

    def test_an_empty_body_is_400(self):
        self.assertEqual(self.api(self.owner).post(APPLY, {"equipment": []}, format="json").status_code, 400)
        self.assertEqual(self.api(self.owner).post(APPLY, {"equipment": ["x"]}, format="json").status_code, 400)


def statements(captured, verb: str, negate: bool = False) -> int:
    """How many captured statements start (or, negated, do not start) with the verb."""
    return sum(query["sql"].lstrip().upper().startswith(verb) != negate for query in captured.captured_queries)


class ReassessmentFlagTests(RiskApiTestCase):
    def test_a_failed_periodic_inspection_flags_the_risks_for_reassessment(self):
        risk = self.create_ok()
        untouched = self.create_ok(risk_point_id=self.site_point()["id"])
        response = self.api(self.agency_user).post(
            "/api/v1/periodic-inspections/",
            {
                "equipment": self.equipment_a.pk,
                "inspected_on": "2026-03-01",
                "conclusion": "fail",
                "findings": "门锁失效",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = self.api(self.owner).get(detail(risk["id"])).json()
        self.assertTrue(body["needs_reassessment"])
        self.assertIn("不合格", body["reassessment_reason"])
        self.assertFalse(self.api(self.owner).get(detail(untouched["id"])).json()["needs_reassessment"])
        listed = self.api(self.owner).get(RISKS, {"needs_reassessment": "true"}).json()["results"]
        self.assertEqual([row["id"] for row in listed], [risk["id"]])

        response = self.patch(body, factors={"L": 1, "S": 3})
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("reason", response.json())
        self.assertTrue(Risk.objects.get(pk=risk["id"]).needs_reassessment)

        response = self.patch(body, factors={"L": 1, "S": 3}, reason="门锁更换后复评")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["needs_reassessment"])
        self.assertEqual(response.json()["reassessment_reason"], "")
        self.assertEqual(response.json()["score"], "3.00")
        self.assertEqual(RiskAssessment.objects.filter(risk_id=risk["id"]).first().reason, "门锁更换后复评")

    def test_a_passing_inspection_flags_nothing(self):
        risk = self.create_ok()
        response = self.api(self.agency_user).post(
            "/api/v1/periodic-inspections/",
            {"equipment": self.equipment_a.pk, "inspected_on": "2026-03-01", "conclusion": "pass"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertFalse(Risk.objects.get(pk=risk["id"]).needs_reassessment)


class ReviewDateTests(RiskApiTestCase):
    def test_next_review_follows_the_profile_months_for_the_level(self):
        cases = [
            (self.major(), "major", "2026-06-02"),
            ({"factors": {"L": 3, "S": 5}, "control_level": "department"}, "significant", "2026-09-02"),
            ({"factors": {"L": 3, "S": 3}, "control_level": "workshop"}, "general", "2027-03-02"),
            ({}, "low", "2027-03-02"),
        ]
        for extra, level, next_review in cases:
            with self.subTest(level=level):
                body = self.create_ok(**extra)
                self.assertEqual(
                    (body["level"], body["reviewed_on"], body["next_review_on"]), (level, "2026-03-02", next_review)
                )

    def test_a_reassessment_restarts_the_review_period(self):
        risk = self.create_ok()
        with time_machine.travel(date(2026, 8, 31), tick=False):
            response = self.patch(risk, factors={"L": 3, "S": 5}, control_level="department", reason="复评")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["reviewed_on"], response.json()["next_review_on"]), ("2026-08-31", "2027-02-28")
        )

    def test_review_due_filter(self):
        due = self.create_ok(**self.major())
        self.create_ok()
        with time_machine.travel(date(2026, 6, 2), tick=False):
            rows = self.api(self.owner).get(RISKS, {"review_due": "true"}).json()["results"]
        self.assertEqual([row["id"] for row in rows], [due["id"]])


class RiskPointAndSitePlanTests(RiskApiTestCase):
    def upload_plan(self, user=None) -> dict:
        client = self.api(user or self.owner)
        upload = client.post(
            "/api/v1/attachments/", {"file": SimpleUploadedFile("plan.png", tiny_png())}, format="multipart"
        )
        self.assertEqual(upload.status_code, 201, upload.content)
        self.assertEqual(upload.json()["content_type"], "image/png")
        response = client.post(PLANS, {"name": "一号厂区平面图", "image": upload.json()["id"]}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def place(self, point, user=None, **body):
        body.setdefault("version", point["version"])
        return self.api(user or self.owner).post(f"{POINTS}{point['id']}/place/", body, format="json")

    def test_a_site_plan_from_an_uploaded_png(self):
        plan = self.upload_plan()
        self.assertEqual((plan["organization"], plan["name"], plan["version"]), (self.unit_a.pk, "一号厂区平面图", 1))
        self.assertEqual(Event.objects.latest("seq").type, "site_plan.added")
        self.assertEqual(self.api(self.county_inspector).get(f"{PLANS}{plan['id']}/").status_code, 200)
        self.assertEqual(self.api(self.other_unit_user).get(f"{PLANS}{plan['id']}/").status_code, 404)
        listed = self.api(self.owner).get(PLANS).json()["results"]
        self.assertEqual([row["id"] for row in listed], [plan["id"]])

    def test_a_pdf_is_not_a_site_plan(self):
        pdf = b"%PDF-1.4\n%%EOF\n"
        upload = self.api(self.owner).post(
            "/api/v1/attachments/", {"file": SimpleUploadedFile("plan.pdf", pdf)}, format="multipart"
        )
        self.assertEqual(upload.status_code, 201, upload.content)
        response = self.api(self.owner).post(PLANS, {"name": "平面图", "image": upload.json()["id"]}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("image", response.json())

    def test_another_unit_image_is_not_found_and_operators_may_not_add_plans(self):
        other_plan = self.upload_plan(self.other_unit_user)
        image = other_plan["image"]
        response = self.api(self.owner).post(PLANS, {"name": "平面图", "image": image}, format="json")
        self.assertEqual(response.status_code, 404, response.content)
        own = self.api(self.member).post(
            "/api/v1/attachments/", {"file": SimpleUploadedFile("plan.png", tiny_png())}, format="multipart"
        )
        self.assertEqual(own.status_code, 201, own.content)
        response = self.api(self.member).post(PLANS, {"name": "平面图", "image": own.json()["id"]}, format="json")
        self.assertEqual(response.status_code, 403, response.content)

    def test_place_a_point_on_the_plan_and_take_it_off(self):
        plan = self.upload_plan()
        point = self.site_point()
        response = self.place(point, site_plan=plan["id"], plan_x="0.25", plan_y=0.75)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(
            (body["site_plan"], body["plan_x"], body["plan_y"], body["version"]), (plan["id"], "0.25000", "0.75000", 2)
        )
        self.assertEqual(Event.objects.latest("seq").type, "risk_point.placed")
        on_plan = self.api(self.owner).get(POINTS, {"site_plan": plan["id"]}).json()["results"]
        self.assertEqual([row["id"] for row in on_plan], [point["id"]])

        self.assertEqual(self.place(point, site_plan=plan["id"], plan_x=0.5, plan_y=0.5).status_code, 409)
        response = self.place(body, site_plan=None)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["site_plan"], response.json()["plan_x"]), (None, None))

    def test_a_position_outside_the_plan_is_400(self):
        plan = self.upload_plan()
        point = self.site_point()
        for x, y in ((1.5, 0.5), (0.5, -0.1), (0.5, None)):
            with self.subTest(x=x, y=y):
                response = self.place(point, site_plan=plan["id"], plan_x=x, plan_y=y)
                self.assertEqual(response.status_code, 400, response.content)
        self.assertIsNone(RiskPoint.objects.get(pk=point["id"]).site_plan_id)

    def test_another_unit_site_plan_is_not_found(self):
        other_plan = self.upload_plan(self.other_unit_user)
        point = self.site_point()
        response = self.place(point, site_plan=other_plan["id"], plan_x=0.5, plan_y=0.5)
        self.assertEqual(response.status_code, 404, response.content)
        self.assertIsNone(RiskPoint.objects.get(pk=point["id"]).site_plan_id)

    def test_the_point_level_is_its_highest_active_risk(self):
        point = self.site_point()
        self.assertIsNone(point["level"])
        self.create_ok(risk_point_id=point["id"])
        major = self.create_ok(risk_point_id=point["id"], **self.major())
        self.assertEqual(self.api(self.owner).get(f"{POINTS}{point['id']}/").json()["level"], "major")
        self.api(self.owner).post(f"{detail(major['id'])}retire/", {"version": 1, "reason": "区域拆除"}, format="json")
        self.assertEqual(self.api(self.owner).get(f"{POINTS}{point['id']}/").json()["level"], "low")

    def test_risk_point_validation_and_roles(self):
        response = self.api(self.owner).post(POINTS, {"kind": "equipment", "name": "x"}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("kind", response.json())
        response = self.api(self.owner).post(POINTS, {"kind": "activity", "name": "  "}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        response = self.api(self.member).post(POINTS, {"kind": "activity", "name": "吊装作业"}, format="json")
        self.assertEqual(response.status_code, 403, response.content)
        response = self.api(self.county_inspector).post(POINTS, {"kind": "activity", "name": "吊装作业"}, format="json")
        self.assertEqual(response.status_code, 403, response.content)
        self.assertFalse(RiskPoint.objects.exists())

    def test_kind_filter(self):
        self.create_ok()
        site = self.site_point()
        rows = self.api(self.owner).get(POINTS, {"kind": "site"}).json()["results"]
        self.assertEqual([row["id"] for row in rows], [site["id"]])
        rows = self.api(self.owner).get(POINTS, {"kind": "equipment"}).json()["results"]
        self.assertEqual([row["equipment"] for row in rows], [self.equipment_a.pk])


class RiskMethodTests(RiskApiTestCase):
    def test_the_factor_tables_and_bands(self):
        response = self.api(self.member).get("/api/v1/risk-methods/")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["profile"], "shanxi")
        lec, ls = body["methods"]["lec"], body["methods"]["ls"]
        self.assertEqual([band["lower"] for band in lec["bands"]], [320, 160, 70, 0])
        self.assertEqual([band["level"] for band in lec["bands"]], ["major", "significant", "general", "low"])
        self.assertEqual([band["lower"] for band in ls["bands"]], [20, 15, 9, 0])
        self.assertEqual(set(lec["factors"]), {"L", "E", "C"})
        self.assertEqual(set(ls["factors"]), {"L", "S"})
        self.assertEqual(set(body["methods"]["mes"]["factors"]), {"M", "E", "S"})
        self.assertEqual([option["value"] for option in lec["factors"]["C"]], [100, 40, 15, 7, 3, 1])
        self.assertEqual([option["value"] for option in lec["factors"]["L"]], [10, 6, 3, 1, 0.5, 0.2, 0.1])
        self.assertIn("一人死亡", lec["factors"]["C"][2]["label"])
        self.assertTrue(all(option["label"] for factor in ls["factors"].values() for option in factor))
        self.assertEqual(body["minimum_control_level"]["major"], "company")
        self.assertEqual(body["review_months"]["major"], 3)
        english = self.api(self.member).get("/api/v1/risk-methods/", HTTP_ACCEPT_LANGUAGE="en").json()
        self.assertNotRegex(english["methods"]["lec"]["factors"]["C"][2]["label"], f"[{HAN}]")

    def test_anonymous_is_refused(self):
        self.assertIn(self.api().get("/api/v1/risk-methods/").status_code, (401, 403))


class SummaryTests(RiskApiTestCase):
    def test_counts_by_level_for_the_caller_scope(self):
        self.create_ok(**self.major())
        self.create_ok()
        retired = self.create_ok()
        self.api(self.owner).post(f"{detail(retired['id'])}retire/", {"version": 1, "reason": "x"}, format="json")
        self.create_ok(
            self.other_unit_user, equipment=self.equipment_c.pk, factors={"L": 3, "S": 5}, control_level="company"
        )
        self.create_ok(
            self.unit_b_user, equipment=self.equipment_b.pk, factors={"L": 3, "S": 3}, control_level="company"
        )

        def summary(user, **params):
            response = self.api(user).get(f"{RISKS}summary/", params)
            self.assertEqual(response.status_code, 200, response.content)
            return response.json()["levels"]

        self.assertEqual(summary(self.owner), {"major": 1, "significant": 0, "general": 0, "low": 1})
        self.assertEqual(summary(self.county_inspector), {"major": 1, "significant": 1, "general": 0, "low": 1})
        self.assertEqual(summary(self.sibling_inspector), {"major": 0, "significant": 0, "general": 1, "low": 0})
        self.assertEqual(summary(self.city_inspector), {"major": 1, "significant": 1, "general": 1, "low": 1})
        self.assertEqual(summary(self.other_city_inspector), {"major": 0, "significant": 0, "general": 0, "low": 0})
        self.assertEqual(
            summary(self.county_inspector, organization=self.unit_c.pk),
            {"major": 0, "significant": 1, "general": 0, "low": 0},
        )


class RiskListTests(RiskApiTestCase):
    def test_filters(self):
        major = self.create_ok(**self.major())
        low = self.create_ok(title="轿厢意外移动")
        site = self.create_ok(
            risk_point_id=self.site_point()["id"],
            title="叉车撞人",
            method="lec",
            factors={"L": 3, "E": 6, "C": 15},
            control_level="department",
        )

        def ids(**params):
            response = self.api(self.county_inspector).get(RISKS, params)
            self.assertEqual(response.status_code, 200, response.content)
            return sorted(row["id"] for row in response.json()["results"])

        self.assertEqual(ids(level="major"), [major["id"]])
        self.assertEqual(ids(method="lec"), [site["id"]])
        self.assertEqual(ids(control_level="department"), [site["id"]])
        self.assertEqual(ids(equipment=self.equipment_a.pk), sorted([major["id"], low["id"]]))
        self.assertEqual(ids(risk_point=site["risk_point_id"]), [site["id"]])
        self.assertEqual(ids(q="意外移动"), [low["id"]])
        self.assertEqual(ids(q="叉车作业区"), [site["id"]])
        self.assertEqual(ids(region="1405"), sorted([major["id"], low["id"], site["id"]]))
        self.assertEqual(ids(region="140522"), [])
        self.assertEqual(ids(organization=self.unit_a.pk), sorted([major["id"], low["id"], site["id"]]))
        self.assertEqual(self.api(self.owner).get(RISKS, {"level": "purple"}).status_code, 400)

    def test_lists_only_what_the_scope_allows(self):
        risk = self.create_ok()
        for user in self.insiders_of_unit_a():
            with self.subTest(user=user.username):
                self.assertEqual([row["id"] for row in self.api(user).get(RISKS).json()["results"]], [risk["id"]])
        for user in self.outsiders_of_unit_a():
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(RISKS).json()["results"], [])

    def queries_for(self, user, url) -> int:
        user = User.objects.get(pk=user.pk)  # a fresh object: its scope is computed again
        with CaptureQueriesContext(connection) as captured:
            response = self.api(user).get(url, {"page_size": 500})
        self.assertEqual(response.status_code, 200, response.content)
        return len(captured), len(response.json()["results"])

    def add_rows(self, count, start):
        for n in range(count):
            equipment = make_equipment(self.unit_a, f"L{start + n:06d}")
            self.create_ok(equipment=equipment.pk, owner=self.owner.pk)
            self.site_point(name=f"作业区 {start + n}")

    def test_lists_do_not_grow_with_rows(self):
        for url in (RISKS, POINTS):
            with self.subTest(url=url):
                self.add_rows(3, 0 if url == RISKS else 1000)
                few = {user.pk: self.queries_for(user, url)[0] for user in (self.owner, self.county_inspector)}
                self.add_rows(30, 100 if url == RISKS else 1100)
                for user in (self.owner, self.county_inspector):
                    many, rows = self.queries_for(user, url)
                    self.assertGreaterEqual(rows, 30)
                    self.assertEqual(many, few[user.pk], f"{url} costs more queries with more rows")
