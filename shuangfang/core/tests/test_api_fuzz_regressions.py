"""What the schema fuzzing of the API (`.ci/fuzz`) found, each kept from coming back: inputs the API read as "not
given" instead of refusing, a filter value that broke the database driver, and answers the published schema did
not describe (a client generated from the schema would reject them)."""

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from shuangfang.core.testing import CastTestCase
from shuangfang.equipment.models import Equipment


class RefusedInputTests(CastTestCase):
    """Each of these was answered 200 with the whole list (or a 500) before; now 400, naming the parameter."""

    def assertRefused(self, url, parameter, user=None):
        response = self.api(user or self.owner).get(url)
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn(parameter, response.json())

    def test_a_page_size_that_is_not_a_positive_whole_number_is_refused(self):
        for value in ("null", "-10138", "0", "1.5", ""):
            with self.subTest(page_size=value):
                self.assertRefused(f"/api/v1/catalog/?page_size={value}", "page_size")
        response = self.api(self.owner).get("/api/v1/catalog/?page_size=3")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.json()["results"]), 3)

    def test_a_page_that_is_not_a_positive_whole_number_is_refused(self):
        for value in ("", "-1", "abc"):
            with self.subTest(page=value):
                self.assertRefused(f"/api/v1/catalog/?page={value}", "page")
        self.assertEqual(self.api(self.owner).get("/api/v1/catalog/?page=last").status_code, 200)
        self.assertEqual(self.api(self.owner).get("/api/v1/catalog/?page=99999").status_code, 404)

    def test_a_yes_no_filter_with_an_unknown_value_is_refused(self):
        for value in ("224", "2", "", "yes"):
            with self.subTest(registrable=value):
                self.assertRefused(f"/api/v1/catalog/?registrable={value}", "registrable")
        everything = self.api(self.owner).get("/api/v1/catalog/?page_size=500").json()["count"]
        registrable = self.api(self.owner).get("/api/v1/catalog/?registrable=true&page_size=500").json()["count"]
        self.assertLess(registrable, everything)

    def test_a_number_filter_beyond_any_id_is_refused_not_a_server_error(self):
        self.assertRefused("/api/v1/emergency-plans/?organization=8.79333711087441e%2B48", "organization")
        self.assertRefused("/api/v1/equipment/?organization=99999999999999999999999", "organization")
        response = self.api(self.owner).get(f"/api/v1/equipment/?organization={self.unit_a.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], Equipment.objects.filter(organization=self.unit_a).count())

    def test_an_id_filter_refuses_a_fraction_and_a_date_filter_an_empty_value(self):
        self.assertRefused("/api/v1/equipment/?organization=0.5", "organization")
        self.assertRefused("/api/v1/training-sessions/?held_before=", "held_before")
        self.assertEqual(self.api(self.owner).get("/api/v1/equipment/?q=").status_code, 200)  # empty text: not given

    def test_the_assessments_refuse_a_year_that_is_not_a_whole_number(self):
        for value in ("null", "0.5", ""):
            with self.subTest(year=value):
                self.assertRefused(f"/api/v1/supervision/assessments/?year={value}", "year", self.county_inspector)
        response = self.api(self.county_inspector).get("/api/v1/supervision/assessments/?year=2026")
        self.assertEqual(response.status_code, 200)

    def test_a_path_under_the_api_that_names_nothing_is_a_json_404(self):
        for path in ("/api/v1/attachments/0.5/download/", "/api/v1/no-such-resource/"):
            with self.subTest(path=path):
                response = self.api(self.owner).get(path)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertIn("detail", response.json())
        response = self.api(self.owner).post("/api/v1/hazards/1.5e-11/accept/", {"version": 1}, format="json")
        self.assertEqual((response.status_code, response["Content-Type"]), (404, "application/json"))
        # A path missing its slash is still sent to the route it names.
        self.assertEqual(self.api(self.owner).get("/api/v1/equipment").status_code, 301)

    def test_the_gap_summary_refuses_an_invalid_organization(self):
        self.assertRefused("/api/v1/compliance-gaps/summary/?organization=null", "organization")
        self.assertRefused("/api/v1/compliance-gaps/summary/?organization=1e40", "organization")
        self.assertRefused("/api/v1/compliance-gaps/summary/?organization=0.5", "organization")
        response = self.api(self.owner).get(f"/api/v1/compliance-gaps/summary/?organization={self.unit_a.pk}")
        self.assertEqual(response.status_code, 200)

    def test_a_form_body_with_too_many_fields_is_refused_in_json(self):
        body = "&".join(f"templates={number}" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
        response = self.api(self.owner).post(
            "/api/v1/risk-templates/apply/", body, content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("detail", response.json())

    def test_an_id_in_a_body_beyond_any_id_is_refused_not_a_server_error(self):
        response = self.api(self.owner).post("/api/v1/risk-templates/apply/", {"equipment": [10**30]}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("equipment", response.json())

    def test_the_checklist_library_refuses_an_unknown_family(self):
        self.assertRefused("/api/v1/check-items/library/?family=AAA", "family")
        self.assertRefused("/api/v1/check-items/library/?family=", "family")
        response = self.api(self.owner).get("/api/v1/check-items/library/?family=basic")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json())
        self.assertEqual({item["family"] for item in response.json()}, {"basic"})


class SchemaDescribesTheAnswersTests(CastTestCase):
    """The published schema says what the API really answers."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.schema = SchemaGenerator().get_schema(request=None, public=True)

    def operation(self, path, method="get"):
        return self.schema["paths"][path][method]

    def component(self, name):
        return self.schema["components"]["schemas"][name]

    def response_schema(self, path, method="get", status="200", media_type="application/json"):
        return self.operation(path, method)["responses"][status]["content"][media_type]["schema"]

    def test_every_operation_documents_the_contract_error_answers(self):
        for path, operations in self.schema["paths"].items():
            for method, operation in operations.items():
                with self.subTest(operation=f"{method.upper()} {path}"):
                    documented = set(operation["responses"])
                    self.assertIn("400", documented)
                    if {} not in operation.get("security", []):  # not an anonymous operation
                        self.assertLessEqual({"401", "403", "404"}, documented)
                    if method in ("post", "put", "patch"):
                        self.assertIn("415", documented)
                        if {} not in operation.get("security", []):
                            self.assertIn("409", documented)
        self.assertIn("429", self.operation("/api/v1/auth/token/", "post")["responses"])
        self.assertIn("429", self.operation("/api/v1/equipment/export/")["responses"])

    def test_the_error_answers_match_what_the_api_sends(self):
        response = self.api(self.owner).get("/api/v1/equipment/999999/")
        self.assertEqual(response.status_code, 404)
        detail = self.operation("/api/v1/equipment/{id}/")["responses"]["404"]["content"]["application/json"]
        self.assertEqual(detail["schema"], {"$ref": "#/components/schemas/ErrorDetail"})
        self.assertEqual(set(response.json()), set(self.component("ErrorDetail")["required"]))

    def test_files_are_documented_with_their_media_types(self):
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        for path in ("/api/v1/equipment/export/", "/api/v1/equipment/import-template/", "/api/v1/risks/export/"):
            with self.subTest(path=path):
                self.assertEqual(set(self.operation(path)["responses"]["200"]["content"]), {xlsx})
        download = self.operation("/api/v1/attachments/{id}/download/")["responses"]["200"]["content"]
        self.assertEqual(set(download), {"image/jpeg", "image/png", "application/pdf"})
        response = self.api(self.owner).get("/api/v1/equipment/import-template/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], xlsx)

    def test_the_change_feed_is_documented_as_its_keyset_page(self):
        feed = self.api(self.owner).get("/api/v1/events/").json()
        documented = self.response_schema("/api/v1/events/")
        self.assertEqual(documented["$ref"], "#/components/schemas/EventFeed")
        self.assertEqual(set(feed), set(self.component("EventFeed")["properties"]))

    def test_lists_answered_by_actions_are_plain_lists_not_pages(self):
        for path in (
            "/api/v1/risks/{id}/history/",
            "/api/v1/investigation-tasks/{id}/checklist/",
            "/api/v1/supervision/enforcement-inspections/checklist/",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.response_schema(path)["type"], "array")
        checklist_parameters = self.operation("/api/v1/supervision/enforcement-inspections/checklist/").get(
            "parameters"
        )
        self.assertFalse(checklist_parameters)  # the whole checklist: no filters, no pages
        checklist = self.api(self.county_inspector).get("/api/v1/supervision/enforcement-inspections/checklist/")
        self.assertEqual(checklist.status_code, 200)
        self.assertIsInstance(checklist.json(), list)
        self.assertEqual(self.response_schema("/api/v1/risks/summary/")["$ref"], "#/components/schemas/RiskLevelCounts")

    def test_fields_that_may_be_null_or_blank_say_so(self):
        self.assertTrue(self.component("Certificate")["properties"]["holder"].get("nullable"))
        self.assertTrue(self.component("Question")["properties"]["organization"].get("nullable"))
        task = self.component("InvestigationTask")["properties"]
        self.assertTrue(task["equipment_name"].get("nullable"))
        self.assertTrue(task["equipment_code"].get("nullable"))
        for component, field in (("Hazard", "handling"), ("Hazard", "investigation_kind"), ("Risk", "minimum_level")):
            with self.subTest(field=f"{component}.{field}"):
                choices = self.component(component)["properties"][field]["oneOf"]
                self.assertIn({"type": "string", "enum": [""]}, choices)

    def test_a_question_answer_is_not_required_in_an_answer_that_hides_it(self):
        self.assertNotIn("answer", self.component("Question").get("required", []))
        self.assertIn("answer", self.component("QuestionRequest")["required"])
        platform_question = self.api(self.owner).get("/api/v1/questions/").json()["results"]
        hidden = [question for question in platform_question if question["organization"] is None]
        self.assertTrue(hidden)
        self.assertNotIn("answer", hidden[0])

    def test_a_date_before_year_1000_is_written_as_the_schema_date_it_was_given(self):
        response = self.api(self.owner).post(
            "/api/v1/emergency-plans/", {"title": "预案", "approved_on": "0791-03-19"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["approved_on"], "0791-03-19")
