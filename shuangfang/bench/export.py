"""Benchmark 5: the equipment ledger exported as .xlsx, 100,000 rows, through the export button's view.

No generated unit holds 100,000 devices, so the benchmark copies generated equipment into one unit (new unique codes
and public tokens, marked so that the copies are found and removed afterwards) until the unit holds 20,000 and then
100,000 devices, and exports its ledger as the unit's user at each size.  Each export runs in a child process whose
high-water mark (VmHWM) is its peak memory: the two peaks barely differ when the export streams.  The lower bound,
in a child too: the same SQL fetched with a server-side cursor, the rows read and nothing written (the data read, the
physical work every export does).  Beside it, for reference, the same rows written by xlsxwriter in constant_memory
mode, the writer the export used before it streamed its own sheet XML.
"""

from __future__ import annotations

import json
import sys
import time

from django.db import connection, transaction

from .framework import Measurement, explain
from .ledger_import import peak_memory_mb, pick_unit_user, run_in_child

# It writes (or rolls back what it wrote): the suite vacuums after it.
WRITES = True
TITLE = "Equipment ledger export of 100,000 rows (.xlsx, streamed)"
BENCHMARK = "5 export"
SIZES = (20_000, 100_000)
TIME_TARGET_S = 10.0
# Peak memory at 100k may exceed the peak at 20k by this much and still count as constant.
CONSTANT_MEMORY_SLACK_MB = 30.0
COPY_MARKER = "BX"
FETCH_ROWS = 2000


# --------------------------------------------------------------------------------------------------------------------
# Rows for the measurement
# --------------------------------------------------------------------------------------------------------------------


def unit_rows(organization_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM equipment_equipment WHERE organization_id = %s AND deleted_at IS NULL",
            [organization_id],
        )
        return cursor.fetchone()[0]


def top_up(organization, wanted: int) -> int:
    """Copy generated equipment into the unit until it holds `wanted` live devices; returns how many were added."""
    missing = wanted - unit_rows(organization.pk)
    if missing <= 0:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM equipment_equipment WHERE code LIKE %s", [COPY_MARKER + "%"])
        first = cursor.fetchone()[0] + 1
        cursor.execute(
            """
            INSERT INTO equipment_equipment (
                version, deletion_reason, organization_id, code, registration_no, category_code, name, model,
                serial_no, manufacturer, manufactured_on, commissioned_on, design_life_years, region_code, site,
                crowded_place, quick_opening, signaller_required, status, inspection_due_on, last_inspected_on,
                inspection_agency_id, risk_level, open_hazards, open_major_hazards, public_token, created_at,
                updated_at)
            SELECT 1, '', %(unit)s, %(marker)s || lpad(g::text, 12, '0'), e.registration_no, e.category_code, e.name,
                e.model, e.serial_no, e.manufacturer, e.manufactured_on, e.commissioned_on, e.design_life_years,
                %(region)s, e.site, e.crowded_place, e.quick_opening, e.signaller_required, e.status,
                e.inspection_due_on, e.last_inspected_on, e.inspection_agency_id, e.risk_level, e.open_hazards,
                e.open_major_hazards, lower(%(marker)s) || lpad(g::text, 22, '0'), now(), now()
            FROM generate_series(%(first)s, %(last)s) AS g
            JOIN (
                SELECT source.*, row_number() OVER (ORDER BY source.id) - 1 AS position
                FROM (SELECT * FROM equipment_equipment WHERE deleted_at IS NULL AND code NOT LIKE %(like)s
                      ORDER BY id LIMIT 5000) AS source
            ) AS e ON e.position = g %% (SELECT least(count(*), 5000) FROM equipment_equipment
                                         WHERE deleted_at IS NULL AND code NOT LIKE %(like)s)
            """,
            {
                "unit": organization.pk,
                "marker": COPY_MARKER,
                "like": COPY_MARKER + "%",
                "region": organization.region_id,
                "first": first,
                "last": first + missing - 1,
            },
        )
        added = cursor.rowcount
        cursor.execute("ANALYZE equipment_equipment")
    return added


def remove_copies() -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM equipment_equipment WHERE code LIKE %s", [COPY_MARKER + "%"])
        removed = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE equipment_equipment")
    return removed


# --------------------------------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------------------------------


def _export_queryset(user):
    """The queryset the export view hands to ledger.export_file, as the export button asks (no filter)."""
    from shuangfang.equipment import ledger
    from shuangfang.equipment.forms import equipment_filterset

    queryset = equipment_filterset(user, {}).qs
    if "inspection_state_value" not in queryset.query.annotations:
        queryset = queryset.with_inspection_state()
    return queryset.order_by("pk").values_list(*ledger.EXPORT_VALUES)


def _child_export(username: str) -> dict:
    """The platform's figure: GET /api/v1/equipment/export/ through the whole stack, the file read to its end.  The
    API answers with the file at any size (the contract); the list page hands an export above
    EXPORT_BACKGROUND_ROWS to a background job, which writes the same file with the same function."""
    from .ledger_import import _child_setup, _has_namespace

    baseline = _child_setup()
    from django.urls import reverse

    from .framework import signed_in_client

    client = signed_in_client(username)
    url = reverse("api:equipment-export") if _has_namespace() else reverse("equipment-export")
    started = time.perf_counter()
    response = client.get(url, HTTP_HOST="localhost")
    size = sum(len(part) for part in response.streaming_content) if response.streaming else len(response.content)
    seconds = time.perf_counter() - started
    response.close()
    return {
        "seconds": seconds,
        "status": response.status_code,
        "bytes": size,
        "peak_mb": peak_memory_mb(),
        "baseline_mb": baseline,
    }


def _raw_sql(username: str) -> tuple[str, tuple]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    return _export_queryset(user).query.sql_with_params()


def _raw_batches(sql: str, params: tuple):
    """The export's SQL on a server-side cursor, FETCH_ROWS rows at a time."""
    with transaction.atomic(), connection.connection.cursor(name="bench_export") as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield batch


def _child_fetch(username: str) -> dict:
    """The lower bound: the same SQL on a server-side cursor, every row fetched and nothing written."""
    from .ledger_import import _child_setup

    baseline = _child_setup()
    sql, params = _raw_sql(username)
    started = time.perf_counter()
    rows = sum(len(batch) for batch in _raw_batches(sql, params))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "peak_mb": peak_memory_mb(), "baseline_mb": baseline}


def _child_xlsxwriter(username: str, path: str) -> dict:
    """The reference figure: the same rows, as they come, written by xlsxwriter constant_memory (no header formats,
    no labels, no formula guard)."""
    from .ledger_import import _child_setup

    baseline = _child_setup()
    import xlsxwriter

    sql, params = _raw_sql(username)
    started = time.perf_counter()
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    rows = 0
    for batch in _raw_batches(sql, params):
        for values in batch:
            rows += 1
            for column, value in enumerate(values):
                if value is None:
                    continue
                if hasattr(value, "isoformat"):
                    sheet.write_datetime(rows, column, value, date_format)
                else:
                    sheet.write(rows, column, value)
    workbook.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "peak_mb": peak_memory_mb(), "baseline_mb": baseline}


CHILDREN = {"export": _child_export, "fetch": _child_fetch, "xlsxwriter": _child_xlsxwriter}


def _child_main(arguments: list[str]) -> None:
    operation, *rest = arguments
    print(json.dumps(CHILDREN[operation](*rest)))


# --------------------------------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------------------------------


def run(context) -> list[Measurement]:
    if connection.vendor != "postgresql":
        # The copies that bring the unit to 100,000 devices are made by one PostgreSQL statement (generate_series).
        context.report("  PostgreSQL only (DATABASE_URL): skipped on SQLite")
        return []
    user = pick_unit_user()
    organization = user.organization
    removed = remove_copies()
    if removed:
        context.report(f"  removed {removed:,} copies left by an earlier run")
    context.report(f"  unit user {user.username} of {organization.name}: {unit_rows(organization.pk):,} devices")
    module = __name__
    results = {}
    try:
        for size in SIZES:
            added = top_up(organization, size)
            context.report(f"  copied {added:,} devices into the unit: {unit_rows(organization.pk):,}")
            connection.close()  # the children open their own connections
            export = run_in_child(module, "export", user.username)
            raw = run_in_child(module, "fetch", user.username)
            reference = run_in_child(module, "xlsxwriter", user.username, str(context.scratch / f"raw_{size}.xlsx"))
            context.report(
                f"  {size:,} rows: export {export['seconds']:.2f} s ({export['bytes'] / 1024 / 1024:.1f} MB), "
                f"peak {export['peak_mb']:.0f} MB; raw SQL fetch {raw['seconds']:.2f} s, peak {raw['peak_mb']:.0f} MB; "
                f"raw SQL + xlsxwriter {reference['seconds']:.2f} s, peak {reference['peak_mb']:.0f} MB"
            )
            results[size] = (export, raw, reference)
        sql, params = _export_queryset(user).query.sql_with_params()
        plan = explain(sql, params)
    finally:
        removed = remove_copies()
        context.report(f"  removed the {removed:,} copies")

    small, large = SIZES
    export_small, raw_small, reference_small = results[small]
    export_large, raw_large, reference_large = results[large]
    growth = export_large["peak_mb"] - export_small["peak_mb"]
    measurements = [
        Measurement(
            BENCHMARK,
            f"export {large:,} rows",
            export_large["seconds"],
            "s",
            raw_large["seconds"],
            "raw SQL fetch",
            f"≤ {TIME_TARGET_S:.0f} s",
            export_large["status"] == 200 and export_large["seconds"] <= TIME_TARGET_S,
            f"GET /api/v1/equipment/export/ as {user.username}, read to the end "
            f"({export_large['bytes'] / 1024 / 1024:.1f} MB); through the API (the page hands it to a background job); "
            f"for reference, raw SQL + xlsxwriter constant_memory: {reference_large['seconds']:.2f} s",
        ),
        Measurement(
            BENCHMARK,
            f"export {small:,} rows",
            export_small["seconds"],
            "s",
            raw_small["seconds"],
            "raw SQL fetch",
            "—",
            export_small["status"] == 200,
            f"for reference, raw SQL + xlsxwriter constant_memory: {reference_small['seconds']:.2f} s",
        ),
        Measurement(
            BENCHMARK,
            f"export peak memory, {large:,} rows",
            export_large["peak_mb"],
            "MB",
            raw_large["peak_mb"],
            "raw SQL fetch peak",
            f"constant (≤ {small:,}-row peak + {CONSTANT_MEMORY_SLACK_MB:.0f} MB)",
            growth <= CONSTANT_MEMORY_SLACK_MB,
            f"VmHWM of the child; {small:,} rows: {export_small['peak_mb']:.0f} MB, {large:,} rows: "
            f"{export_large['peak_mb']:.0f} MB ({growth:+.0f} MB); Django loaded and signed in: "
            f"{export_large['baseline_mb']:.0f} MB",
        ),
    ]
    context.add_section(
        "5 export",
        "\n".join(
            [
                f"- The unit of `{user.username}` topped up with copies of generated equipment to {small:,} and "
                f"{large:,} devices; each export in a child process through the whole stack, the file read to its "
                "end; peak memory is the child's VmHWM.",
                f"- {small:,} rows: {export_small['seconds']:.2f} s, peak {export_small['peak_mb']:.0f} MB; "
                f"{large:,} rows: {export_large['seconds']:.2f} s, peak {export_large['peak_mb']:.0f} MB.",
                f"- Lower bound (same SQL, server-side cursor, rows fetched, nothing written): {small:,} rows "
                f"{raw_small['seconds']:.2f} s / {raw_small['peak_mb']:.0f} MB; {large:,} rows "
                f"{raw_large['seconds']:.2f} s / {raw_large['peak_mb']:.0f} MB.",
                f"- For reference, the same rows written by xlsxwriter in constant_memory mode: {small:,} rows "
                f"{reference_small['seconds']:.2f} s / {reference_small['peak_mb']:.0f} MB; {large:,} rows "
                f"{reference_large['seconds']:.2f} s / {reference_large['peak_mb']:.0f} MB.",
                "- Measured through the API, which answers with the file at any size (FileResponse of a temporary "
                "file); the list page hands an export of more than 10,000 rows to a background job "
                "(Checklist B #5), which writes it with the same function.",
                "",
                f"Plan of the export query at {large:,} rows:",
                "",
                "```",
                plan,
                "```",
            ]
        ),
    )
    return measurements


if __name__ == "__main__":
    _child_main(sys.argv[1:])
