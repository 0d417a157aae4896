"""Formula injection in exports (CWE-1236, ASVS 5.0 1.2.10): every trigger character is neutralised, nothing else."""

from django.test import SimpleTestCase

from shuangfang.core.xlsx import neutralise


class NeutraliseTests(SimpleTestCase):
    def test_every_trigger_gets_an_apostrophe(self):
        for text in ("=1+1", "+86 139", "-2", "@SUM(A1)", "\tcmd", "\rcmd", "\0x"):
            with self.subTest(text=repr(text)):
                self.assertEqual(neutralise(text), "'" + text)

    def test_other_text_is_unchanged(self):
        for text in ("电梯", "A=1", "1-2", "", "'已转义"):
            with self.subTest(text=text):
                self.assertEqual(neutralise(text), text)
