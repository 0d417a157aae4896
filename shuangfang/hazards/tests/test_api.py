"""Hazards through the API: the closed loop from 随手拍 to 销号, 即查即改, the refusals with their exact messages, the
major hazard reported to the regulator and verified by it, 挂牌督办, the hazards a periodic inspection registers,
regulators' findings, scope, filters and idempotency."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from shuangfang.accounts.models import User
from shuangfang.core.models import Event
from shuangfang.core.testing import CastTestCase, make_equipment, make_user, tiny_png
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import services
from shuangfang.hazards.api.views import HazardViewSet, ListingViewSet
from shuangfang.hazards.models import Hazard, HazardAttachment, Listing
from shuangfang.notifications.models import Notification
from shuangfang.risks.services import do_create_risk, point_for_equipment

HAZARDS = "/api/v1/hazards/"
LISTINGS = "/api/v1/supervision/listings/"
ATTACHMENTS = "/api/v1/attachments/"
HAN = "\u4e00-\u9fff"

# A frozen Monday morning in Beijing time: deadlines and listings are dated from it.
TODAY = date(2026, 3, 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)

PLAN = {
    "goal": "恢复层门门锁安全回路",
    "methods": "拆除短接线，更换门锁触点并试验",
    "funds_materials": "3000 元，备件已采购",
    "organization_people": "设备部，维保单位张工",
    "timeline": "10 日内完成，完成前停用",
    "safety_contingency": "停梯并设置警示，困人应急救援预案",
}
LOW_RISK = {
    "title": "层门门锁失效",
    "hazard_source": "层门门锁触点粘连",
    "method": "ls",
    "factors": {"L": 2, "S": 3},
    "control_level": "post",
    "measures": [{"kind": "management", "text": "每日巡查层门", "check": True}],
}


def hazard_url(pk, action=None) -> str:
    return f"{HAZARDS}{pk}/{action}/" if action else f"{HAZARDS}{pk}/"


def listing_url(pk, action=None) -> str:
    return f"{LISTINGS}{pk}/{action}/" if action else f"{LISTINGS}{pk}/"


class HazardApiTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")
        cls.province_inspector = make_user("province_inspector", cls.province, "inspector")

    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        self.clock = traveller.start()
        self.addCleanup(traveller.stop)

    # -- building blocks -------------------------------------------------------------------------------------------

    def upload(self, user=None) -> int:
        response = self.api(user or self.owner).post(
            ATTACHMENTS, {"file": SimpleUploadedFile("photo.png", tiny_png())}, format="multipart"
        )
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()["id"]

    def report(self, user=None, **body) -> dict:
        body.setdefault("equipment", self.equipment_a.pk)
        body.setdefault("description", "3 号电梯层门关闭后可被扒开")
        response = self.api(user or self.member).post(HAZARDS, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def report_major(self, user=None, **body) -> dict:
        return self.report(user, major_criteria=["4.6b"], description="乘客电梯门锁安全回路被短接", **body)

    def act(self, pk, action, user, **body):
        body.setdefault("version", Hazard.objects.get(pk=pk).version)
        return self.api(user).post(hazard_url(pk, action), body, format="json")

    def act_ok(self, pk, action, user, **body) -> dict:
        response = self.act(pk, action, user, **body)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def five(self, **extra) -> dict:
        """The 五落实 of a general hazard rectified by a deadline."""
        body = {
            "grade": "general",
            "handling": "deadline",
            "deadline": str(TODAY + timedelta(days=10)),
            "responsible": self.owner.pk,
            "measures": "更换层门门锁触点",
            "funds": "800 元",
            "contingency": "整改完成前停梯并设置警示",
        }
        body.update(extra)
        return body

    def confirmed(self, *, major=False, **extra) -> dict:
        """A hazard of equipment A confirmed by the safety director: rectifying, the safety officer responsible."""
        hazard = self.report_major() if major else self.report()
        body = self.five(grade="major", plan=PLAN, **extra) if major else self.five(**extra)
        return self.act_ok(hazard["id"], "confirm", self.director, **body)

    def submitted(self, *, major=False) -> dict:
        hazard = self.confirmed(major=major)
        return self.act_ok(
            hazard["id"], "submit-rectification", self.owner, description="已更换门锁触点", evidence=[self.upload()]
        )

    def equipment_counts(self, equipment=None) -> tuple[int, int]:
        response = self.api(self.owner).get(f"/api/v1/equipment/{(equipment or self.equipment_a).pk}/")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["open_hazards"], response.json()["open_major_hazards"]

    def state(self, pk) -> tuple:
        """Everything a refused request must leave as it was."""
        hazard = Hazard.objects.get(pk=pk)
        return (
            model_to_dict(hazard),
            hazard.version,
            list(HazardAttachment.objects.filter(hazard_id=pk).values_list("attachment_id", "stage")),
            list(Listing.objects.filter(hazard_id=pk).values()),
            # A refusal is itself recorded (auth.denied, outcome "failure"); nothing else may be.
            Event.objects.exclude(outcome="failure").count(),
            Notification.objects.count(),
            Equipment.objects.filter(pk=hazard.equipment_id).values_list("open_hazards", "open_major_hazards").first(),
        )

    def assertRefused(self, pk, request, status, *, field=None, message=None) -> dict:
        """The request is refused with the status (and, for a 400, only that field), the exact message, and the
        hazard, its evidence, listings, events and notifications are as they were."""
        before = self.state(pk)
        response = request()
        self.assertEqual(response.status_code, status, response.content)
        body = response.json()
        if field is not None:
            self.assertEqual(set(body), {field}, body)
            text = body[field][0]
        else:
            text = body["detail"]
        if message is not None:
            self.assertEqual(text, message)
        self.assertEqual(self.state(pk), before)
        return body


class FullLoopTests(HazardApiTestCase):
    def test_a_report_goes_through_confirmation_rectification_and_acceptance_to_closed(self):
        first_seq = Event.objects.latest("seq").seq
        photo = self.upload(self.member)
        hazard = self.report(self.member, photos=[photo], location="3 号楼电梯")
        pk = hazard["id"]
        self.assertEqual(
            (hazard["status"], hazard["source"], hazard["grade"], hazard["major_criteria"]),
            ("reported", "report", "general", []),
        )
        self.assertEqual((hazard["organization"], hazard["equipment"]), (self.unit_a.pk, self.equipment_a.pk))
        self.assertEqual(
            (hazard["reported_by"], hazard["location"], hazard["version"]), (self.member.pk, "3 号楼电梯", 1)
        )
        self.assertEqual([(a["id"], a["stage"]) for a in hazard["attachments"]], [(photo, "report")])
        self.assertFalse(hazard["listed"])
        self.assertIsNone(hazard["reported_to_regulator_at"])
        # An operator reports; the safety director and officers are asked to confirm it.
        self.assertEqual(hazard["allowed_actions"], [])
        self.assertTrue(Notification.objects.filter(user=self.director, kind="hazard.reported").exists())
        self.assertEqual(self.equipment_counts(), (1, 0))
        seen = self.api(self.director).get(hazard_url(pk)).json()
        self.assertEqual(set(seen["allowed_actions"]), {"confirm", "confirm_immediate", "reject"})

        confirmed = self.act_ok(pk, "confirm", self.director, **self.five())
        self.assertEqual((confirmed["status"], confirmed["version"]), ("rectifying", 2))
        self.assertEqual((confirmed["handling"], confirmed["deadline"]), ("deadline", "2026-03-12"))
        self.assertEqual((confirmed["responsible"], confirmed["funds"]), (self.owner.pk, "800 元"))
        self.assertEqual(confirmed["measures"], "更换层门门锁触点")
        self.assertEqual(confirmed["contingency"], "整改完成前停梯并设置警示")
        self.assertFalse(confirmed["overdue"])
        self.assertTrue(Notification.objects.filter(user=self.owner, kind="hazard.assigned").exists())

        evidence = self.upload(self.owner)
        submitted = self.act_ok(
            pk, "submit-rectification", self.owner, description="已更换门锁触点并试验", evidence=[evidence]
        )
        self.assertEqual((submitted["status"], submitted["version"]), ("awaiting_acceptance", 3))
        self.assertEqual(
            (submitted["rectified_by"], submitted["rectification"]), (self.owner.pk, "已更换门锁触点并试验")
        )
        self.assertIn((evidence, "evidence"), [(a["id"], a["stage"]) for a in submitted["attachments"]])
        # The confirmer accepts what he assigned.
        self.assertTrue(Notification.objects.filter(user=self.director, kind="hazard.awaiting_acceptance").exists())
        self.assertEqual(self.equipment_counts(), (1, 0))

        accepted = self.act_ok(pk, "accept", self.director, passed=True, comment="门锁试验合格")
        self.assertEqual((accepted["status"], accepted["version"]), ("closed", 4))
        self.assertEqual((accepted["accepted_by"], accepted["acceptance_comment"]), (self.director.pk, "门锁试验合格"))
        self.assertIsNotNone(accepted["closed_at"])
        self.assertEqual(accepted["allowed_actions"], [])
        self.assertEqual(self.equipment_counts(), (0, 0))

        for user in (self.owner, self.county_inspector):
            with self.subTest(user=user.username):
                feed = self.api(user).get("/api/v1/events/", {"after": first_seq}).json()["results"]
                mine = [e for e in feed if e["object_type"] == "hazards.hazard" and e["object_id"] == str(pk)]
                self.assertEqual(
                    [e["type"] for e in mine],
                    [
                        "hazard.reported",
                        "hazard.confirmed",
                        "hazard.rectification_submitted",
                        "hazard.accepted",
                        "hazard.closed",
                    ],
                )
                self.assertEqual(mine[1]["data"]["status"], ["reported", "rectifying"])
                self.assertEqual(mine[3]["data"]["status"], ["awaiting_acceptance", "closed"])
                self.assertEqual({e["organization"] for e in mine}, {self.unit_a.pk})

    def test_a_failed_acceptance_returns_the_hazard_to_rectifying_with_the_comment(self):
        hazard = self.submitted()
        body = self.act_ok(hazard["id"], "accept", self.director, passed=False, comment="触点仍有粘连")
        self.assertEqual((body["status"], body["acceptance_comment"]), ("rectifying", "触点仍有粘连"))
        self.assertIsNone(body["closed_at"])
        self.assertTrue(Notification.objects.filter(user=self.owner, kind="hazard.acceptance_failed").exists())
        self.assertEqual(self.equipment_counts(), (1, 0))
        self.assertEqual(Event.objects.latest("seq").type, "hazard.acceptance_failed")

    def test_a_report_is_rejected_with_its_reason(self):
        hazard = self.report()
        body = self.act_ok(hazard["id"], "reject", self.director, reason="层门正常，系误报")
        self.assertEqual((body["status"], body["rejection_reason"]), ("rejected", "层门正常，系误报"))
        self.assertEqual(self.equipment_counts(), (0, 0))
        self.assertEqual(Event.objects.latest("seq").type, "hazard.rejected")

    def test_a_deadline_is_extended_before_it_passes(self):
        hazard = self.confirmed()
        body = self.act_ok(
            hazard["id"], "extend", self.director, deadline="2026-03-20", reason="备件未到货", interim_measures="停梯"
        )
        self.assertEqual(
            (body["status"], body["deadline"], body["interim_measures"]), ("rectifying", "2026-03-20", "停梯")
        )
        event = Event.objects.latest("seq")
        self.assertEqual((event.type, event.data["deadline"]), ("hazard.extended", ["2026-03-12", "2026-03-20"]))


class ImmediateHandlingTests(HazardApiTestCase):
    def test_fixed_on_the_spot_with_evidence_closes_at_once(self):
        hazard = self.report()
        evidence = self.upload(self.director)
        body = self.act_ok(
            hazard["id"],
            "confirm",
            self.director,
            grade="general",
            handling="immediate",
            responsible=self.owner.pk,
            measures="当场紧固层门门锁",
            evidence=[evidence],
        )
        self.assertEqual((body["status"], body["handling"], body["deadline"]), ("closed", "immediate", "2026-03-02"))
        self.assertEqual((body["accepted_by"], body["rectified_by"]), (self.director.pk, self.director.pk))
        self.assertIn((evidence, "evidence"), [(a["id"], a["stage"]) for a in body["attachments"]])
        self.assertEqual(self.equipment_counts(), (0, 0))
        types = list(Event.objects.filter(object_id=str(hazard["id"])).order_by("seq").values_list("type", flat=True))
        self.assertEqual(types[-2:], ["hazard.confirmed", "hazard.closed"])

    def test_immediate_without_evidence_is_rectifying_due_today(self):
        hazard = self.report()
        body = self.act_ok(hazard["id"], "confirm", self.director, **self.five(handling="immediate", deadline=None))
        self.assertEqual(
            (body["status"], body["handling"], body["deadline"]), ("rectifying", "immediate", "2026-03-02")
        )
        self.assertIsNone(body["closed_at"])
        self.assertEqual(self.equipment_counts(), (1, 0))

    def test_a_major_hazard_is_never_closed_on_the_spot(self):
        hazard = self.report_major()
        evidence = self.upload(self.director)
        body = {
            "handling": "immediate",
            "responsible": self.owner.pk,
            "measures": "拆除短接线",
            "evidence": [evidence],
        }
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, grade="major", **body),
            400,
            field="grade",
            message="重大事故隐患不能即查即改销号，须制定治理方案并经监管部门核查。",
        )
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, grade="general", **body),
            400,
            field="grade",
            message="依据 GB 45067-2024 第 4.6b 条，该隐患应判定为重大事故隐患，不能降为一般事故隐患。",
        )


class RefusalTests(HazardApiTestCase):
    def test_each_of_the_five_implementations_is_required(self):
        hazard = self.report()
        labels = {
            "responsible": "整改责任人",
            "measures": "整改措施",
            "funds": "整改资金",
            "deadline": "整改期限",
            "contingency": "应急预案",
        }
        for field, label in labels.items():
            body = self.five()
            del body[field]
            with self.subTest(field=field, given="absent"):
                self.assertRefused(
                    hazard["id"],
                    lambda body=body: self.act(hazard["id"], "confirm", self.director, **body),
                    400,
                    field=field,
                    message=f"请填写{label}。",
                )
            blank = self.five(**{field: None if field in ("responsible", "deadline") else "  "})
            with self.subTest(field=field, given="blank"):
                self.assertRefused(
                    hazard["id"],
                    lambda blank=blank: self.act(hazard["id"], "confirm", self.director, **blank),
                    400,
                    field=field,
                    message=f"请填写{label}。",
                )
        for field in ("grade", "handling"):
            body = self.five()
            del body[field]
            with self.subTest(field=field):
                self.assertRefused(
                    hazard["id"],
                    lambda body=body: self.act(hazard["id"], "confirm", self.director, **body),
                    400,
                    field=field,
                )

    def test_a_deadline_in_the_past_is_refused(self):
        hazard = self.report()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, **self.five(deadline="2026-03-01")),
            400,
            field="deadline",
            message="整改期限不能早于今天。",
        )

    def test_the_grade_is_never_set_below_the_gb45067_judgement(self):
        hazard = self.report_major()
        self.assertEqual((hazard["grade"], hazard["major_criteria"]), ("major", ["4.6b"]))
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, **self.five()),
            400,
            field="grade",
            message="依据 GB 45067-2024 第 4.6b 条，该隐患应判定为重大事故隐患，不能降为一般事故隐患。",
        )
        # Raised by the reporter without a clause, the grade is not lowered at confirmation either.
        raised = self.report(grade="major")
        self.assertEqual((raised["grade"], raised["major_criteria"]), ("major", []))
        self.assertRefused(
            raised["id"],
            lambda: self.act(raised["id"], "confirm", self.director, **self.five()),
            400,
            field="grade",
            message="该隐患已定为重大事故隐患，不能降为一般事故隐患。",
        )
        # The reporter cannot lower it either: the judgement wins.
        lowered = self.report(grade="general", major_criteria=["4.6b"])
        self.assertEqual(lowered["grade"], "major")

    def test_a_stale_version_is_409_and_nothing_changes(self):
        hazard = self.confirmed()
        evidence = self.upload()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(
                hazard["id"], "submit-rectification", self.owner, version=1, description="已更换", evidence=[evidence]
            ),
            409,
            message="数据已被他人修改（当前版本 2，提交的版本 1），请刷新后重试。",
        )

    def test_the_acceptor_is_not_the_rectifier(self):
        hazard = self.submitted()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "accept", self.owner, passed=True, comment="合格"),
            409,
            message="验收人不能是整改人。",
        )
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "accept", self.owner, passed=False, comment="不合格"),
            409,
            message="验收人不能是整改人。",
        )

    def test_an_operator_does_not_confirm(self):
        hazard = self.report()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.member, **self.five()),
            403,
            message="您的角色不能确认定级。",
        )

    def test_a_major_hazard_is_accepted_by_the_principal_only(self):
        hazard = self.submitted(major=True)
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "accept", self.director, passed=True, comment="合格"),
            403,
            message="重大事故隐患须由主要负责人验收通过。",
        )

    def test_no_extension_once_the_deadline_has_passed(self):
        hazard = self.confirmed(deadline="2026-03-05")
        self.clock.move_to(datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI))
        self.assertTrue(self.api(self.owner).get(hazard_url(hazard["id"])).json()["overdue"])
        self.assertRefused(
            hazard["id"],
            lambda: self.act(
                hazard["id"], "extend", self.director, deadline="2026-03-20", reason="备件未到", interim_measures="停梯"
            ),
            409,
            message="隐患当前状态为“整改中”，整改期限 2026-03-05 已过，不能再申请延期。",
        )

    def test_an_extension_needs_a_later_date_and_interim_measures(self):
        hazard = self.confirmed()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(
                hazard["id"], "extend", self.director, deadline="2026-03-12", reason="备件未到", interim_measures="停梯"
            ),
            400,
            field="new_deadline",
            message="新的整改期限须晚于原期限 2026-03-12。",
        )
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "extend", self.director, deadline="2026-03-20", reason="备件未到"),
            400,
            field="interim_measures",
            message="请填写临时管控措施。",
        )

    def test_findings_of_a_regulator_an_agency_or_the_platform_are_not_rejected(self):
        regulator = self.report(
            self.county_inspector, organization=self.unit_a.pk, description="现场检查发现层门门锁触点粘连"
        )
        self.assertEqual(regulator["source"], "regulator")
        inspection = self.api(self.agency_user).post(
            "/api/v1/periodic-inspections/",
            {
                "equipment": self.equipment_a.pk,
                "inspected_on": "2026-03-01",
                "conclusion": "fail",
                "report_no": "JC-2026-0301",
                "hazard_findings": [{"description": "限速器校验超期"}],
            },
            format="json",
        )
        self.assertEqual(inspection.status_code, 201, inspection.content)
        by_source = {h.source: h.pk for h in Hazard.objects.filter(pk__in=inspection.json()["hazards"])}
        self.assertEqual(set(by_source), {"system", "inspection_agency"})
        for pk, label in (
            (regulator["id"], "监管部门检查发现"),
            (by_source["inspection_agency"], "检验机构发现"),
            (by_source["system"], "系统判定"),
        ):
            with self.subTest(source=label):
                self.assertRefused(
                    pk,
                    lambda pk=pk: self.act(pk, "reject", self.director, reason="不构成隐患"),
                    409,
                    message=f"来源为“{label}”的隐患不能驳回，须整改。",
                )

    def test_an_action_in_the_wrong_state_is_409_naming_the_state(self):
        reported = self.report()
        evidence = self.upload()
        self.assertRefused(
            reported["id"],
            lambda: self.act(
                reported["id"], "submit-rectification", self.owner, description="已更换", evidence=[evidence]
            ),
            409,
            message="隐患当前状态为“已报告”，不能提交整改。",
        )
        self.assertRefused(
            reported["id"],
            lambda: self.act(
                reported["id"], "extend", self.director, deadline="2026-04-01", reason="x", interim_measures="y"
            ),
            409,
            message="隐患当前状态为“已报告”，不能延期。",
        )
        rectifying = self.confirmed()
        self.assertRefused(
            rectifying["id"],
            lambda: self.act(rectifying["id"], "accept", self.principal, passed=True, comment="合格"),
            409,
            message="隐患当前状态为“整改中”，不能验收通过。",
        )
        self.assertRefused(
            rectifying["id"],
            lambda: self.act(rectifying["id"], "reject", self.director, reason="误报"),
            409,
            message="隐患当前状态为“整改中”，不能驳回。",
        )
        closed = self.act_ok(
            rectifying["id"], "submit-rectification", self.owner, description="已更换", evidence=[evidence]
        )
        closed = self.act_ok(closed["id"], "accept", self.director, passed=True, comment="合格")
        self.assertRefused(
            closed["id"],
            lambda: self.act(closed["id"], "confirm", self.director, **self.five()),
            409,
            message="隐患当前状态为“已销号”，不能确认定级。",
        )

    def test_submitting_without_evidence_is_400(self):
        hazard = self.confirmed()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "submit-rectification", self.owner, description="已更换"),
            400,
            field="evidence",
            message="请填写整改证据。",
        )

    def test_ids_the_caller_may_not_see_in_the_body_are_404(self):
        hazard = self.report()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, **self.five(responsible=self.other_unit_user.pk)),
            404,
        )
        confirmed = self.act_ok(hazard["id"], "confirm", self.director, **self.five())
        foreign = self.upload(self.other_unit_user)
        self.assertRefused(
            confirmed["id"],
            lambda: self.act(
                confirmed["id"], "submit-rectification", self.owner, description="已更换", evidence=[foreign]
            ),
            404,
        )
        self.assertEqual(self.report_status(self.member, photos=[foreign]), 404)

    def report_status(self, user, **body) -> int:
        body = {"equipment": self.equipment_a.pk, "description": "层门", **body}
        return self.api(user).post(HAZARDS, body, format="json").status_code

    def test_messages_follow_accept_language(self):
        hazard = self.confirmed()
        response = self.api(self.owner).post(
            hazard_url(hazard["id"], "submit-rectification"),
            {"version": 1, "description": "已更换", "evidence": [self.upload()]},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(response["Content-Language"], "en")
        self.assertEqual(
            response.json()["detail"],
            "Someone else changed the data (current version 2, submitted version 1). Please reload and try again.",
        )
        response = self.api(self.owner).post(
            hazard_url(hazard["id"], "submit-rectification"),
            {"description": "x"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json(), {"version": ["This field is required."]})
        self.assertEqual(Hazard.objects.get(pk=hazard["id"]).status, "rectifying")

    def test_hazard_messages_follow_accept_language(self):
        hazard = self.report()
        english = {"HTTP_ACCEPT_LANGUAGE": "en"}
        response = self.api(self.director).post(
            hazard_url(hazard["id"], "confirm"),
            {"version": 1, **self.five(deadline="2026-03-01")},
            format="json",
            **english,
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json(), {"deadline": ["The deadline cannot be before today."]})
        body = self.five()
        del body["measures"]
        response = self.api(self.director).post(
            hazard_url(hazard["id"], "confirm"), {"version": 1, **body}, format="json", **english
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(set(response.json()), {"measures"})
        self.assertRegex(response.json()["measures"][0], "required")
        self.assertNotRegex(response.json()["measures"][0], f"[{HAN}]")
        submitted = self.act_ok(hazard["id"], "confirm", self.director, **self.five())
        submitted = self.act_ok(
            submitted["id"], "submit-rectification", self.owner, description="已更换", evidence=[self.upload()]
        )
        response = self.api(self.owner).post(
            hazard_url(hazard["id"], "accept"),
            {"version": 3, "passed": True, "comment": "ok"},
            format="json",
            **english,
        )
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(response.json(), {"detail": "The acceptor cannot be the person who did the rectification."})


class ReportTests(HazardApiTestCase):
    def test_who_may_report(self):
        for user in (self.member, self.owner, self.principal, self.unit_admin):
            with self.subTest(user=user.username):
                self.report(user)
        before = Hazard.objects.count()
        for user in (self.agency_user, self.system_admin):
            with self.subTest(user=user.username):
                response = self.api(user).post(
                    HAZARDS, {"organization": self.unit_a.pk, "description": "层门"}, format="json"
                )
                self.assertIn(response.status_code, (403, 404), response.content)
        # The province leader sees unit A but is no inspector: no enforcement finding.
        response = self.api(self.province_leader).post(
            HAZARDS, {"organization": self.unit_a.pk, "description": "层门"}, format="json"
        )
        self.assertEqual(response.status_code, 403, response.content)
        self.assertEqual(Hazard.objects.count(), before)

    def test_a_hazard_of_the_unit_without_equipment(self):
        # A hazard of the unit's management (no training records, no safety officer on duty) names no equipment.
        response = self.api(self.owner).post(HAZARDS, {"description": "安全员未按规定在岗"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["equipment"], body["organization"], body["grade"]), (None, self.unit_a.pk, "general"))
        self.assertEqual(Hazard.objects.get(pk=body["id"]).region_id, "140525")

    def test_a_description_is_required(self):
        response = self.api(self.member).post(
            HAZARDS, {"equipment": self.equipment_a.pk, "description": "  "}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("description", response.json())
        self.assertFalse(Hazard.objects.exists())

    def test_clauses_must_exist_and_fit_the_equipment(self):
        for clauses, text in (
            (["9.9z"], "不是 GB 45067-2024 的条款：9.9z。"),
            (["4.2c"], "条款 4.2c 不适用于该类设备（3110）。"),
        ):
            with self.subTest(clauses=clauses):
                response = self.api(self.member).post(
                    HAZARDS,
                    {"equipment": self.equipment_a.pk, "description": "安全阀失效", "major_criteria": clauses},
                    format="json",
                )
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(response.json(), {"major_criteria": [text]})
        self.assertFalse(Hazard.objects.exists())
        self.assertEqual(self.equipment_counts(), (0, 0))

    def test_equipment_of_another_unit_is_404(self):
        response = self.api(self.member).post(
            HAZARDS, {"equipment": self.equipment_c.pk, "description": "层门"}, format="json"
        )
        self.assertEqual(response.status_code, 404, response.content)
        self.assertFalse(Hazard.objects.exists())

    def test_idempotency_key_registers_one_hazard(self):
        headers = {"HTTP_IDEMPOTENCY_KEY": "3d4c1a52-5b0e-4f7d-9a43-2f6f0f1b7c20"}
        body = {"equipment": self.equipment_a.pk, "description": "层门关闭后可被扒开"}
        first = self.api(self.member).post(HAZARDS, body, format="json", **headers)
        notified = Notification.objects.count()
        events = Event.objects.count()
        second = self.api(self.member).post(HAZARDS, body, format="json", **headers)
        self.assertEqual((first.status_code, second.status_code), (201, 201), second.content)
        self.assertNotIn("Idempotent-Replayed", first)
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertEqual(first.json(), second.json())
        self.assertEqual(Hazard.objects.count(), 1)
        self.assertEqual((Notification.objects.count(), Event.objects.count()), (notified, events))
        self.assertEqual(self.equipment_counts(), (1, 0))
        other = self.api(self.member).post(HAZARDS, {**body, "description": "另一处"}, format="json", **headers)
        self.assertEqual(other.status_code, 422, other.content)
        self.assertEqual(Hazard.objects.count(), 1)


class MajorHazardTests(HazardApiTestCase):
    def test_a_reported_4_6b_is_major_reaches_the_regulator_and_stops_the_equipment(self):
        risk = do_create_risk(actor=self.owner, point=point_for_equipment(self.equipment_a), data=dict(LOW_RISK))
        self.assertFalse(risk.needs_reassessment)
        hazard = self.report_major()
        self.assertEqual((hazard["grade"], hazard["major_criteria"], hazard["status"]), ("major", ["4.6b"], "reported"))
        self.assertIn("4.6b", hazard["judgement_reasons"])
        self.assertEqual(hazard["serious_categories"], ["S3"])
        self.assertEqual(hazard["reported_to_regulator_at"], "2026-03-02T09:00:00+08:00")
        # The county bureau's people are told at once; nobody outside it.
        told = set(
            Notification.objects.filter(kind="hazard.major", link=f"/hazards/{hazard['id']}/").values_list(
                "user__username", flat=True
            )
        )
        self.assertEqual(told, {"county_inspector", "county_admin", "principal", "director"})
        self.assertTrue(Notification.objects.filter(user=self.principal, kind="hazard.reported").exists())
        self.assertEqual(self.equipment_counts(), (1, 1))
        risk.refresh_from_db()
        self.assertTrue(risk.needs_reassessment)
        self.assertEqual(risk.reassessment_reason, "存在重大事故隐患")
        events = Event.objects.filter(object_id=str(hazard["id"]), object_type="hazards.hazard").order_by("seq")
        self.assertEqual(
            list(events.values_list("type", flat=True)), ["hazard.reported", "hazard.reported_to_regulator"]
        )
        self.assertTrue(self.api(self.county_inspector).get(HAZARDS, {"reported_to_regulator": "true"}).json()["count"])

    def test_a_major_hazard_needs_the_plan_with_its_six_contents(self):
        hazard = self.report_major()
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, **self.five(grade="major")),
            400,
            field="plan",
            message="重大事故隐患须提交治理方案。",
        )
        partial = {**PLAN, "funds_materials": "", "safety_contingency": ""}
        self.assertRefused(
            hazard["id"],
            lambda: self.act(hazard["id"], "confirm", self.director, **self.five(grade="major", plan=partial)),
            400,
            field="plan",
            message="治理方案缺少：经费和物资的落实、安全措施和应急预案。",
        )

    def test_an_unlisted_major_hazard_closes_after_the_regulators_verification(self):
        hazard = self.confirmed(major=True)
        self.assertEqual((hazard["status"], hazard["grade"]), ("rectifying", "major"))
        self.assertEqual(hazard["plan"], PLAN)
        pk = hazard["id"]
        hazard = self.act_ok(
            pk, "submit-rectification", self.owner, description="已拆除短接线", evidence=[self.upload()]
        )
        self.assertEqual(hazard["status"], "awaiting_acceptance")
        self.assertTrue(
            Notification.objects.filter(user=self.county_inspector, kind="hazard.awaiting_verification").exists()
        )
        self.assertNotIn("accept_passed", self.api(self.principal).get(hazard_url(pk)).json()["allowed_actions"])
        self.assertRefused(
            pk,
            lambda: self.act(pk, "accept", self.principal, passed=True, comment="合格"),
            409,
            message="隐患当前状态为“待验收”，重大事故隐患须经监管部门核查后才能销号。",
        )
        self.assertRefused(
            pk, lambda: self.act(pk, "regulator-verify", self.sibling_inspector, passed=True, comment="合格"), 404
        )
        self.assertRefused(
            pk,
            lambda: self.act(pk, "regulator-verify", self.principal, passed=True, comment="合格"),
            403,
            message="只有监管部门可以核查重大事故隐患的整改。",
        )
        self.assertIn("regulator_verify", self.api(self.county_inspector).get(hazard_url(pk)).json()["allowed_actions"])
        verified = self.act_ok(pk, "regulator-verify", self.county_inspector, passed=True, comment="现场核查合格")
        self.assertEqual((verified["status"], verified["regulator_verified"]), ("awaiting_acceptance", True))
        self.assertTrue(Notification.objects.filter(user=self.principal, kind="hazard.regulator_verified").exists())
        self.assertIn("accept_passed", self.api(self.principal).get(hazard_url(pk)).json()["allowed_actions"])
        self.assertEqual(self.equipment_counts(), (1, 1))
        closed = self.act_ok(pk, "accept", self.principal, passed=True, comment="同意销号")
        self.assertEqual((closed["status"], closed["accepted_by"]), ("closed", self.principal.pk))
        self.assertEqual(self.equipment_counts(), (0, 0))

    def test_a_failed_regulator_verification_sends_it_back_to_rectifying(self):
        hazard = self.submitted(major=True)
        body = self.act_ok(
            hazard["id"], "regulator-verify", self.county_inspector, passed=False, comment="短接线未拆除"
        )
        self.assertEqual(
            (body["status"], body["regulator_verified"], body["acceptance_comment"]),
            ("rectifying", False, "短接线未拆除"),
        )

    def test_a_verification_does_not_outlive_a_failed_acceptance(self):
        # The regulator verified one rectification; the principal then found it wanting and the unit rectified
        # again. That new rectification is not what the regulator saw: it must be verified before the hazard closes.
        hazard = self.submitted(major=True)
        pk = hazard["id"]
        self.act_ok(pk, "regulator-verify", self.county_inspector, passed=True, comment="核查合格")
        self.act_ok(pk, "accept", self.principal, passed=False, comment="复查发现短接线仍在")
        self.act_ok(pk, "submit-rectification", self.owner, description="再次拆除短接线", evidence=[self.upload()])
        self.assertRefused(
            pk,
            lambda: self.act(pk, "accept", self.principal, passed=True, comment="合格"),
            409,
            message="隐患当前状态为“待验收”，重大事故隐患须经监管部门核查后才能销号。",
        )

    def test_raising_the_grade_at_confirmation_reports_it_to_the_regulator(self):
        hazard = self.report()
        self.assertIsNone(hazard["reported_to_regulator_at"])
        body = self.act_ok(hazard["id"], "confirm", self.director, **self.five(grade="major", plan=PLAN))
        self.assertEqual(body["grade"], "major")
        self.assertIsNotNone(body["reported_to_regulator_at"])
        self.assertTrue(Notification.objects.filter(user=self.county_inspector, kind="hazard.major").exists())
        self.assertEqual(self.equipment_counts(), (1, 1))
        # Moving a major hazard's deadline is the principal's.
        self.assertRefused(
            hazard["id"],
            lambda: self.act(
                hazard["id"], "extend", self.director, deadline="2026-03-30", reason="x", interim_measures="停梯"
            ),
            403,
            message="重大事故隐患须由主要负责人延期。",
        )
        self.act_ok(
            hazard["id"], "extend", self.principal, deadline="2026-03-30", reason="备件", interim_measures="停梯"
        )


class ListingTests(HazardApiTestCase):
    def list_hazard(self, user, hazard_id, **body):
        body = {"hazard": hazard_id, "level": "county", "deadline": "2026-04-30", "requirements": "停用整改", **body}
        return self.api(user).post(LISTINGS, body, format="json")

    def listing_act(self, pk, action, user, **body):
        body.setdefault("version", Listing.objects.get(pk=pk).version)
        return self.api(user).post(listing_url(pk, action), body, format="json")

    def listing_ok(self, pk, action, user, **body) -> dict:
        response = self.listing_act(pk, action, user, **body)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_only_a_regulator_covering_the_hazard_lists_it_at_its_own_level(self):
        hazard = self.confirmed(major=True)
        pk = hazard["id"]
        refusals = [
            (self.owner, {}, 403, None, "只有监管部门的监察人员可以挂牌督办。"),
            (self.province_leader, {"level": "province"}, 403, None, "只有监管部门的监察人员可以挂牌督办。"),
            (self.sibling_inspector, {}, 404, None, None),
            (self.other_city_inspector, {"level": "city"}, 404, None, None),
            (self.county_inspector, {"level": "city"}, 400, "level", "您所在监管部门只能县级挂牌督办。"),
            (self.city_inspector, {"level": "county"}, 400, "level", "您所在监管部门只能市级挂牌督办。"),
            (self.province_inspector, {"level": "city"}, 400, "level", "您所在监管部门只能省级挂牌督办。"),
            (self.county_inspector, {"deadline": "2026-03-01"}, 400, "deadline", "督办期限不能早于今天。"),
        ]
        for user, body, status, field, message in refusals:
            with self.subTest(user=user.username, body=body):
                self.assertRefused(
                    pk,
                    lambda user=user, body=body: self.list_hazard(user, pk, **body),
                    status,
                    field=field,
                    message=message,
                )
        self.assertFalse(Listing.objects.exists())
        general = self.report()
        self.assertRefused(
            general["id"],
            lambda: self.list_hazard(self.county_inspector, general["id"]),
            409,
            message="只能对未销号的重大事故隐患挂牌督办（该隐患为一般事故隐患，状态为“已报告”）。",
        )
        for user, level, authority in (
            (self.county_inspector, "county", self.county),
            (self.city_inspector, "city", self.city),
            (self.province_inspector, "province", self.province),
        ):
            with self.subTest(level=level):
                target = pk if level == "county" else self.report_major()["id"]
                response = self.list_hazard(user, target, level=level)
                self.assertEqual(response.status_code, 201, response.content)
                body = response.json()
                self.assertEqual((body["level"], body["status"], body["hazard"]), (level, "listed", target))
                self.assertEqual((body["listing_authority"], body["listed_by"]), (authority.pk, user.pk))
                self.assertEqual(
                    (body["listed_on"], body["deadline"], body["version"]), ("2026-03-02", "2026-04-30", 1)
                )
                self.assertTrue(self.api(self.owner).get(hazard_url(target)).json()["listed"])
        self.assertRefused(
            pk, lambda: self.list_hazard(self.city_inspector, pk, level="city"), 409, message="该隐患已在挂牌督办中。"
        )
        self.assertEqual(Listing.objects.count(), 3)

    def test_a_listed_hazard_closes_only_by_delisting(self):
        hazard = self.confirmed(major=True)
        pk = hazard["id"]
        response = self.list_hazard(self.county_inspector, pk)
        self.assertEqual(response.status_code, 201, response.content)
        listing = response.json()["id"]
        self.assertTrue(Notification.objects.filter(user=self.principal, kind="listing.created").exists())
        self.assertEqual(self.api(self.owner).get(hazard_url(pk)).json()["listing"], listing)

        # The unit reports completion; it cannot verify or delist, the regulator cannot report for it.
        self.assertEqual(
            self.listing_act(listing, "report-completion", self.county_inspector, description="x", evidence=[]).json(),
            {"detail": "只有本单位人员可以登记本单位的隐患。"},
        )
        self.assertEqual(
            self.listing_act(listing, "report-completion", self.owner, description="已拆除短接线").json(),
            {"evidence": ["请填写整改证据。"]},
        )
        done = self.listing_ok(
            listing, "report-completion", self.owner, description="已拆除短接线", evidence=[self.upload()]
        )
        self.assertEqual(
            (done["status"], done["completion_description"], done["version"]),
            ("completion_reported", "已拆除短接线", 2),
        )
        self.assertEqual(Hazard.objects.get(pk=pk).status, "awaiting_acceptance")
        self.assertTrue(
            Notification.objects.filter(user=self.county_inspector, kind="listing.completion_reported").exists()
        )
        for action in ("verify", "delist"):
            with self.subTest(action=action, user="owner"):
                response = self.listing_act(listing, action, self.owner, passed=True, comment="合格")
                self.assertEqual(response.status_code, 403, response.content)
                self.assertEqual(response.json()["detail"], "只有监管部门的监察人员可以挂牌督办。")
        self.assertRefused(
            pk,
            lambda: self.act(pk, "accept", self.principal, passed=True, comment="合格"),
            409,
            message="隐患当前状态为“待验收”，正在挂牌督办，须经监管部门核查摘牌后销号。",
        )
        response = self.listing_act(listing, "delist", self.county_inspector)
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(response.json()["detail"], "挂牌督办当前状态为“已报告整改完成”，不能摘牌销号。")

        failed = self.listing_ok(listing, "verify", self.county_inspector, passed=False, comment="短接线未拆除")
        self.assertEqual((failed["status"], failed["verification_comment"]), ("listed", "短接线未拆除"))
        stored = Hazard.objects.get(pk=pk)
        self.assertEqual(
            (stored.status, stored.regulator_verified, stored.acceptance_comment), ("rectifying", False, "短接线未拆除")
        )

        self.listing_ok(listing, "report-completion", self.owner, description="已彻底拆除", evidence=[self.upload()])
        passed = self.listing_ok(listing, "verify", self.county_inspector, passed=True, comment="现场核查合格")
        self.assertEqual(passed["status"], "verified")
        stored = Hazard.objects.get(pk=pk)
        self.assertEqual((stored.status, stored.regulator_verified), ("awaiting_acceptance", True))
        self.assertRefused(
            pk,
            lambda: self.act(pk, "accept", self.principal, passed=True, comment="合格"),
            409,
            message="隐患当前状态为“待验收”，正在挂牌督办，须经监管部门核查摘牌后销号。",
        )
        self.assertEqual(self.equipment_counts(), (1, 1))

        delisted = self.listing_ok(listing, "delist", self.county_inspector)
        self.assertEqual(delisted["status"], "delisted")
        self.assertIsNotNone(delisted["delisted_at"])
        closed = self.api(self.owner).get(hazard_url(pk)).json()
        self.assertEqual(
            (closed["status"], closed["listed"], closed["accepted_by"]), ("closed", False, self.county_inspector.pk)
        )
        self.assertEqual(self.equipment_counts(), (0, 0))
        listing_events = list(
            Event.objects.filter(object_type="hazards.listing", object_id=str(listing)).values_list("type", flat=True)
        )
        self.assertEqual(
            listing_events,
            [
                "listing.created",
                "listing.completion_reported",
                "listing.verified",
                "listing.completion_reported",
                "listing.verified",
                "listing.delisted",
            ],
        )
        self.assertEqual(
            [e.type for e in services.timeline(Hazard.objects.get(pk=pk))][-2:], ["listing.delisted", "hazard.closed"]
        )

    def test_delisting_does_not_close_a_hazard_the_unit_found_not_rectified(self):
        # After the verification the principal failed the rectification: the hazard is rectifying again, so
        # delisting it now would close a hazard nobody has seen fixed.
        hazard = self.confirmed(major=True)
        pk = hazard["id"]
        listing = self.list_hazard(self.county_inspector, pk).json()["id"]
        self.listing_ok(listing, "report-completion", self.owner, description="已拆除", evidence=[self.upload()])
        self.listing_ok(listing, "verify", self.county_inspector, passed=True, comment="合格")
        self.act_ok(pk, "accept", self.principal, passed=False, comment="复查发现短接线仍在")
        self.assertEqual(Hazard.objects.get(pk=pk).status, "rectifying")
        response = self.listing_act(listing, "delist", self.county_inspector)
        self.assertEqual(response.status_code, 409, response.content)
        self.assertNotEqual(Hazard.objects.get(pk=pk).status, "closed")

    def test_outsiders_do_not_see_a_listing(self):
        hazard = self.confirmed(major=True)
        listing = self.list_hazard(self.county_inspector, hazard["id"]).json()["id"]
        for user in (self.owner, self.member, self.county_inspector, self.city_inspector, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(listing_url(listing)).status_code, 200)
        for user in (
            self.other_unit_user,
            self.unit_b_user,
            self.sibling_inspector,
            self.other_city_inspector,
            self.agency_user,
        ):
            with self.subTest(user=user.username):
                self.assertEqual(self.api(user).get(listing_url(listing)).status_code, 404)
                self.assertEqual(self.api(user).get(LISTINGS).json()["count"], 0)


class PeriodicInspectionHazardTests(HazardApiTestCase):
    def record(self, equipment, conclusion="fail", user=None, **extra):
        body = {
            "equipment": equipment.pk,
            "inspected_on": "2026-03-01",
            "conclusion": conclusion,
            "report_no": "JC-1",
            **extra,
        }
        response = self.api(user or self.agency_user).post("/api/v1/periodic-inspections/", body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def test_a_failed_inspection_of_an_in_use_elevator_is_a_major_system_hazard(self):
        inspection = self.record(self.equipment_a)
        self.assertEqual(len(inspection["hazards"]), 1)
        hazard = Hazard.objects.get(pk=inspection["hazards"][0])
        self.assertEqual((hazard.source, hazard.grade, hazard.major_criteria), ("system", "major", ["4.6a"]))
        self.assertEqual((hazard.inspection_id, hazard.found_by_organization_id), (inspection["id"], self.agency.pk))
        self.assertEqual(
            (hazard.organization_id, hazard.equipment_id, hazard.status),
            (self.unit_a.pk, self.equipment_a.pk, "reported"),
        )
        self.assertIn("JC-1", hazard.description)
        self.assertIsNotNone(hazard.reported_to_regulator_at)
        self.assertTrue(Notification.objects.filter(user=self.county_inspector, kind="hazard.major").exists())
        self.assertEqual(self.equipment_counts(), (1, 1))
        self.assertEqual(self.api(self.agency_user).get(hazard_url(hazard.pk)).status_code, 200)
        self.assertEqual(self.api(self.other_agency_user).get(hazard_url(hazard.pk)).status_code, 404)
        self.assertEqual([h["id"] for h in self.api(self.agency_user).get(HAZARDS).json()["results"]], [hazard.pk])

    def test_findings_become_hazards_and_a_serious_one_reaches_the_regulator(self):
        inspection = self.record(
            self.equipment_a,
            conclusion="pass",
            hazard_findings=[
                {"description": "轿厢应急照明不足", "location": "轿厢"},
                {"description": "限速器校验超期", "serious": True},
            ],
        )
        hazards = {h.description: h for h in Hazard.objects.filter(pk__in=inspection["hazards"])}
        self.assertEqual(set(hazards), {"轿厢应急照明不足", "限速器校验超期"})
        light, governor = hazards["轿厢应急照明不足"], hazards["限速器校验超期"]
        for hazard in (light, governor):
            self.assertEqual(
                (hazard.source, hazard.grade, hazard.found_by_organization_id),
                ("inspection_agency", "general", self.agency.pk),
            )
        self.assertEqual(light.location, "轿厢")
        self.assertIsNone(light.reported_to_regulator_at)
        self.assertIsNotNone(governor.reported_to_regulator_at)
        told = set(Notification.objects.filter(kind="hazard.serious_finding").values_list("user__username", flat=True))
        self.assertEqual(told, {"county_inspector", "county_admin"})
        self.assertEqual(self.equipment_counts(), (2, 0))
        for pk in inspection["hazards"]:
            self.assertEqual(self.api(self.agency_user).get(hazard_url(pk)).status_code, 200)
            self.assertEqual(self.api(self.other_agency_user).get(hazard_url(pk)).status_code, 404)

    def test_a_failed_inspection_of_suspended_equipment_is_no_system_hazard(self):
        suspended = make_equipment(self.unit_a, "31101405252020A0009", agency=self.agency, status="suspended")
        inspection = self.record(suspended)
        self.assertEqual(inspection["hazards"], [])
        self.assertFalse(Hazard.objects.filter(equipment=suspended).exists())
        self.assertEqual(self.equipment_counts(suspended), (0, 0))


class RegulatorFindingTests(HazardApiTestCase):
    def test_an_inspector_registers_a_finding_of_a_unit_in_the_county(self):
        response = self.api(self.county_inspector).post(
            HAZARDS,
            {"organization": self.unit_a.pk, "description": "未按规定设置安全管理机构", "serious_categories": ["S6"]},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["source"], body["organization"], body["equipment"]), ("regulator", self.unit_a.pk, None))
        self.assertEqual(
            (body["serious_categories"], body["grade"], body["reported_by"]),
            (["S6"], "general", self.county_inspector.pk),
        )
        stored = Hazard.objects.get(pk=body["id"])
        self.assertEqual((stored.region_id, stored.found_by_organization_id), ("140525", self.county.pk))
        self.assertEqual(self.api(self.owner).get(hazard_url(body["id"])).status_code, 200)
        self.assertTrue(Notification.objects.filter(user=self.director, kind="hazard.reported").exists())

    def test_a_finding_on_equipment_judged_major(self):
        body = self.report(
            self.city_inspector,
            organization=self.unit_a.pk,
            major_criteria=["4.6c"],
            serious_categories=["S6"],
            description="限速器—安全钳联动试验不合格",
        )
        self.assertEqual(
            (body["source"], body["grade"], body["equipment"]), ("regulator", "major", self.equipment_a.pk)
        )
        # S3 from the judgement (a protective device failed), S6 as the regulator determined.
        self.assertEqual(body["serious_categories"], ["S3", "S6"])
        self.assertIsNotNone(body["reported_to_regulator_at"])
        self.assertEqual(Hazard.objects.get(pk=body["id"]).found_by_organization_id, self.city.pk)

    def test_another_countys_inspector_gets_404_for_the_unit(self):
        response = self.api(self.sibling_inspector).post(
            HAZARDS, {"organization": self.unit_a.pk, "description": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 404, response.content)
        self.assertIn(str(self.unit_a.pk), response.json()["detail"])
        self.assertFalse(Hazard.objects.exists())

    def test_an_unknown_serious_category_is_400(self):
        response = self.api(self.county_inspector).post(
            HAZARDS, {"organization": self.unit_a.pk, "description": "x", "serious_categories": ["S9"]}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json(), {"serious_categories": ["未知的严重事故隐患类别：S9。"]})
        self.assertFalse(Hazard.objects.exists())

    def test_equipment_of_another_unit_than_the_one_named_is_400(self):
        response = self.api(self.county_inspector).post(
            HAZARDS,
            {"organization": self.unit_c.pk, "equipment": self.equipment_a.pk, "description": "x"},
            format="json",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json(), {"equipment": ["该设备不属于所选单位。"]})


class ScopeTests(HazardApiTestCase):
    OUTSIDERS = ("other_unit_user", "unit_b_user", "sibling_inspector", "other_city_inspector")

    def action_bodies(self):
        return {
            "confirm": {**self.five(grade="major", plan=PLAN)},
            "reject": {"reason": "x"},
            "submit-rectification": {"description": "x", "evidence": []},
            "accept": {"passed": True, "comment": "x"},
            "extend": {"deadline": "2026-05-01", "reason": "x", "interim_measures": "x"},
            "regulator-verify": {"passed": True, "comment": "x"},
            "report-completion": {"description": "x", "evidence": []},
            "verify": {"passed": True, "comment": "x"},
            "delist": {},
        }

    def test_every_hazard_and_listing_route_is_404_to_outsiders(self):
        hazard = self.confirmed(major=True)
        listing = (
            self.api(self.county_inspector)
            .post(LISTINGS, {"hazard": hazard["id"], "level": "county", "deadline": "2026-04-30"}, format="json")
            .json()
        )
        bodies = self.action_bodies()
        routes = [(hazard_url(hazard["id"]), HazardViewSet), (listing_url(listing["id"]), ListingViewSet)]
        before = self.state(hazard["id"])
        for name in self.OUTSIDERS:
            user = getattr(self, name)
            client = self.api(user)
            for detail, viewset in routes:
                with self.subTest(user=name, url=detail):
                    self.assertEqual(client.get(detail).status_code, 404)
                for action in viewset.get_extra_actions():
                    if not action.detail:
                        continue
                    url = f"{detail}{action.url_path}/"
                    with self.subTest(user=name, url=url):
                        self.assertIn(action.url_path, bodies)
                        response = client.post(url, {"version": 2, **bodies[action.url_path]}, format="json")
                        self.assertEqual(response.status_code, 404, response.content)
            self.assertEqual(client.get(HAZARDS).json()["count"], 0)
            self.assertEqual(client.get(LISTINGS).json()["count"], 0)
            response = client.post(
                LISTINGS, {"hazard": hazard["id"], "level": "county", "deadline": "2026-04-30"}, format="json"
            )
            self.assertEqual(response.status_code, 404, response.content)
        self.assertEqual(self.state(hazard["id"]), before)

    def test_lists_hold_only_what_the_scope_allows(self):
        mine = self.report()["id"]
        other_county = self.report(self.unit_b_user, equipment=self.equipment_b.pk)["id"]
        same_county = self.report(self.other_unit_user, equipment=self.equipment_c.pk)["id"]
        expected = {
            "owner": {mine},
            "member": {mine},
            "other_unit_user": {same_county},
            "unit_b_user": {other_county},
            "county_inspector": {mine, same_county},
            "sibling_inspector": {other_county},
            "city_inspector": {mine, same_county, other_county},
            "province_leader": {mine, same_county, other_county},
            "other_city_inspector": set(),
            "agency_user": set(),
        }
        for name, ids in expected.items():
            with self.subTest(user=name):
                rows = self.api(getattr(self, name)).get(HAZARDS).json()["results"]
                self.assertEqual({row["id"] for row in rows}, ids)

    def test_anonymous_is_refused(self):
        hazard = self.confirmed(major=True)
        listing = (
            self.api(self.county_inspector)
            .post(LISTINGS, {"hazard": hazard["id"], "level": "county", "deadline": "2026-04-30"}, format="json")
            .json()["id"]
        )
        anonymous = self.api()
        urls = [("get", HAZARDS), ("post", HAZARDS), ("get", LISTINGS), ("post", LISTINGS)]
        urls += [("get", hazard_url(hazard["id"])), ("get", listing_url(listing))]
        urls += [("post", hazard_url(hazard["id"], a.url_path)) for a in HazardViewSet.get_extra_actions() if a.detail]
        urls += [("post", listing_url(listing, a.url_path)) for a in ListingViewSet.get_extra_actions() if a.detail]
        for method, url in urls:
            with self.subTest(method=method, url=url):
                self.assertIn(getattr(anonymous, method)(url, {}, format="json").status_code, (401, 403))


class FilterTests(HazardApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            equipment = cls.equipment_a
            cls.reported = services.do_report_hazard(actor=cls.member, equipment=equipment, description="层门")
            cls.rectifying = services.do_report_hazard(actor=cls.member, equipment=equipment, description="照明")
            services.do_confirm_hazard(
                actor=cls.director,
                hazard=cls.rectifying,
                data={
                    "grade": "general",
                    "handling": "deadline",
                    "deadline": date(2026, 3, 5),
                    "responsible": cls.owner,
                    "measures": "更换灯具",
                    "funds": "100 元",
                    "contingency": "手电",
                },
                expected_version=1,
            )
            cls.major = services.do_report_hazard(
                actor=cls.member, equipment=equipment, description="门锁短接", clauses=["4.6b"]
            )
            services.do_list_hazard(
                actor=cls.county_inspector, hazard=cls.major, level="county", deadline=date(2026, 4, 1)
            )
            cls.rejected = services.do_report_hazard(actor=cls.member, equipment=equipment, description="误报")
            services.do_reject_hazard(actor=cls.director, hazard=cls.rejected, reason="误报", expected_version=1)
            cls.yangcheng = services.do_report_hazard(
                actor=cls.unit_b_user, equipment=cls.equipment_b, description="乙"
            )

    def ids(self, user, **params) -> set[int]:
        response = self.api(user).get(HAZARDS, params)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}

    def test_filters(self):
        a = self.owner
        self.assertEqual(self.ids(a, status="reported"), {self.reported.pk, self.major.pk})
        self.assertEqual(self.ids(a, status=["rectifying", "rejected"]), {self.rectifying.pk, self.rejected.pk})
        self.assertEqual(self.ids(a, grade="major"), {self.major.pk})
        self.assertEqual(self.ids(a, is_open="true"), {self.reported.pk, self.rectifying.pk, self.major.pk})
        self.assertEqual(self.ids(a, is_open="false"), {self.rejected.pk})
        self.assertEqual(self.ids(a, listed="true"), {self.major.pk})
        self.assertEqual(self.ids(a, listed="false"), {self.reported.pk, self.rectifying.pk, self.rejected.pk})
        self.assertEqual(self.ids(a, overdue="true"), set())
        self.clock.move_to(datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI))
        self.assertEqual(self.ids(a, overdue="true"), {self.rectifying.pk})
        self.assertEqual(
            self.ids(self.city_inspector, overdue="false", region="1405"),
            {self.reported.pk, self.major.pk, self.rejected.pk, self.yangcheng.pk},
        )
        city = self.city_inspector
        everything = {self.reported.pk, self.rectifying.pk, self.major.pk, self.rejected.pk, self.yangcheng.pk}
        self.assertEqual(self.ids(city), everything)
        self.assertEqual(self.ids(city, region="140525"), everything - {self.yangcheng.pk})
        self.assertEqual(self.ids(city, region="140522"), {self.yangcheng.pk})
        self.assertEqual(self.ids(city, region="140500"), everything)
        # A region outside the caller's jurisdiction narrows nothing into view.
        self.assertEqual(self.ids(self.sibling_inspector, region="140525"), set())
        self.assertEqual(self.ids(city, organization=self.unit_b.pk, is_open="true"), {self.yangcheng.pk})
        self.assertEqual(self.ids(a, equipment=self.equipment_a.pk, q="门锁"), {self.major.pk})
        listings = self.api(city).get(LISTINGS, {"is_open": "true", "level": "county"}).json()["results"]
        self.assertEqual([row["hazard"] for row in listings], [self.major.pk])

    def test_a_bad_filter_value_is_400(self):
        response = self.api(self.owner).get(HAZARDS, {"status": "lost"})
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("status", response.json())

    def test_the_list_costs_no_query_per_row(self):
        def count():
            # A fresh user object each time: the scope computed once per user object must not make one call dearer.
            user = User.objects.get(pk=self.city_inspector.pk)
            with CaptureQueriesContext(connection) as captured:
                response = self.api(user).get(HAZARDS)
            self.assertEqual(response.status_code, 200)
            return len(captured), response.json()["count"]

        few, rows = count()
        for n in range(6):
            services.do_report_hazard(
                actor=self.member, equipment=self.equipment_a, description=f"第 {n} 处", photos=[]
            )
        many, more_rows = count()
        self.assertEqual(more_rows, rows + 6)
        self.assertEqual(many, few)
