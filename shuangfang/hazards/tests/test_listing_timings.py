"""The 挂牌督办 timings are data (method file §3.3): the longest rectification period a listing may set and the days
the regulator has to verify a reported completion, both replaceable per province through LISTING_TIMINGS."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from shuangfang.core.attachments import do_upload_attachment
from shuangfang.core.testing import CastTestCase, make_user, tiny_png
from shuangfang.hazards import services
from shuangfang.hazards.models import Listing

PLAN = {
    "goal": "恢复门锁安全回路",
    "methods": "拆除短接线",
    "funds_materials": "3000 元",
    "organization_people": "设备部",
    "timeline": "10 日内",
    "safety_contingency": "停梯",
}


class ListingTimingsTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.director = make_user("director", cls.unit_a, "safety_director")

    def major_hazard(self):
        hazard = services.do_report_hazard(
            actor=self.owner, equipment=self.equipment_a, description="门锁回路短接", clauses=["4.6b"]
        )
        data = {
            "grade": "major",
            "handling": "deadline",
            "deadline": timezone.localdate() + timedelta(days=10),
            "responsible": self.director,
            "measures": "拆除短接线",
            "funds": "3000 元",
            "contingency": "停梯",
            "plan": PLAN,
        }
        return services.do_confirm_hazard(actor=self.principal, hazard=hazard, data=data, expected_version=1)

    def list_it(self, hazard, days):
        return services.do_list_hazard(
            actor=self.county_inspector,
            hazard=hazard,
            level="county",
            deadline=timezone.localdate() + timedelta(days=days),
        )

    def test_a_listing_deadline_beyond_a_year_is_refused_and_nothing_is_listed(self):
        hazard = self.major_hazard()
        with self.assertRaises(ValidationError) as refused:
            self.list_it(hazard, 366)
        self.assertIn("365", refused.exception.message_dict["deadline"][0])
        self.assertFalse(Listing.objects.exists())
        self.assertEqual(self.list_it(hazard, 365).status, "listed")

    @override_settings(LISTING_TIMINGS={"max_rectification_days": 90, "verify_within_days": 7})
    def test_a_province_sets_its_own_timings(self):
        hazard = self.major_hazard()
        with self.assertRaises(ValidationError):
            self.list_it(hazard, 91)
        listing = self.list_it(hazard, 90)
        self.assertIsNone(services.verify_by(listing))
        photo = do_upload_attachment(
            actor=self.director, uploaded=SimpleUploadedFile("a.png", tiny_png(), content_type="image/png")
        )
        listing = services.do_report_completion(
            actor=self.director,
            listing=listing,
            description="已拆除短接线",
            evidence=[photo],
            expected_version=listing.version,
        )
        self.assertEqual(services.verify_by(listing), timezone.localdate() + timedelta(days=7))
