"""The `finds` lookup (core.search): the same rows as `contains` on every database, and on PostgreSQL found through
the character-pair indexes the migrations create."""

import unittest

from django.db import connection
from django.test import TestCase

from shuangfang.core.search import bigrams
from shuangfang.core.testing import CastTestCase, make_equipment
from shuangfang.equipment.models import Equipment
from shuangfang.hazards.models import Hazard


class BigramTests(unittest.TestCase):
    def test_pairs_of_adjacent_characters_once_each(self):
        self.assertEqual(bigrams("蓄电池"), sorted(["蓄电", "电池"]))
        self.assertEqual(bigrams("abab"), ["ab", "ba"])
        self.assertEqual(bigrams("电"), [])
        self.assertEqual(bigrams(""), [])


class FindsTests(CastTestCase):
    NAMES = ("1号蓄电池叉车", "锅炉给水泵", "蓄能器", "100%_载荷试验台", "Boiler B-2", "电池")

    def setUp(self):
        super().setUp()
        self.devices = [
            make_equipment(self.unit_a, code=f"3110140525202611{number:04d}", name=name)
            for number, name in enumerate(self.NAMES)
        ]

    def names(self, **lookup):
        return sorted(
            Equipment.objects.filter(pk__in=[d.pk for d in self.devices], **lookup).values_list("name", flat=True)
        )

    def test_the_same_rows_as_contains(self):
        for text in (
            "蓄电",
            "蓄",
            "电池",
            "蓄电池叉车",
            "给水",
            "%_",
            "100%",
            "_载",
            "B-2",
            "boiler",
            "Boiler",
            "无此字样",
            " ",
        ):
            with self.subTest(text=text):
                self.assertEqual(self.names(name__finds=text), self.names(name__contains=text))

    def test_a_two_character_word_is_found(self):
        self.assertEqual(self.names(name__finds="蓄电"), ["1号蓄电池叉车"])
        self.assertEqual(self.names(name__finds="电池"), ["1号蓄电池叉车", "电池"])

    def test_wildcards_typed_are_plain_characters(self):
        self.assertEqual(self.names(name__finds="%_"), ["100%_载荷试验台"])
        self.assertEqual(self.names(name__finds="0_"), [])


@unittest.skipUnless(connection.vendor == "postgresql", "the character-pair indexes exist on PostgreSQL only")
class PostgresIndexTests(TestCase):
    def plan(self, queryset) -> str:
        with connection.cursor() as cursor:
            # The tables here are tiny, so reading them whole (or whole through another index) would win on cost;
            # leaving only bitmap scans shows whether the index matches the lookup's expression at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            sql, params = queryset.order_by().query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def test_the_function_computes_the_pairs_python_computes(self):
        with connection.cursor() as cursor:
            for text in ("蓄电池", "abab", "电", "100%_载荷"):
                cursor.execute("SELECT shuangfang_bigrams(%s)", [text])
                self.assertEqual(sorted(cursor.fetchone()[0]), bigrams(text), text)

    def test_each_searched_column_is_found_through_its_index(self):
        cases = (
            (Equipment.all_objects.filter(name__finds="蓄电"), "equipment_name_bigrams"),
            (Equipment.all_objects.filter(site__finds="车间"), "equipment_site_bigrams"),
            (Equipment.all_objects.filter(code__finds="0525"), "equipment_code_bigrams"),
            (Hazard.objects.filter(description__finds="漏油"), "hazard_description_bigrams"),
        )
        for queryset, index in cases:
            with self.subTest(index=index):
                self.assertIn(index, self.plan(queryset))

    def test_a_single_character_is_a_plain_like(self):
        sql, _params = Equipment.objects.filter(name__finds="蓄").query.sql_with_params()
        self.assertNotIn("shuangfang_bigrams", sql)


class AnyOfTests(CastTestCase):
    def test_the_same_rows_as_in(self):
        first = make_equipment(self.unit_a, code="31101405252026119001")
        make_equipment(self.unit_a, code="31101405252026119002")
        chosen = Equipment.objects.filter(code__startswith="31101405252026119001").values("pk")
        self.assertEqual(list(Equipment.objects.filter(id__any_of=chosen)), [first])
        self.assertEqual(list(Equipment.objects.filter(id__any_of=chosen.none())), [])


class HazardSearchTests(CastTestCase):
    """The hazard list's search box: a word of the description, or the beginning of the device's code."""

    def setUp(self):
        super().setUp()
        self.device = make_equipment(self.unit_a, code="31101405252026119001")
        self.with_word = Hazard.objects.create(
            organization=self.unit_a, region_id=self.unit_a.region_id, description="蓄电池漏液", found_at=self.now()
        )
        self.on_boiler = Hazard.objects.create(
            organization=self.unit_a,
            region_id=self.unit_a.region_id,
            equipment=self.device,
            description="安全阀校验过期",
            found_at=self.now(),
        )

    def now(self):
        from django.utils import timezone

        return timezone.now()

    def found(self, text):
        from shuangfang.hazards.filtersets import HazardFilterSet

        return set(HazardFilterSet({"q": text}, queryset=Hazard.objects.all()).qs)

    def test_a_word_of_the_description(self):
        self.assertEqual(self.found("蓄电"), {self.with_word})
        self.assertEqual(self.found("校验"), {self.on_boiler})

    def test_the_beginning_of_the_device_code(self):
        self.assertEqual(self.found("3110140525202611"), {self.on_boiler})
        self.assertEqual(self.found("405252026119001"), set())

    def test_both_sides_together(self):
        self.assertEqual(self.found("过期"), {self.on_boiler})
        self.assertEqual(self.found("无此字样"), set())
