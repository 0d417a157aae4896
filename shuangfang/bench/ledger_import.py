"""Benchmark 4: import of a 100,000-row 设备台账 workbook, end to end, as a unit user.

The workbook is written here with xlsxwriter in the template's real columns, its values modelled on the generated
equipment (names, models, makers, sites and the mix of catalog codes) with new unique codes, dates that pass the
checks and inspection agencies the unit may name.  It is posted to the import API through the whole stack in a child
process, so that the child's high-water mark (VmHWM) is the import's peak memory.  Beside it, in the same run: the
bare calamine parse of the same file (its time and peak, in a child too) and a COPY of the same rows into the equipment
table, rolled back.  The imported rows, and what the import created for them, are removed afterwards; the import's
events stay (the event log is append-only).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from django.db import connection, transaction

from .framework import Measurement

# It writes (or rolls back what it wrote): the suite vacuums after it.
WRITES = True
TITLE = "Ledger import of a 100,000-row workbook (parse + validate + load) as a unit user"
BENCHMARK = "4 ledger import"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
TIME_TARGET_S = 30.0
MEMORY_TARGET_MB = 500.0
# Imported codes end in this marker and a serial, so a run finds and removes its own rows (and an aborted run's).
CODE_MARKER = "BN"
CODE_PATTERN = rf"^[0-9A-Z]{{14}}{CODE_MARKER}[0-9]{{6}}$"
PREFERRED_USERS = ("unit_director", "unit_admin", "unit_officer")
# How stale a unit's compliance gaps may be after the change that moves them: the summaries' freshness target
# (quality.md Checklist B #9), which the background refresh of a large unit answers to.
REFRESH_TARGET_S = 300.0


# --------------------------------------------------------------------------------------------------------------------
# Child processes: one measured operation each, reporting its own time and high-water mark
# --------------------------------------------------------------------------------------------------------------------


def peak_memory_mb() -> float:
    """This process's resident-set high-water mark (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_in_child(module: str, *arguments: str) -> dict:
    """Run `python -m <module> <arguments>` with this process's environment; the child prints one JSON object as
    its last line.  Adds the child's peak as the parent sees it (ru_maxrss of the waited child)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "shuangfang.settings"),
    }
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", module, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        text=True,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0 or not stdout.strip():
        raise RuntimeError(f"child {module} {arguments} failed:\n{stderr[-4000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["rusage_peak_mb"] = usage.ru_maxrss / 1024
    result["process_s"] = elapsed
    return result


def _child_setup() -> float:
    """Django set up in a child; returns the peak memory before the measured work."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangfang.settings")
    import django

    django.setup()
    return peak_memory_mb()


def _child_parse(path: str) -> dict:
    """The lower bound: calamine reads the data sheet into Python lists, nothing else."""
    from python_calamine import CalamineWorkbook

    baseline = peak_memory_mb()
    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(path)
    rows = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(rows) - 1, "peak_mb": peak_memory_mb(), "baseline_mb": baseline}


def _child_import(username: str, path: str, dry_run: str) -> dict:
    """The platform's figure: the file posted to the import API as the user would, through every middleware, the
    multipart parser, the view and the ledger service.  A large unit's compliance refresh is queued at the commit as
    a background job (safety.compliance.refresh_after_commit); here the queue is a list, and the job is run and timed
    afterwards in this process, as the worker would run it."""
    baseline = _child_setup()
    from django.urls import reverse

    from shuangfang.equipment import ledger
    from shuangfang.safety import compliance

    from .framework import signed_in_client

    queued: list[int] = []
    compliance.refresh_in_background = queued.append
    # The time spent writing the checked chunks (inserts, updates, events), summed over the chunks.
    writing = [0.0]
    write = ledger._ChunkWriter.write

    def timed_write(writer, chunk):
        started = time.perf_counter()
        write(writer, chunk)
        writing[0] += time.perf_counter() - started

    ledger._ChunkWriter.write = timed_write
    client = signed_in_client(username)
    url = reverse("api:equipment-import-ledger") if _has_namespace() else reverse("equipment-import-ledger")
    with open(path, "rb") as upload:
        started = time.perf_counter()
        response = client.post(
            url, {"file": upload, "dry_run": dry_run}, HTTP_HOST="localhost", HTTP_ACCEPT="application/json"
        )
        seconds = time.perf_counter() - started
    peak = peak_memory_mb()
    refresh_seconds = None
    if queued:
        started = time.perf_counter()
        for unit_id in queued:
            compliance.refresh_unit_by_id(unit_id)
        refresh_seconds = time.perf_counter() - started
    body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
    return {
        "seconds": seconds,
        "write_seconds": writing[0],
        "refresh_seconds": refresh_seconds,
        "queued": len(queued),
        "status": response.status_code,
        "body": body if response.status_code == 200 else {"errors": body.get("errors", body)[:5] if body else []},
        "peak_mb": peak,
        "baseline_mb": baseline,
    }


def _has_namespace() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("api:equipment-import-ledger")
    except NoReverseMatch:
        return False
    return True


def _child_main(arguments: list[str]) -> None:
    operation, *rest = arguments
    if operation == "parse":
        result = _child_parse(*rest)
    elif operation == "import":
        result = _child_import(*rest)
    else:
        raise SystemExit(f"unknown operation {operation}")
    print(json.dumps(result, ensure_ascii=False))


# --------------------------------------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------------------------------------


def pick_unit_user():
    """A unit user who may manage equipment: a demo account when the database has it, else the first such user of
    the use unit holding the most equipment."""
    from django.contrib.auth import get_user_model

    from shuangfang.accounts.roles import Action
    from shuangfang.core.scoping import ScopeKind, scope_of

    users = get_user_model().objects.filter(is_active=True).select_related("organization")
    for username in PREFERRED_USERS:
        user = users.filter(username=username).first()
        if user is not None and user.may(Action.MANAGE_EQUIPMENT) and scope_of(user).kind == ScopeKind.UNIT:
            return user
    for user in users.filter(organization__kind="use_unit").order_by("organization_id", "pk").iterator():
        if user.may(Action.MANAGE_EQUIPMENT) and scope_of(user).kind == ScopeKind.UNIT:
            return user
    raise RuntimeError("no unit user who may manage equipment")


def _prototypes(limit: int = 2000) -> list[tuple]:
    """Existing equipment as models for realistic cells: category, name, model, maker, site (a random sample)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.category_code, e.name, e.model, e.manufacturer, e.site, e.design_life_years "
            "FROM equipment_equipment e JOIN equipment_catalogentry c ON c.code = e.category_code "
            "WHERE c.registrable AND e.deleted_at IS NULL ORDER BY md5(e.id::text) LIMIT %s",
            [limit],
        )
        rows = cursor.fetchall()
    if not rows:
        rows = [("3110", "乘客电梯", "TKJ1000/1.75-JXW", "某某电梯有限公司", "1号楼东侧", None)]
    return rows


def _agency_usccs(user) -> list[str]:
    from shuangfang.orgs.choices import OrganizationKind
    from shuangfang.orgs.models import Organization

    return list(
        Organization.objects.visible_to(user)
        .filter(kind=OrganizationKind.INSPECTION_AGENCY)
        .order_by("pk")
        .values_list("uscc", flat=True)[:20]
    )


def ledger_rows(count: int, *, region: str, agencies: list[str], today: date, seed: int = 8):
    """Template-order cell values of `count` valid rows; yields (code, cells)."""
    random_numbers = random.Random(seed)  # noqa: S311 — test data
    prototypes = _prototypes()
    for serial in range(1, count + 1):
        category, name, model, maker, site, design_life = prototypes[serial % len(prototypes)]
        manufactured = today - timedelta(days=random_numbers.randint(400, 20 * 365))
        commissioned = min(manufactured + timedelta(days=random_numbers.randint(30, 300)), today)
        last_inspected = max(today - timedelta(days=random_numbers.randint(0, 700)), commissioned)
        due = last_inspected + timedelta(days=365 * random_numbers.choice((1, 1, 2, 3)))
        year = f"{commissioned.year:04d}"
        code = f"{category}{region}{year}{CODE_MARKER}{serial:06d}"
        cells = [
            code,
            f"{name[:1]}{category[:2]}晋{serial:06d}({year[2:]})",
            category,
            name,
            model,
            f"{year}{serial:06d}",
            maker,
            manufactured,
            commissioned,
            design_life,
            region,
            site,
            "是" if serial % 17 == 0 else "否",
            "停用" if serial % 50 == 0 else "在用",
            last_inspected,
            due,
            agencies[serial % len(agencies)] if agencies else None,
            None,
        ]
        yield code, cells


def write_workbook(path: Path, rows) -> int:
    """The data sheet in the template's header row, then the rows; dates as Excel dates, text as text."""
    import xlsxwriter

    from shuangfang.core.xlsx import DATE_FORMAT
    from shuangfang.equipment.ledger import COLUMNS, DATA_SHEET

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(DATA_SHEET)
    date_format = workbook.add_format({"num_format": DATE_FORMAT})
    sheet.write_row(0, 0, [column.header for column in COLUMNS])
    written = 0
    for row_index, (_code, cells) in enumerate(rows, start=1):
        for column_index, cell in enumerate(cells):
            if cell is None:
                continue
            if isinstance(cell, date):
                sheet.write_datetime(row_index, column_index, cell, date_format)
            elif isinstance(cell, int):
                sheet.write_number(row_index, column_index, cell)
            else:
                sheet.write_string(row_index, column_index, cell)
        written += 1
    workbook.close()
    return written


# --------------------------------------------------------------------------------------------------------------------
# Clean-up and the COPY bound
# --------------------------------------------------------------------------------------------------------------------


def remove_benchmark_rows(organization_id: int) -> int:
    """Delete the equipment this benchmark imported into the unit, with the compliance gaps and system hazards the
    import's refresh opened for it.  Events stay: the log is append-only."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_import_ids ON COMMIT DROP AS "
            "SELECT id FROM equipment_equipment WHERE organization_id = %s AND code ~ %s",
            [organization_id, CODE_PATTERN],
        )
        cursor.execute("SELECT count(*) FROM bench_import_ids")
        removed = cursor.fetchone()[0]
        if removed:
            _delete_dependents(cursor)
            cursor.execute("DELETE FROM equipment_equipment WHERE id IN (SELECT id FROM bench_import_ids)")
    return removed


def _delete_dependents(cursor) -> None:
    """Rows that point at the imported equipment: at most gaps, their hazards and what hangs off those."""
    cursor.execute(
        "CREATE TEMP TABLE bench_import_hazards ON COMMIT DROP AS "
        "SELECT id FROM hazards_hazard WHERE equipment_id IN (SELECT id FROM bench_import_ids)"
    )
    cursor.execute(
        "UPDATE safety_compliancegap SET hazard_id = NULL WHERE hazard_id IN (SELECT id FROM bench_import_hazards)"
    )
    _delete_referencing(cursor, "hazards_hazard", "bench_import_hazards")
    cursor.execute("DELETE FROM hazards_hazard WHERE id IN (SELECT id FROM bench_import_hazards)")
    _delete_referencing(cursor, "equipment_equipment", "bench_import_ids")


def _delete_referencing(cursor, table: str, ids_table: str) -> None:
    """Delete the rows of every table whose foreign key points at the ids in `ids_table` (one level deep)."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = %s::regclass",
        [table],
    )
    for referencing_table, column in cursor.fetchall():
        if referencing_table in (table, "core_event"):
            continue
        cursor.execute(
            f"DELETE FROM {referencing_table} WHERE {column} IN (SELECT id FROM {ids_table})"  # noqa: S608 — catalog names
        )


def copy_rows_seconds(user, rows: list[tuple]) -> float:
    """The load's lower bound: COPY of the same rows into the equipment table (its indexes and constraints
    maintained), rolled back."""
    from shuangfang.equipment.models import new_public_token

    columns = (
        "organization_id, code, registration_no, category_code, name, model, serial_no, manufacturer, "
        "manufactured_on, commissioned_on, design_life_years, region_code, site, crowded_place, quick_opening, "
        "signaller_required, status, last_inspected_on, inspection_due_on, inspection_agency_id, open_hazards, "
        "open_major_hazards, public_token, created_at, updated_at, version, deletion_reason"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT uscc, id FROM orgs_organization WHERE kind = 'inspection_agency'")
        agency_ids = dict(cursor.fetchall())
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    status_values = {"在用": "in_use", "停用": "suspended", "报废": "scrapped"}
    tuples = [
        (
            user.organization_id,
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4] or "",
            cells[5],
            cells[6] or "",
            cells[7],
            cells[8],
            cells[9],
            cells[10],
            cells[11] or "",
            cells[12] == "是",
            False,
            False,
            status_values[cells[13]],
            cells[14],
            cells[15],
            agency_ids.get(cells[16]),
            0,
            0,
            new_public_token(),
            now,
            now,
            1,
            "",
        )
        for cells in rows
    ]
    try:
        with transaction.atomic():
            raw = connection.cursor().cursor  # the psycopg cursor under Django's wrapper
            started = time.perf_counter()
            with raw.copy(f"COPY equipment_equipment ({columns}) FROM STDIN") as copy:
                for row in tuples:
                    copy.write_row(row)
            # The foreign-key checks a commit would run (the constraints are deferred), then roll back.
            raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        pass
    return seconds


class _RollBack(Exception):
    pass


# --------------------------------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------------------------------


def run(context) -> list[Measurement]:
    from django.utils import timezone

    from shuangfang.safety.compliance import REFRESH_INLINE_MAX_EQUIPMENT

    if connection.vendor != "postgresql":
        # The clean-up between runs reads PostgreSQL's catalog for the rows that point at the imported devices.
        context.report("  PostgreSQL only (DATABASE_URL): skipped on SQLite")
        return []
    user = pick_unit_user()
    organization = user.organization
    region = organization.region_id
    context.report(f"  unit user {user.username} of {organization.name} (region {region}); {ROWS:,} rows")
    removed = remove_benchmark_rows(organization.pk)
    if removed:
        context.report(f"  removed {removed:,} rows left by an earlier run")
    agencies = _agency_usccs(user)
    today = timezone.localdate()
    path = context.scratch / "ledger_import.xlsx"
    started = time.perf_counter()
    write_workbook(path, ledger_rows(ROWS, region=region, agencies=agencies, today=today))
    size_mb = path.stat().st_size / 1024 / 1024
    context.report(f"  workbook written in {time.perf_counter() - started:.1f} s ({size_mb:.1f} MB)")
    module = __name__

    parse = run_in_child(module, "parse", str(path))
    context.report(f"  calamine parse: {parse['seconds']:.2f} s, peak {parse['peak_mb']:.0f} MB")
    first_seq = last_event_seq()
    connection.close()  # the children open their own connections; ours would only sit idle meanwhile
    dry_run = run_in_child(module, "import", user.username, str(path), "true")
    context.report(f"  dry run: {dry_run['seconds']:.2f} s, peak {dry_run['peak_mb']:.0f} MB, {dry_run['body']}")
    imported = run_in_child(module, "import", user.username, str(path), "false")
    refresh_seconds = imported["refresh_seconds"]
    gaps = events_since(first_seq, types=("compliance.refreshed", "hazard.reported"))
    context.report(
        f"  import: {imported['seconds']:.2f} s (writing {imported['write_seconds']:.2f} s), "
        f"peak {imported['peak_mb']:.0f} MB, {imported['body']}; background refresh "
        + (f"{refresh_seconds:.2f} s ({gaps})" if refresh_seconds is not None else "not queued")
    )
    again = run_in_child(module, "import", user.username, str(path), "false")
    context.report(f"  the same file again (every row unchanged): {again['seconds']:.2f} s, {again['body']}")
    created = imported["body"].get("created", 0) if imported["status"] == 200 else 0
    events = events_since(first_seq)
    removed = remove_benchmark_rows(organization.pk)
    context.report(f"  removed the {removed:,} imported rows")

    copy_seconds = None
    if connection.vendor == "postgresql":
        rows = [cells for _code, cells in ledger_rows(ROWS, region=region, agencies=agencies, today=today)]
        copy_seconds = copy_rows_seconds(user, rows)
        context.report(f"  COPY of the same rows: {copy_seconds:.2f} s")

    ok = imported["status"] == 200 and created == ROWS
    target = f"≤ {TIME_TARGET_S:.0f} s"
    measurements = [
        Measurement(
            BENCHMARK,
            f"import {ROWS:,} rows (parse + check + load)",
            imported["seconds"],
            "s",
            parse["seconds"],
            "calamine parse",
            target,
            ok and imported["seconds"] <= TIME_TARGET_S,
            (
                f"POST /api/v1/equipment/import/ as {user.username}, created {created:,}; the compliance refresh "
                "after the commit measured apart (below)"
            )
            if ok
            else f"import answered {imported['status']}: {imported['body']}",
        ),
        Measurement(
            BENCHMARK,
            "check only (dry run)",
            dry_run["seconds"],
            "s",
            parse["seconds"],
            "calamine parse",
            target,
            dry_run["status"] == 200 and dry_run["seconds"] <= TIME_TARGET_S,
        ),
        Measurement(
            BENCHMARK,
            "same file again, all unchanged",
            again["seconds"],
            "s",
            parse["seconds"],
            "calamine parse",
            target,
            again["status"] == 200 and again["seconds"] <= TIME_TARGET_S,
            f"{again['body']}",
        ),
        Measurement(
            BENCHMARK,
            "import peak memory",
            imported["peak_mb"],
            "MB",
            parse["peak_mb"],
            "calamine parse peak",
            f"≤ {MEMORY_TARGET_MB:.0f} MB",
            imported["peak_mb"] <= MEMORY_TARGET_MB,
            f"VmHWM of the child process; Django loaded and signed in: {imported['baseline_mb']:.0f} MB "
            f"(the parse child, no Django: {parse['baseline_mb']:.0f} MB)",
        ),
        Measurement(
            BENCHMARK,
            f"background compliance refresh after the import, {ROWS:,} rows",
            refresh_seconds or 0.0,
            "s",
            None,
            "",
            f"≤ {REFRESH_TARGET_S:.0f} s (freshness)",
            refresh_seconds is not None and refresh_seconds <= REFRESH_TARGET_S,
            f"queued at the commit for a unit of more than {REFRESH_INLINE_MAX_EQUIPMENT:,} devices and run by the "
            f"worker, outside the request ({gaps}); the gaps are as fresh as the summaries (≤ 5 min)"
            if refresh_seconds is not None
            else "the import queued no refresh",
        ),
    ]
    if copy_seconds is not None:
        measurements.append(
            Measurement(
                BENCHMARK,
                "load part of the import",
                imported["write_seconds"],
                "s",
                copy_seconds,
                "COPY",
                "—",
                True,
                "time in the chunk writer (COPY of the new rows, their ids read back, one event per chunk); the bound: "
                "COPY of prepared tuples into equipment_equipment with its 16 indexes and the foreign-key checks, "
                "rolled back",
            )
        )
    context.add_section(
        "4 ledger import",
        "\n".join(
            [
                f"- Workbook: {ROWS:,} rows × 18 template columns, {size_mb:.1f} MB, written with xlsxwriter; values "
                "modelled on the generated equipment with new unique codes.",
                f"- Unit user `{user.username}`; the file is posted to the import API in a child process "
                "(test client, whole middleware stack); peak memory is the child's VmHWM.",
                f"- calamine parse alone: {parse['seconds']:.2f} s, peak {parse['peak_mb']:.0f} MB "
                "(calamine holds the whole sheet in memory while it is read, in the import too).",
                f"- Dry run: {dry_run['seconds']:.2f} s; import: {imported['seconds']:.2f} s, peak "
                f"{imported['peak_mb']:.0f} MB; the same file again: {again['seconds']:.2f} s.",
                f"- Events of the import and the dry run: {events}. One `equipment.imported` event per chunk of "
                "1,000 rows and owning unit, listing the ids and codes (the equipment history reads them).",
                "- Compliance refresh: the import's unit holds more than "
                f"{REFRESH_INLINE_MAX_EQUIPMENT:,} devices, so its refresh is queued at the commit as a background "
                "job instead of running in the request; the job, run in the same child after the request as the "
                "worker would run it, took "
                + (f"{refresh_seconds:.2f} s ({gaps})." if refresh_seconds is not None else "— (none was queued)."),
            ]
        ),
    )
    return measurements


def last_event_seq() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(seq), 0) FROM core_event")
        return cursor.fetchone()[0]


def events_since(seq: int, types: tuple[str, ...] = ("equipment.imported",)) -> str:
    """The events of these types written after `seq`, by type, with the size of their data."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, count(*), sum(pg_column_size(data)) FROM core_event WHERE seq > %s AND type = ANY(%s) "
            "GROUP BY type ORDER BY count(*) DESC",
            [seq, list(types)],
        )
        rows = cursor.fetchall()
    if not rows:
        return "no events"
    return ", ".join(f"{count:,} `{kind}` ({size / 1024 / 1024:.1f} MB of data)" for kind, count, size in rows)


if __name__ == "__main__":
    _child_main(sys.argv[1:])
