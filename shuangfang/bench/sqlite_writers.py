"""Benchmark 8: the embedded SQLite default under 8 concurrent writer processes for 10 s — platform transactions
(hazards reported and equipment updated through the services, each with its event) against an SQLite file
configured exactly as settings.py configures one, beside bare sqlite3 INSERT commits with the same pragmas, and
the same platform writes under DEFERRED transactions for comparison.

The parent runs in whatever database the suite runs on; the writers and their database live in the scratch folder:
`python -m shuangfang.bench.sqlite_writers setup|worker …` with DATABASE_URL naming the scratch file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

from .framework import BenchContext, Measurement, percentile

TITLE = "SQLite default: 8 writer processes for 10 s, zero 'database is locked'"

BENCHMARK = "8 SQLite writers"
WRITERS = 8
SECONDS = 10.0
WORKER_START_TIMEOUT = 300  # Django starting in 8 processes at once on a busy 2-core machine
BARE_TABLE = "bench_bare_write"
# settings.py's init_command, applied by hand to the bare connections: the lower bound pays the same pragmas.
BARE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=20000")

# mode → (writers, what they do)
MODES = {
    "platform": (WRITERS, "platform writes, as configured (IMMEDIATE)"),
    "bare": (WRITERS, "bare sqlite3 INSERT commits, same pragmas"),
    "deferred": (WRITERS, "platform writes, DEFERRED"),
    "alone": (1, "platform writes, one writer alone (the serial cost)"),
}


# --- the parent: inside the suite -------------------------------------------------------------------------------


def _environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SHUANGFANG_VAR_DIR": str(database.parent / "var"),  # the writers share one secret key and task queue
        "DJANGO_SETTINGS_MODULE": "shuangfang.settings",
    }


def _command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", __name__, *arguments]


def _run_writers(database: Path, mode: str, writers: int, seconds: float) -> list[dict]:
    """Start `writers` processes, wait until each is ready (Django set up, fixture read), start them together and
    collect what each counted."""
    environment = _environment(database)
    processes = [
        subprocess.Popen(  # noqa: S603 — this interpreter running this module
            _command("worker", mode, str(index), str(seconds)),
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(writers)
    ]
    try:
        for process in processes:
            line = process.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a {mode} writer did not start: {line!r}")
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            output, _ = process.communicate(timeout=seconds + WORKER_START_TIMEOUT)
            if process.returncode != 0:
                raise RuntimeError(f"a {mode} writer failed with exit code {process.returncode}")
            results.append(json.loads(output.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def _summary(results: list[dict], seconds: float) -> dict:
    latencies = [latency for result in results for latency in result["latencies_ms"]]
    return {
        "commits": sum(result["commits"] for result in results),
        "commits_per_s": sum(result["commits"] for result in results) / seconds,
        "locked": sum(result["locked"] for result in results),
        "other_errors": sum(result["other_errors"] for result in results),
        "error_samples": sorted({sample for result in results for sample in result["error_samples"]})[:3],
        "p95_ms": percentile(latencies, 0.95) if latencies else 0.0,
        "p50_ms": percentile(latencies, 0.5) if latencies else 0.0,
        "max_ms": max(latencies, default=0.0),
    }


def run(context: BenchContext) -> list[Measurement]:
    database = context.scratch / "writers" / "writers.sqlite3"
    database.parent.mkdir(parents=True, exist_ok=True)
    context.report(f"  migrate and a small fixture into {database}")
    started = time.perf_counter()
    subprocess.run(_command("setup"), env=_environment(database), check=True)  # noqa: S603 — as above
    context.report(f"  ready in {time.perf_counter() - started:.0f} s")

    summaries = {}
    configurations = set()
    for mode, (writers, label) in MODES.items():
        results = _run_writers(database, mode, writers, SECONDS)
        if mode == "platform":
            configurations = {json.dumps(result["configuration"], sort_keys=True) for result in results}
        summaries[mode] = _summary(results, SECONDS)
        figures = summaries[mode]
        context.report(
            f"  {label}: {figures['commits']:,} writes ({figures['commits_per_s']:,.0f}/s), "
            f"{figures['locked']:,} 'database is locked', {figures['other_errors']:,} other errors, "
            f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, max {figures['max_ms']:,.0f} ms"
        )
    platform, bare, deferred, alone = (summaries[mode] for mode in ("platform", "bare", "deferred", "alone"))
    errors = platform["locked"] + platform["other_errors"]
    # What each writer's connection really ran with, read back from SQLite: the settings, not an assumption.
    configuration = ", ".join(f"{name} {value}" for name, value in json.loads(sorted(configurations)[0]).items()) + (
        "" if len(configurations) == 1 else " (the writers differed!)"
    )
    setup = f"{WRITERS} processes × {SECONDS:.0f} s; each writer's connection: {configuration}"
    transaction_note = (
        "the writers' transactions alternate: a hazard reported through hazards.services.do_report_hazard (the "
        "hazard, its event, the reviewers' notifications, the equipment's counts) and the equipment's site changed "
        "through equipment.services.do_update_equipment (the row re-read under the lock, version checked, saved, "
        "its event)"
    )
    measurements = [
        Measurement(
            BENCHMARK,
            "lock errors",
            errors,
            "errors",
            None,
            "",
            "0",
            errors == 0,
            f"{setup}; {platform['locked']:,} 'database is locked', {platform['other_errors']:,} other"
            + (f" ({'; '.join(platform['error_samples'])})" if platform["error_samples"] else "")
            + f"; DEFERRED instead: {deferred['locked']:,} 'database is locked' with {deferred['commits']:,} commits",
        ),
        Measurement(
            BENCHMARK,
            "writes/s, all writers",
            platform["commits_per_s"],
            "writes/s",
            bare["commits_per_s"],
            "bare INSERT commits",
            "— (0 errors is the target)",
            True,
            transaction_note,
        ),
        Measurement(
            BENCHMARK,
            "transaction p95",
            platform["p95_ms"],
            "ms",
            bare["p95_ms"],
            "bare INSERT commits",
            "— (timeout 20 s)",
            True,
            "each service call timed whole: waiting for the write lock, the transaction, and the work the service "
            "does after its commit (an equipment change refreshes the unit's compliance in a transaction of its own)",
        ),
    ]
    context.add_section(
        "8 SQLite writers",
        "| Mode | Writes | Writes/s | 'database is locked' | Other errors | p50 | p95 | max |\n"
        "|---|---|---|---|---|---|---|---|\n"
        + "\n".join(
            f"| {MODES[mode][1]} | {s['commits']:,} | {s['commits_per_s']:,.0f} | {s['locked']:,} | "
            f"{s['other_errors']:,} | {s['p50_ms']:.2f} ms | {s['p95_ms']:.2f} ms | {s['max_ms']:,.0f} ms |"
            for mode, s in summaries.items()
        )
        + f"\n\n{setup}; {transaction_note}. A waiting writer polls for the lock with growing sleeps (SQLite's "
        "busy handler), not in a queue, so the tail of the latencies is long while the median stays near the serial "
        "cost; the maximum is what to hold against the 20 s timeout. IMMEDIATE takes the write lock at BEGIN, so "
        "a writer waits (up to the 20 s timeout) before it has read anything; under DEFERRED a transaction reads "
        "first and its upgrade to a write lock fails at once when another writer committed in between — the busy "
        "timeout does not help, and the service call fails with 'database is locked'. SQLite runs one writer at a "
        "time: the writes/s are the serial cost of one write, whatever the number of writers "
        f"({alone['commits_per_s']:,.0f}/s, p50 {alone['p50_ms']:.1f} ms, for one writer alone).",
    )
    return measurements


# --- the children: their own process, their own settings --------------------------------------------------------


def _setup() -> None:
    """Migrate the scratch database and create one use unit per writer, each with its people and one equipment."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from shuangfang.core.testing import make_equipment, make_organization, make_user

    call_command("migrate", verbosity=0)
    for index in range(WRITERS):
        unit = make_organization(f"写入测试单位{index}", "use_unit", "140525", seed=900 + index)
        make_user(f"writer_officer_{index}", unit, "safety_officer")
        make_user(f"writer_director_{index}", unit, "safety_director")
        make_user(f"writer_principal_{index}", unit, "principal")
        make_equipment(unit, f"3110140525209{index:06d}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {BARE_TABLE} (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, n INTEGER NOT NULL, "
            "at REAL NOT NULL, payload TEXT NOT NULL)"
        )


def _wait_for_go() -> None:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no start signal")


def _is_locked(error: Exception) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _platform_worker(index: int, seconds: float, transaction_mode: str | None) -> dict:
    """Platform writes as the settings configure the connection, or with another transaction mode."""
    import django

    django.setup()
    from django.db import OperationalError, connection

    from shuangfang.accounts.models import User
    from shuangfang.equipment.models import Equipment
    from shuangfang.equipment.services import do_update_equipment
    from shuangfang.hazards.services import do_report_hazard

    if transaction_mode is not None:
        connection.settings_dict["OPTIONS"]["transaction_mode"] = transaction_mode
    configuration = {}
    with connection.cursor() as cursor:
        for name in ("journal_mode", "synchronous", "busy_timeout"):
            cursor.execute(f"PRAGMA {name}")
            configuration[name] = cursor.fetchone()[0]
    configuration["transactions"] = connection.transaction_mode or "DEFERRED"
    officer = User.objects.get(username=f"writer_officer_{index}")
    equipment = Equipment.objects.get(organization=officer.organization)
    counts = {"commits": 0, "locked": 0, "other_errors": 0, "latencies_ms": [], "error_samples": []}
    counts["configuration"] = configuration
    _wait_for_go()
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        # Turn about: a hazard reported (writes first), then the equipment's site changed (reads the row, then
        # writes it — the shape that DEFERRED transactions cannot survive under concurrent writers).
        if n % 2:
            description = f"写入测试：第 {n} 条隐患（写入者 {index}）"
            write = partial(do_report_hazard, actor=officer, equipment=equipment, description=description)
        else:
            version = Equipment.objects.values_list("version", flat=True).get(pk=equipment.pk)  # as a client read it
            write = partial(
                do_update_equipment,
                actor=officer,
                equipment=equipment,
                changes={"site": f"{n} 号库房"},
                expected_version=version,
            )
        started = time.perf_counter()
        try:
            write()
        except OperationalError as error:
            counts["locked" if _is_locked(error) else "other_errors"] += 1
            if len(counts["error_samples"]) < 3:
                counts["error_samples"].append(str(error)[:120])
            continue
        counts["latencies_ms"].append((time.perf_counter() - started) * 1000)
        counts["commits"] += 1
    return counts


def _bare_worker(index: int, seconds: float) -> dict:
    import sqlite3

    database = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
    connection = sqlite3.connect(database, timeout=20, isolation_level=None)
    for pragma in BARE_PRAGMAS:
        connection.execute(pragma)
    counts = {"commits": 0, "locked": 0, "other_errors": 0, "latencies_ms": [], "error_samples": []}
    _wait_for_go()
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        started = time.perf_counter()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                f"INSERT INTO {BARE_TABLE} (writer, n, at, payload) VALUES (?, ?, ?, ?)",  # noqa: S608 — a constant
                (index, n, time.time(), f"写入测试：第 {n} 条（写入者 {index}）"),
            )
            connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            counts["locked" if _is_locked(error) else "other_errors"] += 1
            if len(counts["error_samples"]) < 3:
                counts["error_samples"].append(str(error)[:120])
            continue
        counts["latencies_ms"].append((time.perf_counter() - started) * 1000)
        counts["commits"] += 1
    connection.close()
    return counts


def _main(arguments: list[str]) -> None:
    if arguments[0] == "setup":
        _setup()
        return
    _, mode, index, seconds = arguments
    if mode == "bare":
        counts = _bare_worker(int(index), float(seconds))
    else:
        counts = _platform_worker(int(index), float(seconds), "DEFERRED" if mode == "deferred" else None)
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1:])
