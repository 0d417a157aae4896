"""The event log's tamper evidence: row digests, chained seals, and the verify_events command."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from shuangfang.core.events import SEAL_DELAY, record_event, row_digest, seal_events, verify_events
from shuangfang.core.models import Event, EventSeal

LATER = SEAL_DELAY + timedelta(seconds=1)


def allow_tampering() -> None:
    """Switch off the append-only triggers for this test's transaction (rolled back with it), as the database owner
    could.  Pending foreign-key checks are run first: PostgreSQL alters no table with triggers still queued."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_event DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_eventseal DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class EventLogTests(TestCase):
    """The tampering below is done as someone with the database owner's rights would: on PostgreSQL that means
    first switching off the append-only triggers (AppendOnlyTests shows the application cannot)."""

    def setUp(self):
        self.events = [record_event("test.happened", data={"n": n, "text": f"第 {n} 条"}) for n in range(6)]
        allow_tampering()

    def seal(self):
        return seal_events(now=timezone.now() + LATER)

    def problems(self):
        return [(problem.seq, problem.message) for problem in verify_events()]

    def test_clean_log_passes_before_and_after_sealing(self):
        self.assertEqual(verify_events(), [])
        self.assertEqual(self.seal(), Event.objects.count())
        self.assertEqual(verify_events(), [])
        self.assertEqual(self.seal(), 0, "nothing left to seal")

    def test_young_rows_wait_for_the_delay(self):
        self.assertEqual(seal_events(now=timezone.now()), 0)
        self.assertFalse(EventSeal.objects.exists())

    def test_seals_chain(self):
        self.seal()
        more = [record_event("test.more", data={"n": n}) for n in range(3)]
        self.assertEqual(self.seal(), 3)
        first, second = EventSeal.objects.order_by("first_seq")
        self.assertEqual(second.previous_digest, first.digest)
        self.assertEqual(second.first_seq, first.last_seq + 1)
        self.assertEqual(second.last_seq, more[-1].seq)
        self.assertEqual(verify_events(), [])

    def test_digest_survives_the_database_round_trip(self):
        for event in Event.objects.all():
            self.assertEqual(row_digest(event), event.digest)

    def test_altered_row_is_caught_and_named_unsealed(self):
        target = self.events[2]
        Event.objects.filter(seq=target.seq).update(data={"n": 99})
        self.assertEqual([seq for seq, _ in self.problems()], [target.seq])
        self.assertIn(f"#{target.seq}", self.problems()[0][1])

    def test_altered_sealed_row_is_caught_and_named(self):
        self.seal()
        target = self.events[3]
        Event.objects.filter(seq=target.seq).update(data={"n": 3, "text": "篡改"})
        problems = self.problems()
        self.assertTrue(problems)
        self.assertEqual(problems[0][0], target.seq)
        self.assertIn(f"事件 #{target.seq}", problems[0][1])
        self.assertIn("修改", problems[0][1])

    def test_altered_metadata_is_caught(self):
        self.seal()
        target = self.events[1]
        Event.objects.filter(seq=target.seq).update(at=target.at - timedelta(days=1))
        self.assertEqual(self.problems()[0][0], target.seq)
        Event.objects.filter(seq=target.seq).update(at=target.at, type="test.other")
        self.assertEqual(self.problems()[0][0], target.seq)

    def test_deleted_sealed_row_is_caught_and_named(self):
        self.seal()
        target = self.events[4]
        Event.objects.filter(seq=target.seq).delete()
        problems = self.problems()
        self.assertEqual(len(problems), 1)
        self.assertEqual(problems[0][0], target.seq)
        self.assertIn("已被删除", problems[0][1])

    def test_deleting_the_last_sealed_row_is_caught(self):
        self.seal()
        target = self.events[-1]
        Event.objects.filter(seq=target.seq).delete()
        self.assertEqual([(seq, "已被删除" in message) for seq, message in self.problems()], [(target.seq, True)])

    def test_swapped_sealed_rows_are_caught(self):
        self.seal()
        first, second = Event.objects.filter(seq__in=[self.events[1].seq, self.events[2].seq]).order_by("seq")
        fields = ["at", "type", "outcome", "data", "digest", "object_repr"]
        first_values = {field: getattr(first, field) for field in fields}
        second_values = {field: getattr(second, field) for field in fields}
        # Every row still matches its own digest: only the seal sees the order.
        Event.objects.filter(seq=first.seq).update(**second_values)
        Event.objects.filter(seq=second.seq).update(**first_values)
        for event in Event.objects.all():
            self.assertEqual(row_digest(event), event.digest)
        problems = self.problems()
        self.assertTrue(problems)
        self.assertIn("修改或重排", problems[0][1])

    def test_a_rolled_back_gap_is_not_a_deletion_but_a_row_put_into_it_is(self):
        gap = self.events[2]
        Event.objects.filter(seq=gap.seq).delete()  # as if its transaction had rolled back before sealing
        self.seal()
        seal = EventSeal.objects.get()
        self.assertEqual(seal.missing[-1], gap.seq)
        self.assertEqual(verify_events(), [])
        forged = Event(seq=gap.seq, at=gap.at, type="test.forged", data={})
        forged.digest = row_digest(forged)
        forged.save(force_insert=True)
        problems = self.problems()
        self.assertEqual(problems[0][0], gap.seq)
        self.assertIn("封存后插入", problems[0][1])

    def test_a_broken_seal_chain_is_caught(self):
        self.seal()
        record_event("test.more")
        self.seal()
        first = EventSeal.objects.order_by("first_seq").first()
        EventSeal.objects.filter(pk=first.pk).update(digest="f" * 64)
        problems = self.problems()
        self.assertTrue(any("不衔接" in message for _, message in problems), problems)

    def test_a_deleted_seal_is_caught(self):
        self.seal()
        record_event("test.more")
        self.seal()
        EventSeal.objects.order_by("first_seq").first().delete()
        self.assertTrue(self.problems())


class VerifyCommandTests(TestCase):
    def setUp(self):
        self.events = [record_event("test.happened", data={"n": n}) for n in range(4)]
        allow_tampering()

    def run_command(self, *args):
        out, err = StringIO(), StringIO()
        call_command("verify-events", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_clean_log_passes(self):
        out, _ = self.run_command()
        self.assertIn("事件日志完整", out)
        self.assertIn("4 条事件", out)

    def test_seal_option_seals_settled_rows(self):
        with time_machine.travel(timezone.now() + LATER):
            out, _ = self.run_command("--seal")
        self.assertIn("sealed 4 events", out)
        self.assertEqual(EventSeal.objects.count(), 1)

    def test_a_problem_exits_non_zero_and_names_the_seq(self):
        seal_events(now=timezone.now() + LATER)
        target = self.events[1]
        Event.objects.filter(seq=target.seq).delete()
        err = StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("verify-events", stdout=StringIO(), stderr=err)
        self.assertEqual(raised.exception.returncode, 1)
        self.assertIn(f"#{target.seq}", str(raised.exception))
        self.assertIn("已被删除", err.getvalue())

    def test_an_altered_row_fails_the_command(self):
        target = self.events[2]
        Event.objects.filter(seq=target.seq).update(data={"n": -1})
        with self.assertRaises(CommandError) as raised:
            call_command("verify-events", stdout=StringIO(), stderr=StringIO())
        self.assertIn(f"#{target.seq}", str(raised.exception))

    def test_seal_command(self):
        out = StringIO()
        with time_machine.travel(timezone.now() + LATER):
            call_command("seal-events", stdout=out)
        self.assertIn("sealed 4 events", out.getvalue())


class AppendOnlyTests(TestCase):
    """On PostgreSQL the database itself refuses to change or delete an event or a seal, whoever asks through the
    application (migration core 0003; GB/T 22239-2019 §8.1.4.3 d)."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("the append-only triggers are PostgreSQL's; SQLite relies on verify-events")
        self.event = record_event("test.kept", data={"n": 1})
        seal_events(now=timezone.now() + LATER)

    def assertRefused(self, statement, *params):
        with self.assertRaises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
        self.assertIn("append-only", str(refused.exception))

    def test_the_database_refuses_update_and_delete_of_events(self):
        self.assertRefused("UPDATE core_event SET type = 'test.changed' WHERE seq = %s", self.event.seq)
        self.assertRefused("DELETE FROM core_event WHERE seq = %s", self.event.seq)
        with self.assertRaises(DatabaseError), transaction.atomic():
            Event.objects.filter(seq=self.event.seq).update(data={"n": 2})
        with self.assertRaises(DatabaseError), transaction.atomic():
            Event.objects.filter(seq=self.event.seq).delete()
        self.event.refresh_from_db()
        self.assertEqual((self.event.type, self.event.data), ("test.kept", {"n": 1}))

    def test_the_database_refuses_update_and_delete_of_seals(self):
        self.assertRefused("UPDATE core_eventseal SET digest = 'x'")
        self.assertRefused("DELETE FROM core_eventseal")
        self.assertEqual(verify_events(), [])

    def test_appending_still_works(self):
        record_event("test.more")
        self.assertEqual(Event.objects.filter(type__startswith="test.").count(), 2)
