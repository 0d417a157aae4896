"""Benchmark 1: the regulator summary (监管驾驶舱) for a province, a city and a county, through the API and the HTML
page, beside the raw SQL of the summary-cell queries the request sends (its lower bound).

The figures must come from the summary cells: a request that groups raw rows (equipment, risks, hazards, tasks)
would grow with the province, so any such query in the request path is reported as a miss."""

from __future__ import annotations

import re
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .framework import BenchContext, Measurement, explain, percentile, signed_in_client, timed_ms

TITLE = "Regulator summary (监管驾驶舱)"
BENCHMARK = "1 regulator summary"
SAMPLES = 150
WARMUP = 10
TARGET_MS = 300.0
# The province, a city and a county, each as the demo regulator of that level.
REGULATORS = (("province", "province"), ("city", "city_jincheng"), ("county", "county_zezhou"))
# Tables whose rows a summary must never group in the request path.
RAW_TABLES = (
    "equipment_equipment",
    "risks_risk",
    "hazards_hazard",
    "hazards_listing",
    "hazards_investigationtask",
    "hazards_checkresult",
    "orgs_organization",
)
SUMMARY_TABLE = "supervision_summarycell"


def _captured(client, url: str) -> tuple[int, list[str]]:
    """The status of one request and the SQL it sent (parameters inlined as the database received them)."""
    with CaptureQueriesContext(connection) as capture:
        response = client.get(url)
    return response.status_code, [query["sql"] for query in capture.captured_queries]


def _is_raw_grouping(sql: str) -> bool:
    lowered = sql.lower()
    if "group by" not in lowered and "count(" not in lowered and "sum(" not in lowered:
        return False
    return any(re.search(rf'\b"?{table}"?\b', lowered) for table in RAW_TABLES)


def explain_captured(sql: str) -> str:
    """EXPLAIN of a captured statement: its literal "%" (a LIKE pattern) escaped, as it carries no parameters."""
    return explain(sql.replace("%", "%%"))


def _statements_ms(statements: list[str], repeat: int) -> list[float]:
    """The lower bound of a request: the summary queries it sent, run back to back on the cursor, all rows fetched.
    The SQL is run as captured (no parameters), so a literal "%" of a LIKE stays as it is."""

    def run():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return timed_ms(run, repeat, warmup=WARMUP)


def _request_ms(client, url: str) -> list[float]:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    return timed_ms(get, SAMPLES, warmup=WARMUP)


def _summary_statements(statements: list[str]) -> list[str]:
    return [sql for sql in statements if SUMMARY_TABLE in sql]


def _hot_query(statements: list[str]) -> str:
    """The summary query that groups the cells (the one whose cost grows with the region's cell count)."""
    grouped = [sql for sql in _summary_statements(statements) if "GROUP BY" in sql.upper()]
    return grouped[0] if grouped else _summary_statements(statements)[0]


def _cell_count(prefix: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SUMMARY_TABLE} WHERE region_code LIKE %s", [prefix + "%"])  # noqa: S608
        return cursor.fetchone()[0]


def _level_prefix(username: str) -> str:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.select_related("organization__jurisdiction").get(username=username)
    return user.organization.jurisdiction.prefix


def run(context: BenchContext) -> list[Measurement]:
    measurements: list[Measurement] = []
    api_url = reverse("api-supervision-summary")
    page_url = reverse("supervision:cockpit")
    notes = []
    plans = []
    for level, username in REGULATORS:
        client = signed_in_client(username)
        prefix = _level_prefix(username)
        cells = _cell_count(prefix)
        raw_aggregates = 0
        for face, url in (("API", api_url), ("page", page_url)):
            status, statements = _captured(client, url)
            if status != 200:
                raise RuntimeError(f"{username} {url} answered {status}")
            raw_grouping = [sql for sql in statements if _is_raw_grouping(sql)]
            summary_sql = _summary_statements(statements)
            started = time.perf_counter()
            samples = _request_ms(client, url)
            context.report(f"  {level} {face}: {len(samples)} requests in {time.perf_counter() - started:.1f} s")
            bound = _statements_ms(summary_sql, SAMPLES)
            p95 = percentile(samples, 0.95)
            note = (
                f"{username}, {len(statements)} queries a request ({len(summary_sql)} on the summary cells, "
                f"{cells:,} cells under {prefix or 'all'}); p50 {percentile(samples, 0.5):.1f} ms"
            )
            if raw_grouping:
                note += f"; {len(raw_grouping)} aggregate(s) over raw rows in the request path"
            measurements.append(
                Measurement(
                    benchmark=BENCHMARK,
                    case=f"{level} {face} p95",
                    figure=p95,
                    unit="ms",
                    lower_bound=percentile(bound, 0.95),
                    lower_bound_label="raw SQL (summary queries)",
                    target=f"≤ {TARGET_MS:.0f} ms",
                    met=p95 <= TARGET_MS and not raw_grouping,
                    note=note,
                )
            )
            raw_aggregates += len(raw_grouping)
            if face == "API":
                notes.append(
                    f"- {level} ({username}): {len(statements)} queries a request, "
                    f"{len(summary_sql)} on `{SUMMARY_TABLE}`, {len(raw_grouping)} aggregates over raw rows."
                )
                plans.append(
                    f"-- {level} ({username})\n{_hot_query(statements)}\n\n{explain_captured(_hot_query(statements))}"
                )
        measurements.append(
            Measurement(
                benchmark=BENCHMARK,
                case=f"{level} aggregates over raw rows (API + page)",
                figure=raw_aggregates,
                unit="queries",
                lower_bound=None,
                lower_bound_label="—",
                target="0 (summary cells only)",
                met=raw_aggregates == 0,
            )
        )
    context.add_section(
        "1 Regulator summary: the queries of a request",
        "The API (`GET /api/v1/supervision/summary/`) and the cockpit page answer from the summary cells "
        "(`SummaryCell`, rebuilt every few minutes by a set-based job) with a fixed number of queries; no request "
        "groups the raw equipment, risk or hazard rows.\n\n" + "\n".join(notes),
    )
    context.add_section(
        "1 Regulator summary: EXPLAIN of the cell grouping",
        "```\n" + "\n\n".join(plans) + "\n```",
    )
    return measurements
