"""What every benchmark shares: a measurement row, percentiles, a timer, peak memory of a child process, the machine
description and the table written into docs/performance.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import connection


@dataclass
class Measurement:
    """One row of the table: the platform's figure, the lower bound measured beside it, and the target."""

    benchmark: str  # "1 regulator summary", …
    case: str  # "province p95", …
    figure: float
    unit: str  # "ms", "s", "MB", "events/s", "errors"
    lower_bound: float | None
    lower_bound_label: str  # what the bound is: "raw SQL", "calamine parse", "COPY"
    target: str  # "≤ 300 ms"
    met: bool
    note: str = ""

    @property
    def ratio(self) -> str:
        if self.lower_bound in (None, 0):
            return "—"
        return f"{self.figure / self.lower_bound:,.1f}×"


@dataclass
class BenchContext:
    """Where the benchmarks run: the generated database's size, a scratch folder, and extra text for the document
    (EXPLAIN plans, notes) that each benchmark may add."""

    scratch: Path
    scale: str
    sections: dict[str, str] = field(default_factory=dict)
    report: Callable[[str], None] = print

    def add_section(self, title: str, text: str) -> None:
        self.sections[title] = text


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 200 samples is the 190th smallest)."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed:` … `elapsed[0]` holds the seconds afterwards."""
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)


def timed_ms(function: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds of each of `repeat` calls after `warmup` unmeasured ones (the caches a server keeps warm)."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def raw_sql_ms(sql: str, params: list | tuple = (), repeat: int = 50, warmup: int = 3) -> list[float]:
    """The lower bound of a query: the same SQL sent on the cursor, all rows fetched, no ORM, no HTTP."""

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return timed_ms(run, repeat, warmup)


def explain(sql: str, params: list | tuple = ()) -> str:
    """The plan the database chose, with actual times on PostgreSQL."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(row[0] for row in rows)
    return "\n".join(" ".join(str(part) for part in row) for row in rows)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "?"


def database_description() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            settings = {}
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "synchronous_commit"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
            knobs = ", ".join(f"{key} {value}" for key, value in settings.items())
            return f"PostgreSQL {version} ({knobs}); database {size}"
        cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
        path = Path(connection.settings_dict["NAME"])
        size = path.stat().st_size / 1024 / 1024 if path.exists() else 0
        return f"SQLite {version} (WAL, IMMEDIATE transactions); database {size:,.0f} MB"


def vacuum_database(report) -> None:
    """VACUUM (ANALYZE) of the database after a benchmark that wrote, on PostgreSQL. Rows it removed or rolled back
    stay behind as dead versions, and every page it touched is no longer marked all-visible, so the counts of the
    benchmarks after it would read the table instead of the index alone (a province's hazard count went from 40 ms to
    270 ms after benchmark 3's rolled-back run) until autovacuum came by. Each benchmark then finds the database as a
    served one is between its nightly writes; a database with nothing to clean takes about 11 s."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    report(f"  VACUUM (ANALYZE) after the benchmark's writes: {time.perf_counter() - started:.1f} s")


def queue_description() -> str:
    from django.conf import settings

    return "Huey on Redis" if settings.REDIS_URL else "Huey on SQLite"


def machine_description() -> str:
    import django

    return (
        f"{os.cpu_count()} CPU ({_cpu_model()}), {_memory_gib()} RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Django {django.get_version()}; {database_description()}; "
        f"{queue_description()}"
    )


def format_figure(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("errors", "rows", "queries"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}" if abs(value) < 10 else f"{value:,.1f} {unit}"


TABLE_HEADER = ["Benchmark", "Case", "Figure", "Lower bound", "Bound is", "Ratio", "Target", "Met"]


def table_rows(measurements: list[Measurement]) -> list[list[str]]:
    return [
        [
            m.benchmark,
            m.case,
            format_figure(m.figure, m.unit),
            format_figure(m.lower_bound, m.unit) if m.lower_bound is not None else "—",
            m.lower_bound_label,
            m.ratio,
            m.target,
            "yes" if m.met else "**no**",
        ]
        for m in measurements
    ]


def markdown_table(measurements: list[Measurement]) -> str:
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(measurements)]
    notes = [f"- {m.benchmark}, {m.case}: {m.note}" for m in measurements if m.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def text_table(measurements: list[Measurement]) -> str:
    rows = [TABLE_HEADER] + [[cell.replace("**", "") for cell in row] for row in table_rows(measurements)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(TABLE_HEADER))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def write_document(path: Path, measurements: list[Measurement], context: BenchContext, counts: dict[str, int]) -> None:
    """Replace the measured part of docs/performance.md (between the bench markers) and keep the prose around it."""
    generated = [
        BEGIN,
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `make bench` on {context.scale}.",
        "",
        f"**Machine:** {machine_description()}",
        "",
        "**Data:** " + ", ".join(f"{name} {count:,}" for name, count in counts.items()),
        "",
        markdown_table(measurements),
        "",
    ]
    for title, text in context.sections.items():
        generated += [f"### {title}", "", text.rstrip(), ""]
    generated.append(END)
    block = "\n".join(generated)
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n" + BEGIN + "\n" + END + "\n"
    if BEGIN not in existing:
        existing = existing.rstrip() + "\n\n" + BEGIN + "\n" + END + "\n"
    updated = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _match: block, existing, flags=re.S)
    path.write_text(updated, encoding="utf-8")


def allowed_request() -> dict:
    """Test-client defaults naming a host the settings allow (the client's "testserver" is refused outside tests),
    over HTTPS where plain HTTP is redirected."""
    from django.conf import settings

    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"]
    defaults = {"HTTP_HOST": hosts[0] if hosts else "localhost"}
    if getattr(settings, "SECURE_SSL_REDIRECT", False):
        defaults.update({"wsgi.url_scheme": "https", "SERVER_PORT": "443"})
    return defaults


def signed_in_client(username: str):
    """A Django test client signed in as a demo account, its second factor passed: requests go through the whole
    middleware stack, the views and the serializers, as over HTTP, without the socket."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from shuangfang.accounts.middleware import TWO_FACTOR_VERIFIED

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", **allowed_request())
    client.force_login(get_user_model().objects.get(username=username))
    session = client.session
    session[TWO_FACTOR_VERIFIED] = True
    session.save()
    return client


class QueryCounter:
    """Counts the queries a block sends (the suite's query-count checks, outside a test)."""

    def __enter__(self):
        from django.test.utils import CaptureQueriesContext

        self._capture = CaptureQueriesContext(connection)
        self._capture.__enter__()
        return self

    def __exit__(self, *exc):
        self._capture.__exit__(*exc)
        self.count = len(self._capture.captured_queries)
        return False
