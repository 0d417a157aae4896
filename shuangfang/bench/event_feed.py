"""Benchmark 7: the change feed read end to end by the province regulator, page after page through `next`, against
the same keyset scan sent as raw SQL."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from shuangfang.accounts.models import ApiToken
from shuangfang.core.api.views import EventViewSet
from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of

from .framework import BenchContext, Measurement, allowed_request, explain, percentile

TITLE = "Event feed: 1,000,000 events read through the API in keyset pages"

BENCHMARK = "7 event feed"
TARGET_EVENTS = 1_000_000
TARGET_RATE = 20_000  # events/s
READER = "province"  # the demo province regulator: its feed is every event located in the province
COUNTY_READER = "county_zezhou"  # a county's feed: a thin slice of the log, where a LIKE scan would hurt
COUNTY_EVENTS = 200_000

# The columns the feed answers with, read the way a hand-written keyset scan would read them: a region prefix, or
# the whole code of a county.
COLUMNS = "seq, at, type, outcome, actor_name, object_type, object_id, organization_id, region_code, data"
KEYSET_SQL = f"SELECT {COLUMNS} FROM core_event WHERE region_code LIKE %s AND seq > %s ORDER BY seq LIMIT %s"  # noqa: S608
COUNTY_KEYSET_SQL = f"SELECT {COLUMNS} FROM core_event WHERE region_code = %s AND seq > %s ORDER BY seq LIMIT %s"  # noqa: S608


def _read_feed(client, page_size: int, wanted: int) -> tuple[int, list[float], int]:
    """Follow `next` from the start of the feed as an API client does (request, parse, next) until `wanted` events
    are read or the feed ends. Returns the events read, each page's seconds and the last seq read."""
    url = f"/api/v1/events/?limit={page_size}"
    read, page_seconds, last_seq = 0, [], 0
    while url and read < wanted:
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:200]!r}")
        page = json.loads(response.content)
        page_seconds.append(time.perf_counter() - started)
        read += len(page["results"])
        last_seq = page["last_seq"]
        url = page["next"]
    return read, page_seconds, last_seq


def _keyset(prefix: str) -> tuple[str, str]:
    """The raw keyset SQL for a regulator's prefix and the value it takes."""
    if len(prefix) == Event._meta.get_field("region_code").max_length:
        return COUNTY_KEYSET_SQL, prefix
    return KEYSET_SQL, prefix + "%"


def _scan_raw(prefix: str, page_size: int, wanted: int) -> tuple[int, list[float]]:
    """The same pages as a bare keyset scan on the cursor: no HTTP, no view, no JSON."""
    read, after, page_seconds = 0, 0, []
    sql, region = _keyset(prefix)
    with connection.cursor() as cursor:
        while read < wanted:
            started = time.perf_counter()
            cursor.execute(sql, [region, after, page_size])
            rows = cursor.fetchall()
            page_seconds.append(time.perf_counter() - started)
            if not rows:
                break
            read += len(rows)
            after = rows[-1][0]
    return read, page_seconds


@dataclass
class FeedRun:
    reader: str
    prefix: str
    visible: int
    read: int
    seconds: float
    cpu_seconds: float
    pages: list[float]
    raw_read: int
    raw_seconds: float
    raw_pages: list[float]
    last_seq: int

    @property
    def rate(self) -> float:
        return self.read / self.seconds

    @property
    def raw_rate(self) -> float:
        return self.raw_read / self.raw_seconds


def _measure(context: BenchContext, username: str, most: int, page_size: int) -> FeedRun:
    reader = get_user_model().objects.get(username=username)
    scope = scope_of(reader)
    if scope.kind != ScopeKind.REGULATOR:
        raise RuntimeError(f"{username} should be a regulator; its scope is {scope}")
    visible = Event.objects.visible_to(reader).count()
    wanted = min(most, visible)
    context.report(f"  {username} (prefix {scope.region_prefix}) sees {visible:,} events; reading {wanted:,}")

    # A system reading the feed signs in once and sends its token (API contract, Authentication), as here. The
    # feed's `next` links name the host the request came in on.
    token, raw_token = ApiToken.issue(reader, timedelta(hours=1))
    client = Client(HTTP_AUTHORIZATION=f"Token {raw_token}", **allowed_request())
    try:
        _read_feed(client, page_size, page_size * 2)  # warm the connection, the URL resolver and the caches
        cpu_started, started = time.process_time(), time.perf_counter()
        read, pages, last_seq = _read_feed(client, page_size, wanted)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        token.delete()

    _scan_raw(scope.region_prefix, page_size, page_size * 2)
    started = time.perf_counter()
    raw_read, raw_pages = _scan_raw(scope.region_prefix, page_size, read)
    raw_seconds = time.perf_counter() - started
    context.report(
        f"  API: {read:,} events, {len(pages)} pages of {page_size:,} in {seconds:.1f} s "
        f"({cpu_seconds:.1f} s CPU in this process); raw SQL: {raw_read:,} in {raw_seconds:.1f} s"
    )
    return FeedRun(
        username,
        scope.region_prefix,
        visible,
        read,
        seconds,
        cpu_seconds,
        pages,
        raw_read,
        raw_seconds,
        raw_pages,
        last_seq,
    )


def run(context: BenchContext) -> list[Measurement]:
    page_size = EventViewSet.max_limit  # the largest page the feed gives
    province = _measure(context, READER, TARGET_EVENTS, page_size)
    county = _measure(context, COUNTY_READER, COUNTY_EVENTS, page_size)

    fewer = (
        ""
        if province.read >= TARGET_EVENTS
        else f"the database holds only {province.visible:,} events the reader may see, so {province.read:,} were "
        "read, not 1,000,000; "
    )
    common = (
        f"pages of {page_size:,} (the largest the feed allows) with an API token, following `next`; each page timed "
        "from request to parsed JSON; lower bound: the same keyset pages as raw SQL on the cursor"
    )

    def detail(feed: FeedRun) -> str:
        return (
            f"reader `{feed.reader}` (region prefix {feed.prefix}); {feed.cpu_seconds:.1f} s of the "
            f"{feed.seconds:.1f} s were CPU time of this process (server and client share it: "
            f"{feed.read / feed.cpu_seconds:,.0f} events per CPU second, the rest is waiting for the database and "
            f"for a core); page p95 "
            f"{percentile(feed.pages, 0.95) * 1000:,.0f} ms (raw SQL {percentile(feed.raw_pages, 0.95) * 1000:,.1f} ms)"
        )

    measurements = [
        Measurement(
            BENCHMARK,
            f"province, {province.read:,} events",
            province.rate,
            "events/s",
            province.raw_rate,
            "raw SQL keyset scan",
            f"≥ {TARGET_RATE:,} events/s",
            province.rate >= TARGET_RATE,
            f"{fewer}{detail(province)}; {common}",
        ),
        Measurement(
            BENCHMARK,
            "province, pages/s",
            len(province.pages) / province.seconds,
            "pages/s",
            len(province.raw_pages) / province.raw_seconds,
            "raw SQL keyset scan",
            f"≥ {TARGET_RATE / page_size:,.0f} pages/s",
            len(province.pages) / province.seconds >= TARGET_RATE / page_size,
        ),
    ]

    sections = []
    for feed in (province, county):
        sql, region = _keyset(feed.prefix)
        middle = max(0, feed.last_seq // 2)
        plan = explain(sql, [region, middle, page_size])
        sections.append(f"Plan of one page of `{feed.reader}` (after = {middle:,}):\n\n```\n{plan}\n```")
    context.add_section(
        "7 event feed: the keyset page",
        "A page is `WHERE <the reader's scope> AND seq > <after> ORDER BY seq LIMIT <page + 1>`. A province or city "
        "reader's scope is a region prefix (`LIKE '14%'`): the primary key is walked from `after` and the few rows "
        "of other provinces are filtered out, so every page costs the same however deep the reader is in the feed. "
        "A county's prefix is its whole code, so its scope is written as equality, which lets the planner read the "
        "page as a range of the (region_code, seq) index; a LIKE leaves it only the walk of the whole log filtered "
        "to one county's rows. At scale 10 with a million events copied in, where the demo's busiest county held 4 % "
        "of the log, the planner still preferred the walk with the default random_page_cost 4; with the SSD value "
        "1.1 it took the index: 29 ms instead of 76 ms a page. The fewer of the log a county holds, the more the "
        "index wins.\n\n"
        f"{detail(county)[0].upper() + detail(county)[1:]}: {county.read:,} events at {county.rate:,.0f} events/s "
        f"(raw SQL {county.raw_rate:,.0f} events/s).\n\n"
        "The view reads the ten columns it "
        "answers with as tuples (the timestamp as integer microseconds, `data` as the JSON text stored) and writes "
        "the page's JSON itself; model instances, the serializer's per-field calls, Django's per-row timestamp "
        "parsing and decoding `data` only to encode it again took most of the time before: at scale 10 with a "
        "million events copied in, the serializer-based view gave about 8,900 events/s in this benchmark against "
        "about 37,000 events/s after, on the same (busy) machine.\n\n" + "\n\n".join(sections),
    )
    return measurements
