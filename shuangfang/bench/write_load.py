"""Benchmark 6: the write path under load, over real HTTP.

A gunicorn server is started on a free loopback port with the command `make run` uses (sync workers, same database),
and locust drives it from a process of its own (shuangfang/bench/write_load_locust.py): BENCH_WRITE_CLIENTS (20)
clients, each a safety officer of a different unit holding an API token, report hazards and submit their equipment's
daily checks, every POST with an Idempotency-Key and every 20th sent twice.

Two phases. First the target's: for BENCH_WRITE_SECONDS (60) the clients write at a bounded rate, each one request
every BENCH_WRITE_PACE seconds (1.0, phases spread) — a person on a phone does not send a check or a report faster
than that, so 20 clients offer 20 writes/s, ten times a province's average rate in working hours per 20 officers
writing at once. Then, for BENCH_WRITE_SATURATED_SECONDS (30; 0 leaves it out), the capacity: closed loop, each client
sends its next request as soon as its answer is in; its throughput is the figure, and its latency is by Little's law
the number of clients divided by that throughput. Afterwards the hazards, check results and completed tasks in the
database are compared, id by id, with what the successful answers said was written. The lower bound writes the rows
of the bounded phase again with bare INSERT … SELECT statements in one process, one commit per request, into scratch
tables with the same indexes.

Setup, in the database the benchmark runs on: one safety officer `bench_writer_<unit id>` for each of the units with
the most equipment under a daily-check plan (kept between runs, its password replaced each run), and back-dated daily
tasks of the units' equipment for the clients to submit. The tasks left unsubmitted, the clients' API tokens and their
idempotency records are removed at the end; what the run wrote (hazards, check results, completed tasks, events,
notifications) stays.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .framework import BenchContext, Measurement, percentile

# It writes (or rolls back what it wrote): the suite vacuums after it.
WRITES = True
TITLE = "Write path under load: hazard reports and check submissions over HTTP"
BENCHMARK = "6 write load"

CLIENTS = int(os.environ.get("BENCH_WRITE_CLIENTS", "20"))
SECONDS = int(os.environ.get("BENCH_WRITE_SECONDS", "60"))
PACE_SECONDS = float(os.environ.get("BENCH_WRITE_PACE", "1.0"))
SATURATED_SECONDS = int(os.environ.get("BENCH_WRITE_SATURATED_SECONDS", "30"))
# As `make run` serves (Makefile WEB_WORKERS, WEB_TIMEOUT).
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "3"))
WEB_TIMEOUT = int(os.environ.get("WEB_TIMEOUT", "180"))
TARGET_P95_MS = 100.0
# Daily tasks prepared per client and second of the saturated phase (the bounded one needs far fewer): more than a
# client can submit at half its requests.
TASKS_PER_CLIENT_SECOND = 6
RETRY_EVERY = 20  # every 20th POST of a client is sent again with the same Idempotency-Key
NOT_OK_EVERY = 20  # every 20th check submission has a failed item, which becomes a hazard

OFFICER_PREFIX = "bench_writer_"
LOCUSTFILE = Path(__file__).with_name("write_load_locust.py")
REPORT = "POST /api/v1/hazards/"
EXECUTE = "POST /api/v1/investigation-tasks/{id}/execute/"


def run(context: BenchContext) -> list[Measurement]:
    from shuangfang.accounts.models import ApiToken
    from shuangfang.core.models import IdempotencyRecord
    from shuangfang.hazards.models import InvestigationTask

    units = _pick_units(CLIENTS)
    if not units:
        context.report("  no use unit with daily-check plans: nothing to measure")
        return []
    password = secrets.token_urlsafe(18) + "aA1!"
    officers = _officers(units, password)
    context.report(f"  {len(units)} units, one safety officer each; preparing their daily tasks")
    created_task_ids: list[int] = []
    saturated = None
    wanted_tasks = math.ceil(SECONDS / PACE_SECONDS / 2) + 1 + TASKS_PER_CLIENT_SECOND * SATURATED_SECONDS
    try:
        pool = _task_pool(units, officers, wanted_tasks, created_task_ids)
        with _server(context.scratch) as (base_url, server_pid):
            tokens = _issue_tokens(base_url, officers, password)
            _warm_up(base_url, list(tokens.values()))
            before = _high_water_marks()
            clients = [
                {"token": tokens[unit.pk], "equipment": pool[unit.pk]["equipment"], "tasks": pool[unit.pk]["tasks"]}
                for unit in units
            ]
            context.report(
                f"  server {base_url} ({WEB_WORKERS} sync workers); {len(clients)} clients for {SECONDS} s, each one "
                f"request every {PACE_SECONDS:g} s"
            )
            bounded = _run_locust(context.scratch, base_url, clients, server_pid, SECONDS, pace=PACE_SECONDS)
            if SATURATED_SECONDS > 0:
                context.report(f"  saturated: closed loop for {SATURATED_SECONDS} s")
                clients = _unsubmitted(clients)
                saturated = _run_locust(context.scratch, base_url, clients, server_pid, SATURATED_SECONDS, pace=0.0)
        officer_ids = [officer.pk for officer in officers.values()]
        written = _written_since(before, officer_ids, created_task_ids)
        bound = _bare_insert_bound(bounded["tally"])
        queries = _queries_per_request(officers[units[0].pk], pool[units[0].pk])
    finally:
        InvestigationTask.objects.filter(pk__in=created_task_ids, completed_at__isnull=True).delete()
        ApiToken.objects.filter(user__in=list(officers.values())).delete()
        IdempotencyRecord.objects.filter(user__in=list(officers.values())).delete()
    return _measurements(context, bounded, saturated, written, bound, queries)


def _unsubmitted(clients: list[dict]) -> list[dict]:
    """The clients with the prepared tasks they have not submitted yet."""
    from shuangfang.hazards.models import InvestigationTask

    prepared = [planned["id"] for client in clients for planned in client["tasks"]]
    open_ids = set(
        InvestigationTask.objects.filter(pk__in=prepared, completed_at__isnull=True).values_list("pk", flat=True)
    )
    return [
        {**client, "tasks": [planned for planned in client["tasks"] if planned["id"] in open_ids]} for client in clients
    ]


# -- setup -----------------------------------------------------------------------------------------------------------


def _pick_units(count: int):
    """The use units with the most equipment in use under an active daily-check plan: stable from run to run, so
    the same officers are used again, and busy enough to have many checks to submit."""
    from shuangfang.equipment.choices import EquipmentStatus
    from shuangfang.equipment.models import Equipment
    from shuangfang.hazards.choices import Cycle
    from shuangfang.hazards.models import InvestigationPlan
    from shuangfang.orgs.models import Organization

    planned = InvestigationPlan.objects.filter(cycle=Cycle.DAILY, is_active=True).values("organization_id")
    ranked = (
        Equipment.objects.filter(status=EquipmentStatus.IN_USE, organization_id__in=planned)
        .values("organization_id")
        .annotate(in_use=Count("id"))
        .order_by("-in_use", "organization_id")[:count]
    )
    ids = [row["organization_id"] for row in ranked]
    found = Organization.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def _officers(units, password: str) -> dict:
    """One safety officer per unit (unit roles sign in without a second factor), with a fresh password that counts
    as changed today so that the token endpoint does not ask for a change first."""
    from shuangfang.accounts.models import User

    now = timezone.now()
    officers = {}
    for unit in units:
        officer, _created = User.objects.get_or_create(
            username=f"{OFFICER_PREFIX}{unit.pk}",
            defaults={"organization": unit, "roles": ["safety_officer"], "full_name": "压测安全员"},
        )
        officer.organization = unit
        officer.roles = ["safety_officer"]
        officer.is_active = True
        officer.password_changed_at = now
        officer.set_password(password)
        officer.save()
        officers[unit.pk] = officer
    return officers


def _task_pool(units, officers, per_client: int, created: list[int]) -> dict:
    """For each unit, `per_client` pending daily tasks of its equipment, made as the scheduler makes them but for the
    days before the earliest task of each plan and equipment (so none collides with a real one), and the answer to
    each: every item of the equipment's checklist `ok`. Returns the pool per unit; the ids of the tasks made are added
    to `created` as they are written, for the clean-up."""
    from shuangfang.equipment.models import Equipment
    from shuangfang.hazards.choices import InvestigationKind, TaskStatus
    from shuangfang.hazards.investigation import equipment_items
    from shuangfang.hazards.models import InvestigationTask

    pool = {}
    for unit in units:
        pairs = list(
            InvestigationTask.objects.filter(
                organization_id=unit.pk, kind=InvestigationKind.DAILY, equipment__isnull=False, plan__isnull=False
            )
            .values("plan_id", "equipment_id")
            .annotate(first=Min("period_start"), latest=Max("id"))
            .order_by("equipment_id", "plan_id")
        )
        templates = InvestigationTask.objects.in_bulk([pair["latest"] for pair in pairs])
        days = math.ceil(per_client / max(1, len(pairs)))
        new_tasks = []
        for back in range(1, days + 1):
            for pair in pairs:
                if len(new_tasks) >= per_client:
                    break
                template = templates[pair["latest"]]
                day = pair["first"] - timedelta(days=back)
                new_tasks.append(
                    InvestigationTask(
                        organization_id=template.organization_id,
                        region_id=template.region_id,
                        plan_id=template.plan_id,
                        kind=template.kind,
                        title=template.title.replace(template.period_start.isoformat(), day.isoformat()),
                        equipment_id=template.equipment_id,
                        period_start=day,
                        due_on=day,
                        assignee_role=template.assignee_role,
                        assignee_id=officers[unit.pk].pk,
                        status=TaskStatus.PENDING,
                    )
                )
        rows = InvestigationTask.objects.bulk_create(new_tasks, batch_size=1000)
        created.extend(row.pk for row in rows)
        equipment_ids = sorted({pair["equipment_id"] for pair in pairs})
        answers = defaultdict(list)
        for item in equipment_items(Equipment.objects.filter(pk__in=equipment_ids)):
            answers[item.equipment_id].append(
                {"equipment": item.equipment_id, "item_code": item.item_code, "outcome": "ok"}
            )
        pool[unit.pk] = {
            "equipment": equipment_ids,
            "tasks": [{"id": row.pk, "version": row.version, "results": answers[row.equipment_id]} for row in rows],
        }
    return pool


# -- the server ------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(base_url: str, method: str, path: str, *, body=None, token=None, source=None, timeout=30):
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout, source_address=(source, 0) if source else None)
    headers = {"Content-Type": "application/json", "Accept-Language": "zh-hans"}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def _server(scratch: Path):
    """gunicorn as `make run` starts it (Makefile `serve`), on a free loopback port, with this process's environment
    (the same DATABASE_URL and SHUANGFANG_VAR_DIR); stopped with SIGTERM afterwards, as Ctrl-C stops `make run`."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "shuangfang.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WEB_WORKERS),
        "--timeout",
        str(WEB_TIMEOUT),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        "127.0.0.1",
    ]
    log_path = scratch / "gunicorn.log"
    with log_path.open("wb") as log:
        # The command is this virtual environment's gunicorn with fixed arguments.
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {server.returncode}: {log_path.read_text()[-2000:]}")
                try:
                    _request(base_url, "GET", "/api/v1/me/", timeout=5)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not answer within 60 s") from None
                    time.sleep(0.2)
            yield base_url, server.pid
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _issue_tokens(base_url: str, officers: dict, password: str) -> dict[int, str]:
    """API tokens as a client gets them (POST /api/v1/auth/token/), each client from its own loopback address: the
    sign-in rate limit counts per address, and twenty phones are twenty addresses."""
    tokens = {}
    for number, (unit_id, officer) in enumerate(officers.items()):
        source = f"127.0.{1 + number // 250}.{1 + number % 250}"
        status, body = _request(
            base_url,
            "POST",
            "/api/v1/auth/token/",
            body={"username": officer.username, "password": password},
            source=source,
        )
        if status != 200:
            raise RuntimeError(f"token for {officer.username}: {status} {body[:300]!r}")
        tokens[unit_id] = json.loads(body)["token"]
    return tokens


def _warm_up(base_url: str, tokens: list[str]) -> None:
    """A few reads by every client at once, so that each worker has loaded the URLconf and opened its database
    connection before the clock starts (a server in service is warm)."""

    def read(token: str) -> None:
        for _ in range(3):
            status, body = _request(base_url, "GET", "/api/v1/investigation-tasks/?page_size=1", token=token)
            if status != 200:
                raise RuntimeError(f"warm-up read: {status} {body[:300]!r}")

    with ThreadPoolExecutor(max_workers=len(tokens)) as threads:
        list(threads.map(read, tokens))


# -- the load --------------------------------------------------------------------------------------------------------


def _cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _database_backends() -> list[int]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _run_locust(scratch: Path, base_url: str, clients: list[dict], server_pid: int, seconds: int, pace: float) -> dict:
    """locust, headless, in its own process: `-u N -r N -t Ss`, and up to 30 s for the requests in flight to finish
    when the time is up (their answers are counted like all others). `pace`: seconds from one request of a client to
    its next (0: the next as soon as the answer is in)."""
    phase = "bounded" if pace else "saturated"
    config = scratch / f"write_load_{phase}_clients.json"
    settings = {"clients": clients, "retry_every": RETRY_EVERY, "not_ok_every": NOT_OK_EVERY, "pace_seconds": pace}
    config.write_text(json.dumps(settings), encoding="utf-8")
    tally_path = scratch / f"write_load_{phase}_tally.json"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(len(clients)),
        "-r",
        str(len(clients)),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--host",
        base_url,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    environment = {**os.environ, "WRITE_LOAD_CONFIG": str(config), "WRITE_LOAD_TALLY": str(tally_path)}
    load_average = os.getloadavg()[0]  # what else the machine was doing just before
    workers = _children(server_pid)
    backends = _database_backends()
    server_cpu, database_cpu = _cpu_seconds(workers), _cpu_seconds(backends)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 — this interpreter, locust, fixed arguments
        command, env=environment, capture_output=True, text=True, timeout=seconds + 120
    )
    wall = time.perf_counter() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    backends = sorted(set(backends) | set(_database_backends()))
    cpu = {
        "load average": load_average,
        "server": _cpu_seconds(workers) - server_cpu,
        "database": _cpu_seconds(backends) - database_cpu,
        "load generator": (children_after.ru_utime + children_after.ru_stime)
        - (children_before.ru_utime + children_before.ru_stime),
        "wall": wall,
    }
    if finished.returncode != 0 or not tally_path.exists():
        raise RuntimeError(f"locust failed ({finished.returncode}): {finished.stderr[-3000:]}")
    return {"tally": json.loads(tally_path.read_text(encoding="utf-8")), "cpu": cpu}


# -- what was written ------------------------------------------------------------------------------------------------


def _high_water_marks() -> dict[str, int]:
    from shuangfang.hazards.models import CheckResult, Hazard

    return {
        "hazard": Hazard.objects.aggregate(top=Max("id"))["top"] or 0,
        "check_result": CheckResult.objects.aggregate(top=Max("id"))["top"] or 0,
    }


def _written_since(before: dict[str, int], officer_ids: list[int], task_ids: list[int]) -> dict[str, set[int]]:
    from shuangfang.hazards.models import CheckResult, Hazard, InvestigationTask

    return {
        "hazards": set(
            Hazard.objects.filter(pk__gt=before["hazard"], reported_by_id__in=officer_ids).values_list("pk", flat=True)
        ),
        "check_results": set(
            CheckResult.objects.filter(pk__gt=before["check_result"], checked_by_id__in=officer_ids).values_list(
                "pk", flat=True
            )
        ),
        "tasks_done": set(
            InvestigationTask.objects.filter(pk__in=task_ids, completed_at__isnull=False).values_list("pk", flat=True)
        ),
    }


def _bare_insert_bound(tally: dict) -> dict:
    """The same rows written again by bare SQL in this one process, one commit per request as the server commits
    them: each reported hazard alone; each submitted task's check results (and the hazards its failed items made)
    together. Into scratch tables with the same columns and indexes, dropped afterwards."""
    from shuangfang.hazards.models import CheckResult, Hazard

    hazard_table, result_table = Hazard._meta.db_table, CheckResult._meta.db_table
    copies = {hazard_table: "bench_write_bound_hazard", result_table: "bench_write_bound_checkresult"}
    reported = list(tally["report_hazards"])
    tasks = list(tally["tasks_done"])
    with connection.cursor() as cursor:
        for table, copy in copies.items():
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
            else:
                cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {table} WHERE 0 = 1")  # noqa: S608 — model tables
        insert_hazard = f"INSERT INTO {copies[hazard_table]} SELECT * FROM {hazard_table} WHERE id = %s"  # noqa: S608
        insert_results = f"INSERT INTO {copies[result_table]} SELECT * FROM {result_table} WHERE task_id = %s"  # noqa: S608
        insert_found = (
            f"INSERT INTO {copies[hazard_table]} SELECT * FROM {hazard_table} "  # noqa: S608
            f"WHERE check_result_id IN (SELECT id FROM {result_table} WHERE task_id = %s)"
        )
        report_ms, execute_ms = [], []
        try:
            started = time.perf_counter()
            for pk in reported:
                begun = time.perf_counter()
                with transaction.atomic():
                    cursor.execute(insert_hazard, [pk])
                report_ms.append((time.perf_counter() - begun) * 1000)
            for pk in tasks:
                begun = time.perf_counter()
                with transaction.atomic():
                    cursor.execute(insert_results, [pk])
                    cursor.execute(insert_found, [pk])
                execute_ms.append((time.perf_counter() - begun) * 1000)
            elapsed = time.perf_counter() - started
        finally:
            for copy in copies.values():
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
    commits = len(report_ms) + len(execute_ms)
    return {
        "report_p95": percentile(report_ms, 0.95) if report_ms else None,
        "execute_p95": percentile(execute_ms, 0.95) if execute_ms else None,
        "all_p95": percentile(report_ms + execute_ms, 0.95) if commits else None,
        "commits_per_second": commits / elapsed if commits and elapsed else None,
        "commits": commits,
        "seconds": elapsed if commits else 0.0,
    }


def _queries_per_request(officer, unit_pool: dict) -> dict[str, int]:
    """The SQL statements one hazard report and one check submission send through the whole stack (token
    authentication, idempotency key, the write, the event, the answer), counted in-process and rolled back."""
    import uuid

    from django.test import Client

    from shuangfang.accounts.models import ApiToken
    from shuangfang.hazards.models import InvestigationTask

    from .framework import QueryCounter

    counts: dict[str, int] = {}
    leftover = InvestigationTask.objects.filter(
        pk__in=[planned["id"] for planned in unit_pool["tasks"]], completed_at__isnull=True
    ).first()
    with transaction.atomic():
        _token, raw = ApiToken.issue(officer, timedelta(minutes=5))
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        body = {"equipment": unit_pool["equipment"][0], "description": "压测：计数查询", "location": "现场"}
        with QueryCounter() as counter:
            response = client.post(
                "/api/v1/hazards/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
            )
        if response.status_code == 201:
            counts[REPORT] = counter.count
        if leftover is not None:
            planned = next(planned for planned in unit_pool["tasks"] if planned["id"] == leftover.pk)
            body = {"version": leftover.version, "results": planned["results"], "note": ""}
            with QueryCounter() as counter:
                response = client.post(
                    f"/api/v1/investigation-tasks/{leftover.pk}/execute/",
                    body,
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
                )
            if response.status_code == 200:
                counts[EXECUTE + f" ({len(planned['results'])} items)"] = counter.count
        transaction.set_rollback(True)
    return counts


# -- the table -------------------------------------------------------------------------------------------------------


def _outcome(tally: dict) -> dict:
    """A phase's requests summed up: latencies by request, failures, and the throughput of successful writes from
    the first request sent to the last answer received (the run time plus the requests let finish)."""
    requests = tally["requests"]
    if not requests:
        raise RuntimeError("locust sent no request")
    first = min(started for _name, started, _milliseconds, _succeeded in requests)
    last = max(started + milliseconds / 1000 for _name, started, milliseconds, _succeeded in requests)
    writes = tally["reports"] + tally["executes"]
    return {
        "latencies": {
            "hazard report": [ms for name, _started, ms, _succeeded in requests if name == REPORT],
            "check submission": [ms for name, _started, ms, _succeeded in requests if name == EXECUTE],
            "all requests": [ms for _name, _started, ms, _succeeded in requests],
        },
        "requests": len(requests),
        "errors": sum(1 for *_rest, succeeded in requests if not succeeded),
        "writes": writes,
        "window": last - first,
        "throughput": writes / (last - first),
    }


def _spread(outcome: dict) -> str:
    return "; ".join(
        f"{name} p50 {percentile(samples, 0.5):,.0f} / p95 {percentile(samples, 0.95):,.0f} / "
        f"p99 {percentile(samples, 0.99):,.0f} ms ({len(samples):,})"
        for name, samples in outcome["latencies"].items()
        if samples
    )


def _cpu_line(cpu: dict, requests: int) -> str:
    per_request = {name: cpu[name] * 1000 / requests for name in ("server", "database", "load generator")}
    line = (
        f"{cpu['wall']:.0f} s × 2 CPUs = {2 * cpu['wall']:.0f} CPU-s; used by the gunicorn workers "
        f"{cpu['server']:.1f}, the PostgreSQL backends {cpu['database']:.1f}, locust {cpu['load generator']:.1f} "
        f"(per request {per_request['server']:.1f} + {per_request['database']:.1f} + "
        f"{per_request['load generator']:.1f} ms: the 2 CPUs alone would carry at most about "
        f"{2000 / sum(per_request.values()):,.0f} requests/s); load average just before {cpu['load average']:.1f}"
    )
    if cpu["load average"] > 2.5:
        line += " — other work was running on the machine, so latencies here are inflated by waiting for a CPU"
    return line


def _measurements(
    context: BenchContext, bounded: dict, saturated: dict | None, written: dict, bound: dict, queries: dict
) -> list[Measurement]:
    phases = [("bounded", bounded)] + ([("saturated", saturated)] if saturated else [])
    outcomes = {phase: _outcome(load["tally"]) for phase, load in phases}
    tallies = [load["tally"] for _phase, load in phases]
    kinds = ("hazards", "check_results", "tasks_done")
    answers = {kind: [pk for tally in tallies for pk in tally[kind]] for kind in kinds}
    answered = {kind: set(answers[kind]) for kind in kinds}
    lost = sum(len(answered[kind] - written[kind]) for kind in kinds)
    unanswered = sum(len(written[kind] - answered[kind]) for kind in kinds)
    doubled = sum(len(answers[kind]) - len(answered[kind]) for kind in kinds)
    reports = sum(tally["reports"] for tally in tallies)
    executes = sum(tally["executes"] for tally in tallies)
    replays = sum(tally["replays"] for tally in tallies)
    errors = sum(outcome["errors"] for outcome in outcomes.values())
    label, target = "bare INSERT, 1 process", f"≤ {TARGET_P95_MS:.0f} ms"
    lower = {"hazard report": bound["report_p95"], "check submission": bound["execute_p95"]}
    lower["all requests"] = bound["all_p95"]
    bounded_outcome = outcomes["bounded"]
    measurements = []
    for name, samples in bounded_outcome["latencies"].items():
        if not samples:
            continue
        p95 = percentile(samples, 0.95)
        case = f"{name} p95, {CLIENTS} clients × 1 per {PACE_SECONDS:g} s" + (
            " (with retries)" if name == "all requests" else ""
        )
        measurements.append(Measurement(BENCHMARK, case, p95, "ms", lower[name], label, target, p95 <= TARGET_P95_MS))
    if saturated:
        saturated_outcome = outcomes["saturated"]
        samples = saturated_outcome["latencies"]["all requests"]
        measurements.append(
            Measurement(
                BENCHMARK,
                f"capacity: throughput, {CLIENTS} clients closed loop",
                saturated_outcome["throughput"],
                "writes/s",
                bound["commits_per_second"],
                "bare INSERT commits, 1 process",
                "reported",
                True,
                note=f"{saturated_outcome['writes']:,} successful writes in {saturated_outcome['window']:.1f} s; "
                f"latency p50 {percentile(samples, 0.5):,.0f} / p95 {percentile(samples, 0.95):,.0f} ms = clients ÷ "
                "throughput (Little's law); the load generator shares the 2 CPUs with the server and the database",
            )
        )
    measurements += [
        Measurement(
            BENCHMARK, "errors (non-2xx, timeouts, wrong replays)", errors, "errors", None, "—", "0", errors == 0
        ),
        Measurement(
            BENCHMARK,
            "rows lost, unanswered or doubled",
            lost + unanswered + doubled,
            "rows",
            None,
            "—",
            "0 (database = answers)",
            lost + unanswered + doubled == 0,
        ),
    ]
    lines = [
        f"{CLIENTS} locust users (FastHttpUser), each a safety officer of a different unit with its own API token, "
        f"against gunicorn with {WEB_WORKERS} sync workers (the `make run` command) on loopback. Half the requests "
        "report a hazard (`POST /api/v1/hazards/`), half submit a daily check of one equipment with every checklist "
        "item answered (`POST /api/v1/investigation-tasks/{id}/execute/`); every POST carries a new Idempotency-Key, "
        f"and every {RETRY_EVERY}th is sent again with the same key and body and must be replayed, not executed "
        "twice. Latencies are measured by the clients, from sending the request to the whole answer.",
        "",
        f"- Bounded ({SECONDS} s, the target's phase): each client one request every {PACE_SECONDS:g} s, started at "
        f"spread moments: {bounded_outcome['requests']:,} requests, {bounded_outcome['throughput']:.1f} writes/s, "
        f"{bounded_outcome['errors']:,} failed. {_spread(bounded_outcome)}. "
        f"CPU: {_cpu_line(bounded['cpu'], bounded_outcome['requests'])}.",
    ]
    if saturated:
        lines.append(
            f"- Saturated (`-u {CLIENTS} -r {CLIENTS} -t {SATURATED_SECONDS}s`, closed loop, no think time): "
            f"{saturated_outcome['requests']:,} requests in {saturated_outcome['window']:.1f} s, "
            f"{saturated_outcome['errors']:,} failed. {_spread(saturated_outcome)}. "
            f"CPU: {_cpu_line(saturated['cpu'], saturated_outcome['requests'])}. Without think time the mean latency "
            f"is {CLIENTS} clients ÷ throughput (Little's law), so this phase measures what the server carries, "
            "not what a user waits."
        )
    lines += [
        f"- Written (both phases): hazards {len(written['hazards']):,} in the database, "
        f"{len(answered['hazards']):,} in answers ({reports:,} reports, {len(answered['hazards']) - reports:,} from "
        f"failed check items); check results {len(written['check_results']):,} in the database, "
        f"{len(answered['check_results']):,} in answers; tasks done {len(written['tasks_done']):,} in the database, "
        f"{executes:,} answered. Lost: {lost}, written without an answer: {unanswered}, answered twice: {doubled}. "
        f"Retries answered from the key store: {replays:,}.",
        f"- Lower bound: the rows of the bounded phase written again by bare `INSERT … SELECT` into copies of the "
        f"tables with the same indexes, one commit per request, in one process: {bound['commits']:,} commits in "
        f"{bound['seconds']:.2f} s.",
        "- The load generator runs on the same 2 CPUs as the server and the database, so these figures understate a "
        "dedicated application server.",
    ]
    if queries:
        lines.append(
            "- SQL statements per request, through the whole stack: "
            + "; ".join(f"{name}: {count}" for name, count in queries.items())
            + "."
        )
    failures: dict[str, int] = {}
    for tally in tallies:
        for failure, count in tally["failures"].items():
            failures[failure] = failures.get(failure, 0) + count
    if failures:
        lines += ["", "Failures:", ""] + [
            f"- {count}× {failure}" for failure, count in sorted(failures.items(), key=lambda item: -item[1])[:10]
        ]
    context.add_section("6 write load: hazard reports and check submissions under load", "\n".join(lines))
    return measurements
