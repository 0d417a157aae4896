"""The event log is append-only for the application (GB/T 22239-2019 §8.1.4.3 d: audit records protected from
deletion, modification or overwriting).  On PostgreSQL a trigger refuses UPDATE and DELETE of events and seals,
whoever asks; a deployment also grants the application's role INSERT and SELECT only (docs/deployment.md).
SQLite, the single-machine default, has no roles: its file's owner can change anything, and verify-events is
what detects it there."""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION shuangfang_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_event_append_only ON core_event;
CREATE TRIGGER core_event_append_only BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION shuangfang_append_only();
DROP TRIGGER IF EXISTS core_eventseal_append_only ON core_eventseal;
CREATE TRIGGER core_eventseal_append_only BEFORE UPDATE OR DELETE ON core_eventseal
    FOR EACH ROW EXECUTE FUNCTION shuangfang_append_only();
"""

REMOVE_SQL = """
DROP TRIGGER IF EXISTS core_event_append_only ON core_event;
DROP TRIGGER IF EXISTS core_eventseal_append_only ON core_eventseal;
DROP FUNCTION IF EXISTS shuangfang_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_event_source_ip_index")]

    operations = [migrations.RunPython(_on_postgresql(APPEND_ONLY_SQL), _on_postgresql(REMOVE_SQL))]
