"""The risk web pages: scope, role refusals, identifying and (re)assessing through the form and the services,
applying the template library to many equipment in one submit, the equipment page's risk section, the risk
control list export and the English rendering."""

import io
import re

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import CatalogEntry, Equipment
from shuangfang.orgs.models import Organization, Region
from shuangfang.risks import library, rules
from shuangfang.risks.forms import id_terms, id_terms_q
from shuangfang.risks.models import Risk, RiskAssessment, RiskPoint
from shuangfang.risks.services import do_create_risk, do_create_risk_point, point_for_equipment

LIST = "/risks/"
APPLY = "/risks/templates/apply/"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def risk_form(responsible, **changes) -> dict:
    """What the create form posts: a general risk (LS 3 × 3 = 9) controlled at workshop level."""
    data = {
        "title": "曳引钢丝绳断丝",
        "hazard_source": "曳引钢丝绳磨损、断丝超过报废标准",
        "consequence": "轿厢失控坠落，人员伤亡",
        "accident_type": "04",
        "identification_method": "scl",
        "method": "ls",
        "factors_ls_L": "3",
        "factors_ls_S": "3",
        # The other methods' selects are sent too (all are on the page); the method select decides.
        "factors_lec_L": "6",
        "factors_lec_E": "",
        "factors_lec_C": "",
        "control_level": "workshop",
        "owner": responsible.pk,
        "measures-0-kind": "engineering",
        "measures-0-text": "每半月检查钢丝绳断丝和磨损",
        "measures-0-check": "on",
        "measures-1-kind": "training",
        "measures-1-text": "维保人员培训",
        "measures-2-kind": "",
        "measures-2-text": "",
        "emergency_actions": "立即停梯，设置警示标志，通知维保单位",
    }
    data.update(changes)
    return data


def edit_form(risk, **changes) -> dict:
    """What the edit form posts back for `risk` when the user changes nothing but `changes`."""
    data = {
        "title": risk.title,
        "hazard_source": risk.hazard_source,
        "consequence": risk.consequence,
        "accident_type": risk.accident_type,
        "identification_method": risk.identification_method,
        "method": risk.method,
        "control_level": risk.control_level,
        "owner": risk.owner_id or "",
        "emergency_actions": risk.emergency_actions,
        "version": risk.version,
        "reason": "",
    }
    for name, value in risk.factors.items():
        data[f"factors_{risk.method}_{name}"] = str(value)
    for index, measure in enumerate(risk.measures):
        data[f"measures-{index}-kind"] = measure["kind"]
        data[f"measures-{index}-text"] = measure["text"]
        if measure["check"]:
            data[f"measures-{index}-check"] = "on"
    data.update(changes)
    return data


class RiskPageTestCase(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.risk_a = do_create_risk(
            actor=cls.owner,
            point=point_for_equipment(cls.equipment_a),
            data={
                "title": "层门锁紧失效",
                "hazard_source": "层门门锁啮合深度不足",
                "method": "ls",
                "factors": {"L": 4, "S": 4},
                "control_level": "department",
                "owner": cls.owner,
                "measures": [{"kind": "engineering", "text": "每日检查层门门锁", "check": True}],
            },
        )
        cls.risk_c = do_create_risk(
            actor=cls.other_unit_user,
            point=point_for_equipment(cls.equipment_c),
            data={
                "title": "丙单位的风险",
                "hazard_source": "制动器磨损",
                "method": "ls",
                "factors": {"L": 2, "S": 2},
                "control_level": "post",
                "owner": cls.other_unit_user,
                "measures": [{"kind": "management", "text": "按规定维保", "check": False}],
            },
        )

    def detail_url(self, risk=None):
        return f"/risks/{(risk or self.risk_a).pk}/"


class RiskListTests(RiskPageTestCase):
    def test_unit_sees_its_own_risks_with_level_badge_and_distribution(self):
        response = self.web(self.owner).get(LIST)
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertNotIn("丙单位的风险", page)
        self.assertIn(
            f'badge badge-{rules.LEVEL_COLORS[self.risk_a.level]}">{rules.LEVEL_LABELS[self.risk_a.level]}', page
        )
        self.assertIn(self.equipment_a.code, page)
        # The four figure boxes: one per level, the risk's level counting one.
        figures = re.findall(r'class="figure figure-(\w+)".*?figure-value">(\d+)<', page, re.S)
        self.assertEqual([color for color, _count in figures], [rules.LEVEL_COLORS[level] for level in rules.LEVELS])
        self.assertEqual(dict(figures)[rules.LEVEL_COLORS[self.risk_a.level]], "1")
        self.assertIn('href="/risks/templates/apply/"', page)
        self.assertIn("/risks/export/", page)

    def test_outsiders_do_not_see_unit_a_risks(self):
        for user in self.outsiders_of_unit_a():
            with self.subTest(user=user.username):
                response = self.web(user).get(LIST)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "层门锁紧失效")

    def test_filters_narrow_the_list_and_the_figures(self):
        client = self.web(self.county_inspector)
        page = client.get(LIST, {"level": "low"}).content.decode()
        self.assertNotIn("层门锁紧失效", page)
        self.assertIn("丙单位的风险", page)
        page = client.get(LIST, {"organization": self.unit_a.pk}).content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertNotIn("丙单位的风险", page)
        page = client.get(LIST, {"q": "层门"}).content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertNotIn("丙单位的风险", page)

    def test_htmx_filter_returns_only_the_results(self):
        response = self.web(self.owner).get(LIST, {"level": self.risk_a.level}, HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertNotIn("<html", page)
        self.assertIn("层门锁紧失效", page)
        self.assertIn("figure-value", page)

    def test_regulator_reads_unit_a_risks_without_write_buttons(self):
        client = self.web(self.county_inspector)
        page = client.get(LIST).content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertIn("甲单位", page)
        self.assertNotIn(APPLY, page)
        detail = client.get(self.detail_url())
        self.assertEqual(detail.status_code, 200)
        self.assertNotContains(detail, f"/risks/{self.risk_a.pk}/edit/")
        self.assertNotContains(detail, f"/risks/{self.risk_a.pk}/retire/")

    def test_equipment_filter_takes_ids_and_ranges(self):
        self.assertEqual(id_terms([7, 3, 4, 5, 9, 10]), "3-5,7,9-10")
        self.assertEqual(id_terms([]), "")
        self.assertIsNone(id_terms_q("equipment_id", "3-x"))
        page = self.web(self.county_inspector).get(LIST, {"equipment": f"{self.equipment_a.pk}"}).content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertNotIn("丙单位的风险", page)
        low, high = sorted([self.equipment_a.pk, self.equipment_c.pk])
        page = self.web(self.county_inspector).get(LIST, {"equipment": f"{low}-{high}"}).content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertIn("丙单位的风险", page)
        page = self.web(self.county_inspector).get(LIST, {"equipment": "not-an-id"}).content.decode()
        self.assertNotIn("层门锁紧失效", page)


class RiskDetailTests(RiskPageTestCase):
    def test_detail_shows_the_facts_measures_and_history(self):
        response = self.web(self.owner).get(self.detail_url())
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        for text in ("层门锁紧失效", "层门门锁啮合深度不足", "每日检查层门门锁", "日常检查项", "L 4 × S 4", "首次评价"):
            self.assertIn(text, page)
        self.assertIn(f"/risks/{self.risk_a.pk}/edit/", page)
        self.assertIn(f"/risks/{self.risk_a.pk}/retire/", page)
        self.assertIn(f"/risks/cards/equipment/{self.equipment_a.pk}/", page)

    def test_outsiders_get_404_on_detail_edit_retire_and_reassess(self):
        for user in self.outsiders_of_unit_a():
            client = self.web(user)
            for method, url, data in (
                ("get", self.detail_url(), None),
                ("get", f"{self.detail_url()}edit/", None),
                ("post", f"{self.detail_url()}edit/", edit_form(self.risk_a, title="x")),
                ("get", f"{self.detail_url()}reassess/", None),
                ("post", f"{self.detail_url()}retire/", {"reason": "x", "version": 1}),
            ):
                with self.subTest(user=user.username, method=method, url=url):
                    self.assertEqual(getattr(client, method)(url, data).status_code, 404)

    def test_regulator_and_operator_get_403_on_writes(self):
        for user in (self.county_inspector, self.member):
            client = self.web(user)
            with self.subTest(user=user.username):
                self.assertEqual(client.post(f"{self.detail_url()}edit/", edit_form(self.risk_a)).status_code, 403)
                self.assertEqual(
                    client.post(f"{self.detail_url()}retire/", {"reason": "拆除", "version": 1}).status_code, 403
                )
                self.assertEqual(client.get(f"{self.detail_url()}reassess/").status_code, 403)
                self.assertEqual(
                    client.post(f"/risks/new/?equipment={self.equipment_a.pk}", risk_form(self.owner)).status_code,
                    403,
                )
                self.assertEqual(client.post(APPLY, {"equipment": [self.equipment_a.pk]}).status_code, 403)
                self.assertEqual(client.post("/risks/points/", {"kind": "site", "name": "x"}).status_code, 403)
        self.risk_a.refresh_from_db()
        self.assertTrue(self.risk_a.is_active)
        self.assertEqual(self.risk_a.version, 1)

    def test_retire_keeps_the_risk_out_of_the_list(self):
        client = self.web(self.owner)
        response = client.post(f"{self.detail_url()}retire/", {"reason": "设备已拆除", "version": 1})
        self.assertRedirects(response, LIST)
        self.risk_a.refresh_from_db()
        self.assertFalse(self.risk_a.is_active)
        self.assertNotContains(client.get(LIST), "层门锁紧失效")
        self.assertContains(client.get(self.detail_url()), "已撤销")

    def test_retire_without_reason_shows_the_service_message(self):
        response = self.web(self.owner).post(f"{self.detail_url()}retire/", {"reason": "", "version": 1})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请说明原因。", status_code=400)

    def test_retire_with_a_stale_version_is_409(self):
        response = self.web(self.owner).post(f"{self.detail_url()}retire/", {"reason": "拆除", "version": 7})
        self.assertEqual(response.status_code, 409)


class RiskFormTests(RiskPageTestCase):
    def create_url(self, equipment=None):
        return f"/risks/new/?equipment={(equipment or self.equipment_a).pk}"

    def test_form_offers_factor_selects_with_criteria(self):
        response = self.web(self.owner).get(self.create_url())
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        for method in rules.METHODS:
            self.assertIn(f'data-factor-group="{method}"', page)
        option = rules.factor_options("lec", "L")[1]
        self.assertIn(f'<option value="6">6 — {option.label}</option>', page)
        self.assertEqual(page.count('name="measures-'), 5 * 3 + 3)  # five empty rows and the template row
        self.assertIn('id="risk-scoring"', page)
        for code, name in library.ACCIDENT_TYPES[:2]:
            self.assertIn(f'<option value="{code}">{name}</option>', page)
        self.assertNotIn('name="reason"', page)

    def test_create_through_the_form(self):
        response = self.web(self.owner).post(self.create_url(), risk_form(self.owner))
        risk = Risk.objects.get(title="曳引钢丝绳断丝")
        self.assertRedirects(response, f"/risks/{risk.pk}/")
        self.assertEqual(risk.method, "ls")
        self.assertEqual(risk.factors, {"L": 3, "S": 3})
        self.assertEqual(risk.level, "general")
        self.assertEqual(risk.equipment, self.equipment_a)
        self.assertEqual(risk.owner, self.owner)
        self.assertEqual(
            risk.measures,
            [
                {"kind": "engineering", "text": "每半月检查钢丝绳断丝和磨损", "check": True},
                {"kind": "training", "text": "维保人员培训", "check": False},
            ],
        )
        self.assertEqual(RiskAssessment.objects.filter(risk=risk).count(), 1)

    def test_first_risk_of_an_equipment_creates_its_risk_point(self):
        extra = make_equipment(self.unit_a, "31101401012020A0077")
        self.web(self.owner).post(self.create_url(extra), risk_form(self.owner))
        point = RiskPoint.objects.get(equipment=extra)
        self.assertEqual(Risk.objects.get(equipment=extra).risk_point, point)

    def test_refused_create_leaves_no_risk_point_behind(self):
        extra = make_equipment(self.unit_a, "31101401012020A0078")
        response = self.web(self.owner).post(self.create_url(extra), risk_form(self.owner, title=""))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(RiskPoint.objects.filter(equipment=extra).exists())

    def test_forged_factor_value_gets_the_service_message(self):
        response = self.web(self.owner).post(self.create_url(), risk_form(self.owner, factors_ls_L="7"))
        self.assertEqual(response.status_code, 400)
        message = "L 的取值须为 5、4、3、2、1 之一"
        self.assertContains(response, message, status_code=400)
        # Next to the factor selects, not on top of the form.
        factors_error = re.search(r"rg-factors-field has-error.*?data-live-result", response.content.decode(), re.S)
        self.assertIsNotNone(factors_error)
        self.assertIn(message, factors_error.group(0))
        self.assertFalse(Risk.objects.filter(title="曳引钢丝绳断丝").exists())

    def test_missing_factor_names_the_allowed_values(self):
        response = self.web(self.owner).post(self.create_url(), risk_form(self.owner, factors_ls_S=""))
        self.assertContains(response, "须填写 S 的取值", status_code=400)

    def test_major_risk_rule_puts_the_messages_next_to_the_fields(self):
        data = risk_form(self.owner, factors_ls_L="5", factors_ls_S="5", control_level="team")
        response = self.web(self.owner).post(self.create_url(), data)
        self.assertEqual(response.status_code, 400)
        page = response.content.decode()
        for field in ("control_level", "owner"):
            block = re.search(rf'<label for="id_{field}".*?</div>\s*</div>', page, re.S)
            self.assertIsNotNone(block, field)
            self.assertIn("晋市监发〔2022〕116号", block.group(0))
        self.assertFalse(Risk.objects.filter(title="曳引钢丝绳断丝").exists())
        # Controlled at company level by the principal, the same risk is accepted.
        data.update(control_level="company", owner=self.principal.pk)
        response = self.web(self.owner).post(self.create_url(), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Risk.objects.get(title="曳引钢丝绳断丝").level, "major")

    def test_measures_without_kind_get_the_service_message(self):
        data = risk_form(self.owner, **{"measures-0-kind": ""})
        response = self.web(self.owner).post(self.create_url(), data)
        self.assertContains(response, "第 1 条管控措施的类别须为", status_code=400)

    def test_owner_from_another_unit_is_refused(self):
        response = self.web(self.owner).post(self.create_url(), risk_form(self.owner, owner=self.unit_b_user.pk))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Risk.objects.filter(title="曳引钢丝绳断丝").exists())

    def test_create_for_a_point_of_another_unit_is_404(self):
        point = RiskPoint.objects.get(equipment=self.equipment_c)
        self.assertEqual(self.web(self.owner).get(f"/risks/new/?point={point.pk}").status_code, 404)
        response = self.web(self.owner).post(f"/risks/new/?equipment={self.equipment_c.pk}", risk_form(self.owner))
        self.assertEqual(response.status_code, 404)

    def test_create_for_a_site_point(self):
        point = do_create_risk_point(actor=self.owner, data={"kind": "activity", "name": "吊装作业"})
        response = self.web(self.owner).post(f"/risks/new/?point={point.pk}", risk_form(self.owner))
        self.assertEqual(response.status_code, 302)
        risk = Risk.objects.get(title="曳引钢丝绳断丝")
        self.assertEqual(risk.risk_point, point)
        self.assertIsNone(risk.equipment)

    def test_create_without_a_subject_offers_a_choice(self):
        response = self.web(self.owner).get("/risks/new/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'<option value="{self.equipment_a.pk}">{self.equipment_a.code}')
        self.assertNotContains(response, self.equipment_c.code)

    def test_edit_form_shows_the_current_values(self):
        page = self.web(self.owner).get(f"{self.detail_url()}edit/").content.decode()
        self.assertIn('<option value="4" selected>4 — ', page)
        self.assertIn("每日检查层门门锁", page)
        self.assertIn('name="version" value="1"', page)
        self.assertIn('name="reason"', page)

    def test_reassess_keeps_the_history(self):
        client = self.web(self.owner)
        data = edit_form(self.risk_a, factors_ls_L="2", reason="增设门锁监测装置")
        response = client.post(f"{self.detail_url()}reassess/", data)
        self.assertRedirects(response, self.detail_url())
        self.risk_a.refresh_from_db()
        self.assertEqual(self.risk_a.factors, {"L": 2, "S": 4})
        self.assertEqual(self.risk_a.level, "low")
        assessments = list(self.risk_a.assessments.all())
        self.assertEqual(len(assessments), 2)
        self.assertEqual(assessments[0].reason, "增设门锁监测装置")
        self.assertEqual(assessments[1].level, "significant")
        page = client.get(self.detail_url()).content.decode()
        self.assertIn("增设门锁监测装置", page)
        self.assertIn("首次评价", page)

    def test_reassessing_unchanged_factors_still_records_an_assessment(self):
        response = self.web(self.owner).post(f"{self.detail_url()}reassess/", edit_form(self.risk_a, reason="年度评审"))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.risk_a.assessments.count(), 2)

    def test_edit_of_text_only_is_not_a_reassessment(self):
        response = self.web(self.owner).post(f"{self.detail_url()}edit/", edit_form(self.risk_a, title="层门门锁失效"))
        self.assertEqual(response.status_code, 302)
        self.risk_a.refresh_from_db()
        self.assertEqual(self.risk_a.title, "层门门锁失效")
        self.assertEqual(self.risk_a.assessments.count(), 1)

    def test_flagged_risk_needs_a_reason(self):
        Risk.objects.filter(pk=self.risk_a.pk).update(needs_reassessment=True, reassessment_reason="定期检验不合格")
        self.risk_a.refresh_from_db()
        client = self.web(self.owner)
        self.assertContains(client.get(f"{self.detail_url()}edit/"), "定期检验不合格")
        response = client.post(f"{self.detail_url()}edit/", edit_form(self.risk_a, factors_ls_L="3", reason=""))
        self.assertEqual(response.status_code, 400)
        block = re.search(r'<label for="id_reason".*?</div>\s*</div>', response.content.decode(), re.S)
        self.assertIn("请说明本次评价的依据", block.group(0))
        response = client.post(
            f"{self.detail_url()}edit/",
            edit_form(self.risk_a, factors_ls_L="5", control_level="company", owner=self.principal.pk, reason="复检"),
        )
        self.assertEqual(response.status_code, 302)
        self.risk_a.refresh_from_db()
        self.assertFalse(self.risk_a.needs_reassessment)

    def test_stale_version_is_409_and_keeps_the_input(self):
        client = self.web(self.owner)
        stale = edit_form(self.risk_a)
        client.post(f"{self.detail_url()}edit/", edit_form(self.risk_a, title="第一次修改"))
        response = client.post(f"{self.detail_url()}edit/", {**stale, "title": "第二次修改"})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "第二次修改", status_code=409)
        self.risk_a.refresh_from_db()
        self.assertEqual(self.risk_a.title, "第一次修改")

    def test_below_minimum_justification_is_asked_for_a_template_risk(self):
        equipment = make_equipment(self.unit_a, "31101401012020A0079")
        template = next(t for t in library.templates_for("3110") if t.minimum_level)
        self.web(self.owner).post(APPLY, {"equipment": [equipment.pk], "templates": [template.code]})
        risk = Risk.objects.get(equipment=equipment, template_code=template.code)
        page = self.web(self.owner).get(f"/risks/{risk.pk}/edit/").content.decode()
        self.assertIn('name="below_minimum_justification"', page)
        data = edit_form(risk, factors_ls_L="1", factors_ls_S="1", control_level="post", reason="已改造")
        if risk.method != "ls":
            data = edit_form(risk, method="ls", factors_ls_L="1", factors_ls_S="1", control_level="post", reason="x")
        response = self.web(self.owner).post(f"/risks/{risk.pk}/edit/", data)
        self.assertEqual(response.status_code, 400)
        block = re.search(
            r'<label for="id_below_minimum_justification".*?</div>\s*</div>', response.content.decode(), re.S
        )
        self.assertIn("须书面说明理由", block.group(0))


class ApplyTemplatesTests(RiskPageTestCase):
    def make_fleet(self, count: int, prefix: str) -> list[Equipment]:
        return [make_equipment(self.unit_a, f"3110140101{prefix}{index:05d}") for index in range(count)]

    def test_page_lists_in_use_equipment_and_the_templates_that_apply(self):
        scrapped = make_equipment(self.unit_a, "31101401012020A0090", status=EquipmentStatus.SCRAPPED)
        response = self.web(self.owner).get(APPLY, {"equipment": self.equipment_a.pk})
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn(f'value="{self.equipment_a.pk}" id="equipment-{self.equipment_a.pk}"', page)
        self.assertRegex(page, rf'value="{self.equipment_a.pk}"[^>]*checked')
        self.assertNotIn(scrapped.code, page)
        self.assertNotIn(self.equipment_c.code, page)
        for template in library.templates_for("3110"):
            self.assertRegex(page, rf'name="templates" value="{template.code}"\s+checked')

    def test_not_yet_identified_filter(self):
        fresh = make_equipment(self.unit_a, "31101401012020A0091")
        page = self.web(self.owner).get(APPLY, {"unidentified": "on"}).content.decode()
        self.assertIn(fresh.code, page)
        self.assertNotIn(self.equipment_a.code, page)

    def test_thirty_equipment_in_one_post(self):
        fleet = self.make_fleet(30, "2026B")
        templates = [template.code for template in library.templates_for("3110")]
        response = self.web(self.owner).post(APPLY, {"equipment": [item.pk for item in fleet], "templates": templates})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Risk.objects.filter(equipment__in=fleet).count(), 30 * len(templates))
        self.assertEqual(RiskAssessment.objects.filter(risk__equipment__in=fleet).count(), 30 * len(templates))
        page = response.content.decode()
        self.assertIn(f"已为 30 台设备新增 {30 * len(templates)} 项风险", page)
        self.assertIn(f"/risks/?equipment={min(item.pk for item in fleet)}-{max(item.pk for item in fleet)}", page)
        # The link lists exactly those risks.
        listed = self.web(self.owner).get(LIST, {"equipment": id_terms(item.pk for item in fleet)})
        self.assertContains(listed, f"共 {30 * len(templates)} 项风险")
        # Applying again adds nothing.
        again = self.web(self.owner).post(APPLY, {"equipment": [item.pk for item in fleet], "templates": templates})
        self.assertContains(again, "已为 0 台设备新增 0 项风险")
        self.assertEqual(Risk.objects.filter(equipment__in=fleet).count(), 30 * len(templates))

    def test_only_the_chosen_templates_apply(self):
        fleet = self.make_fleet(3, "2026C")
        code = library.templates_for("3110")[0].code
        self.web(self.owner).post(APPLY, {"equipment": [item.pk for item in fleet], "templates": [code]})
        self.assertEqual(set(Risk.objects.filter(equipment__in=fleet).values_list("template_code", flat=True)), {code})

    def test_queries_do_not_grow_with_the_number_of_equipment(self):
        templates = [template.code for template in library.templates_for("3110")]

        def queries_for(fleet):
            with CaptureQueriesContext(connection) as captured:
                response = self.web(self.owner).post(
                    APPLY, {"equipment": [item.pk for item in fleet], "templates": templates}
                )
            self.assertEqual(response.status_code, 200)
            statements = [query["sql"] for query in captured.captured_queries]
            inserts = [sql for sql in statements if sql.lstrip().upper().startswith("INSERT")]
            return len(statements) - len(inserts), len(inserts)

        few_reads, few_inserts = queries_for(self.make_fleet(3, "2026D"))
        many_reads, many_inserts = queries_for(self.make_fleet(30, "2026E"))
        self.assertEqual(few_reads, many_reads)
        # Rows are inserted in batches (SQLite takes at most 999 parameters per statement): 300 risks and their
        # assessments take a handful of statements, never one per equipment.
        self.assertLess(many_inserts, 30)
        self.assertLessEqual(few_inserts, many_inserts)

    def test_equipment_of_another_unit_is_refused(self):
        response = self.web(self.owner).post(
            APPLY, {"equipment": [self.equipment_c.pk], "templates": [library.templates_for("3110")[0].code]}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Risk.objects.filter(equipment=self.equipment_c, template_code__gt="").exists())

    def test_nothing_chosen_gets_messages(self):
        response = self.web(self.owner).post(APPLY, {"equipment": [], "templates": []})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请至少选择一个辨识模板。", status_code=400)
        response = self.web(self.owner).post(APPLY, {"templates": [library.templates_for("3110")[0].code]})
        self.assertContains(response, "请选择设备。", status_code=400)

    def test_unit_without_a_principal_is_told_to_appoint_one(self):
        self.principal.roles = ["safety_officer"]
        self.principal.save(update_fields=["roles"])
        major = [
            template.code
            for template in library.templates_for("3110")
            if rules.assess(template.method, template.factors).level == "major"
        ]
        if not major:
            self.skipTest("the library has no major elevator template")
        response = self.web(self.owner).post(APPLY, {"equipment": [self.equipment_a.pk], "templates": major})
        self.assertContains(response, "主要负责人", status_code=400)


class LibraryAndPointTests(RiskPageTestCase):
    def test_template_library_by_category(self):
        response = self.web(self.member).get("/risks/templates/")
        self.assertEqual(response.status_code, 200)
        template = next(t for t in library.RISK_TEMPLATES if t.gb45067_clauses)
        self.assertContains(response, template.title)
        self.assertContains(response, template.gb45067_clauses[0])
        elevators = self.web(self.member).get("/risks/templates/", {"category": "3000"}).content.decode()
        self.assertIn(library.templates_for("3110")[0].title, elevators)
        boiler = next(t for t in library.RISK_TEMPLATES if t.catalog_prefixes[0].startswith("1"))
        self.assertNotIn(boiler.title, elevators)

    def test_points_list_and_create(self):
        client = self.web(self.owner)
        page = client.get("/risks/points/").content.decode()
        point_a = RiskPoint.objects.get(equipment=self.equipment_a)
        self.assertIn(point_a.name, page)
        self.assertIn(f"/risks/new/?point={point_a.pk}", page)
        self.assertNotIn(RiskPoint.objects.get(equipment=self.equipment_c).name, page)
        response = client.post("/risks/points/", {"kind": "site", "name": "叉车作业区域", "location": "二号库房"})
        point = RiskPoint.objects.get(name="叉车作业区域")
        self.assertRedirects(response, f"/risks/new/?point={point.pk}")
        self.assertEqual(point.organization, self.unit_a)
        response = client.post("/risks/points/", {"kind": "equipment", "name": "x"})
        self.assertContains(response, "请选择场所区域或作业活动", status_code=400)

    def test_regulator_reads_points_without_the_form(self):
        page = self.web(self.county_inspector).get("/risks/points/").content.decode()
        self.assertIn(RiskPoint.objects.get(equipment=self.equipment_a).name, page)
        self.assertNotIn('id="new-point"', page)
        self.assertNotIn("/risks/new/?point=", page)


class EquipmentPageRiskSectionTests(RiskPageTestCase):
    def test_equipment_page_shows_its_risks(self):
        page = self.web(self.owner).get(f"/equipment/{self.equipment_a.pk}/").content.decode()
        section = re.search(r'aria-labelledby="risks-title".*?</section>', page, re.S).group(0)
        self.assertIn("层门锁紧失效", section)
        self.assertIn(
            f'badge badge-{rules.LEVEL_COLORS[self.risk_a.level]}">{rules.LEVEL_LABELS[self.risk_a.level]}', section
        )
        self.assertIn("部门级", section)
        self.assertIn(self.owner.display_name, section)
        self.assertIn(f"{APPLY}?equipment={self.equipment_a.pk}", section)
        self.assertIn(f"/risks/cards/equipment/{self.equipment_a.pk}/", section)

    def test_regulator_sees_the_risks_without_the_button(self):
        page = self.web(self.county_inspector).get(f"/equipment/{self.equipment_a.pk}/").content.decode()
        self.assertIn("层门锁紧失效", page)
        self.assertNotIn(APPLY, page)

    def test_needs_reassessment_is_flagged(self):
        Risk.objects.filter(pk=self.risk_a.pk).update(needs_reassessment=True, reassessment_reason="发生事故")
        page = self.web(self.owner).get(f"/equipment/{self.equipment_a.pk}/").content.decode()
        self.assertIn("需重新评价", page)

    def test_agency_page_has_no_risk_section(self):
        page = self.web(self.agency_user).get(f"/equipment/{self.equipment_a.pk}/").content.decode()
        self.assertNotIn('aria-labelledby="risks-title"', page)


class ExportTests(RiskPageTestCase):
    def rows(self, user, **query):
        response = self.web(user).get("/risks/export/", query)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        self.assertIn(".xlsx", response["Content-Disposition"])
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return list(book.worksheets[0].iter_rows(values_only=True))[1:]

    def test_export_holds_the_visible_risks(self):
        rows = self.rows(self.owner)
        self.assertEqual([row[5] for row in rows], ["层门锁紧失效"])
        rows = self.rows(self.county_inspector)
        self.assertEqual(sorted(row[5] for row in rows), sorted(["层门锁紧失效", "丙单位的风险"]))
        rows = self.rows(self.county_inspector, organization=self.unit_c.pk)
        self.assertEqual([row[5] for row in rows], ["丙单位的风险"])
        self.assertEqual(self.rows(self.sibling_inspector), [])


class EnglishPagesTests(RiskPageTestCase):
    def setUp(self):
        # The locale middleware leaves the last request's language active in the thread: later tests expect Chinese.
        self.addCleanup(translation.deactivate)

    def data_values(self) -> list[str]:
        """Stored texts and reference data: shown as entered, in any language."""
        values = [
            *Organization.objects.values_list("name", flat=True),
            *Region.objects.values_list("name", flat=True),
            *CatalogEntry.objects.values_list("name", flat=True),
            *Equipment.objects.values_list("name", flat=True),
            *RiskPoint.objects.values_list("name", flat=True),
            *RiskAssessment.objects.values_list("reason", flat=True),
            "中文",
            "简体中文",
        ]
        for risk in Risk.objects.all():
            values += [risk.title, risk.hazard_source, risk.consequence, risk.emergency_actions]
            values += [measure["text"] for measure in risk.measures]
        for template in library.RISK_TEMPLATES:
            values += [template.title, template.hazard_source, template.consequence, template.emergency_actions]
            values += [template.citation, *template.gb45067_clauses, *(m.text for m in template.measures)]
        return sorted({str(value) for value in values if value}, key=len, reverse=True)

    def english(self, url: str, user) -> str:
        client = self.web(user)
        client.cookies["django_language"] = "en"
        response = client.get(url)
        self.assertEqual(response.status_code, 200, url)
        page = response.content.decode()
        for value in self.data_values():
            page = page.replace(value, "")
        return page

    def test_risk_pages_have_no_untranslated_text(self):
        self.web(self.owner).post(
            APPLY, {"equipment": [self.equipment_a.pk], "templates": [t.code for t in library.templates_for("3110")]}
        )
        pages = {
            self.owner: [
                LIST,
                f"/risks/{self.risk_a.pk}/",
                f"/risks/{self.risk_a.pk}/edit/",
                f"/risks/{self.risk_a.pk}/reassess/",
                f"/risks/new/?equipment={self.equipment_a.pk}",
                "/risks/new/",
                APPLY,
                "/risks/templates/",
                "/risks/points/",
                f"/equipment/{self.equipment_a.pk}/",
            ],
            self.county_inspector: [LIST, f"/risks/{self.risk_a.pk}/", "/risks/points/"],
        }
        for user, urls in pages.items():
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    page = self.english(url, user)
                    leftovers = sorted({page[max(m.start() - 40, 0) : m.end() + 20] for m in HAN.finditer(page)})
                    self.assertEqual(leftovers, [])

    def test_english_menu_and_headings(self):
        page = self.english(LIST, self.owner)
        self.assertIn("Risk grading and control", page)
