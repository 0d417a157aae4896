"""The background queue works on the storage the deployment names: SQLite by default, Redis when
REDIS_URL is set (CI's PostgreSQL run sets it, so the real Redis server is exercised there)."""

import os
import uuid

import pytest
from django.conf import settings
from huey import RedisHuey, SqliteHuey


def _queue(tmp_path):
    name = f"shuangfang-test-{uuid.uuid4().hex[:8]}"
    if os.environ.get("REDIS_URL"):
        return RedisHuey(name, url=os.environ["REDIS_URL"])
    return SqliteHuey(name, filename=str(tmp_path / "queue.sqlite3"))


def test_settings_pick_the_queue_storage():
    expected = "huey.RedisHuey" if os.environ.get("REDIS_URL") else "huey.SqliteHuey"
    assert settings.HUEY["huey_class"] == expected


def test_a_task_survives_the_round_trip_through_the_queue(tmp_path):
    huey = _queue(tmp_path)
    try:

        @huey.task()
        def add(a, b):
            return a + b

        result = add(2, 3)
        assert huey.pending_count() == 1
        task = huey.dequeue()
        huey.execute(task)
        assert result.get() == 5
        assert huey.pending_count() == 0
    finally:
        huey.flush()


@pytest.mark.django_db
def test_the_event_log_sealing_job_is_scheduled():
    from huey.contrib.djhuey import HUEY

    from shuangfang.core import tasks

    assert tasks.seal_event_log.task_class.__name__ in {task.name for task in HUEY._registry.periodic_tasks}
