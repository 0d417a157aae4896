"""The annual assessment of the regions below a regulator (考核, 晋市监发〔2022〕116号 四).

`compute_assessment` measures every indicator of rules_assessment for every child region of a jurisdiction with one
grouped query per source table (units, equipment, hazards, listings, daily tasks, accidents) — the same number of
queries for two counties as for a province of a hundred, however many rows they hold — then scores and ranks them.
`do_run_assessment` stores the result as RegionalAssessment rows (one per region and year, replaced when run again)
with the generated notice (通报) of each region.

Rows sit on the county they are registered in; a province's children are cities and possibly directly administered
county-level cities, so rows are grouped on the longest child prefix and rolled up to the child they start with.  Rows
registered on the jurisdiction itself (no county) belong to no child and are not assessed, nor is a region without
any use unit holding in-use equipment (it would score full marks on the accidents alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.events import record_event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied
from shuangfang.equipment.choices import EquipmentStatus, InspectionState
from shuangfang.equipment.models import Equipment, inspection_state_q
from shuangfang.hazards.choices import HazardStatus, InvestigationKind, ListingStatus, TaskStatus
from shuangfang.hazards.models import Hazard, InvestigationTask, Listing
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization, Region
from shuangfang.risks.models import Risk

from . import rules_assessment as rules
from .choices import NoticeKind
from .models import Accident, RegionalAssessment

FIRST_YEAR = 2022  # the notice's year: nothing to assess before it


@dataclass
class Measured:
    """What was counted for one region: {indicator code: [numerator, denominator]} (denominator None for counts)."""

    region: Region
    counts: dict[str, list] = field(default_factory=dict)
    points: dict[str, Decimal | None] = field(default_factory=dict)
    score: Decimal = Decimal("0.0")
    rank: int = 0
    notice_kind: str = NoticeKind.NONE

    def indicators(self) -> dict:
        """The JSON stored on the row: per indicator its numerator, denominator, rate and points."""
        stored = {}
        for indicator in rules.ASSESSMENT_INDICATORS:
            numerator, denominator = self.counts[indicator.code]
            value = rules.rate(numerator, denominator) if indicator.kind == rules.RATE else None
            points = self.points[indicator.code]
            stored[indicator.code] = {
                "numerator": numerator,
                "denominator": denominator,
                "rate": str(value) if value is not None else None,
                "points": str(points) if points is not None else None,
            }
        return stored


def may_run_check(actor: User) -> None:
    """The assessment is run by a city or provincial regulator's leader or administrator."""
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.REGULATOR_LEADER, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门负责人或管理员可以进行地区考核。"))
    if not Region.objects.filter(parent_id=actor.organization.jurisdiction_id).exists():
        raise PermissionDenied(_("本辖区没有下级地区，地区考核由上一级监管部门进行。"))


def check_year(year) -> int:
    today = timezone.localdate()
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("考核年度须为四位数字年份。")}) from None
    if not FIRST_YEAR <= year <= today.year:
        raise ValidationError(
            {"year": _("考核年度须在 %(first)d 年到 %(last)d 年之间。") % {"first": FIRST_YEAR, "last": today.year}}
        )
    return year


# --------------------------------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------------------------------


def _grouped(queryset, key_length: int, path: str = "region_id", **counts) -> list[dict]:
    return list(queryset.annotate(key=Substr(path, 1, key_length)).values("key").annotate(**counts).order_by())


def compute_assessment(jurisdiction: Region, year: int, today: date | None = None) -> list[Measured]:
    """The child regions of `jurisdiction` that hold use units with in-use equipment, measured, scored and ranked for
    `year` (best first).  Seven queries, whatever the number of regions and rows."""
    today = today or timezone.localdate()
    children = list(Region.objects.filter(parent=jurisdiction).order_by("code"))
    if not children:
        return []
    prefix = jurisdiction.prefix
    key_length = max(len(child.prefix) for child in children)
    measured = {child.prefix: Measured(child) for child in children}
    lengths = sorted({len(child.prefix) for child in children}, reverse=True)
    for item in measured.values():
        item.counts = {indicator.code: [0, 0] for indicator in rules.ASSESSMENT_INDICATORS}
        item.counts[rules.ACCIDENTS] = [0, None]

    def add(key: str, code: str, numerator: int, denominator: int | None = None) -> None:
        for length in lengths:
            item = measured.get(key[:length])
            if item is not None:
                item.counts[code][0] += numerator or 0
                if denominator is not None:
                    item.counts[code][1] += denominator or 0
                return

    in_use = Q(status=EquipmentStatus.IN_USE)
    # A year still running counts what has fallen due by today; a past year, up to its last day.
    period_end = min(date(year, 12, 31), today - timedelta(days=1))

    # Coverage: units with in-use equipment, and those whose in-use equipment all carry an active risk.
    equipment = Equipment.objects.filter(organization_id=OuterRef("pk")).filter(in_use)
    identified = Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True)
    units = Organization.objects.filter(
        kind__in=EQUIPMENT_OWNING_KINDS, is_active=True, region__code__startswith=prefix
    ).filter(Exists(equipment))
    for row in _grouped(
        units.annotate(unidentified=Exists(equipment.filter(~Exists(identified)))),
        key_length,
        units=Count("pk"),
        covered=Count("pk", filter=Q(unidentified=False)),
    ):
        add(row["key"], rules.COVERAGE, row["covered"], row["units"])

    # Overdue inspection: in-use equipment of units of the region, overdue today.
    for row in _grouped(
        Equipment.objects.filter(in_use, region__code__startswith=prefix),
        key_length,
        in_use=Count("pk"),
        overdue=Count("pk", filter=inspection_state_q(InspectionState.OVERDUE, today)),
    ):
        add(row["key"], rules.OVERDUE_INSPECTION, row["overdue"], row["in_use"])

    # On-time rectification: hazards whose deadline fell in the year (and has passed), closed by it.
    for row in _grouped(
        Hazard.objects.filter(
            region__code__startswith=prefix, deadline__gte=date(year, 1, 1), deadline__lte=period_end
        ).exclude(status=HazardStatus.REJECTED),
        key_length,
        due=Count("pk"),
        on_time=Count("pk", filter=Q(status=HazardStatus.CLOSED, closed_at__date__lte=F("deadline"))),
    ):
        add(row["key"], rules.ON_TIME_RECTIFICATION, row["on_time"], row["due"])

    # Listing closure: listings of the year, delisted.
    for row in _grouped(
        Listing.objects.filter(region__code__startswith=prefix, listed_on__year=year),
        key_length,
        listed=Count("pk"),
        delisted=Count("pk", filter=Q(status=ListingStatus.DELISTED)),
    ):
        add(row["key"], rules.LISTING_CLOSURE, row["delisted"], row["listed"])

    # Daily checks (Order 74 日管控): tasks due in the year up to the period's end, done.
    for row in _grouped(
        InvestigationTask.objects.filter(
            region__code__startswith=prefix,
            kind=InvestigationKind.DAILY,
            due_on__gte=date(year, 1, 1),
            due_on__lte=period_end,
        ),
        key_length,
        due=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
    ):
        add(row["key"], rules.DAILY_CHECKS, row["done"], row["due"])

    # Accidents of the year.
    for row in _grouped(
        Accident.objects.filter(region__code__startswith=prefix, occurred_at__year=year),
        key_length,
        accidents=Count("pk"),
    ):
        add(row["key"], rules.ACCIDENTS, row["accidents"])

    # A region with no use unit holding in-use equipment has nothing to assess: it would score full marks on the
    # accidents alone.  It is left out of the ranking.
    return score_and_rank([item for item in measured.values() if item.counts[rules.COVERAGE][1]])


def score_and_rank(items: list[Measured]) -> list[Measured]:
    weights = weights_of()
    for item in items:
        item.points = {
            indicator.code: rules.indicator_points(indicator, *item.counts[indicator.code])
            for indicator in rules.ASSESSMENT_INDICATORS
        }
        item.score = rules.weighted_score(item.points, weights)
    ranks = rules.competition_ranks([item.score for item in items])
    for item, rank in zip(items, ranks, strict=True):
        item.rank = rank
        item.notice_kind = rules.notice_kind(item.score, rank, len(items))
    return sorted(items, key=lambda item: (item.rank, item.region.code))


def weights_of() -> dict[str, int]:
    return {indicator.code: indicator.weight for indicator in rules.ASSESSMENT_INDICATORS}


# --------------------------------------------------------------------------------------------------------------------
# The notice (通报)
# --------------------------------------------------------------------------------------------------------------------


def _percent(value: str | None) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def indicator_rows(assessment: RegionalAssessment) -> list[dict]:
    """The indicators of a stored assessment in the order of the rules, ready for a table, a notice or a sheet."""
    rows = []
    for indicator in rules.ASSESSMENT_INDICATORS:
        stored = assessment.indicators.get(indicator.code) or {}
        numerator, denominator = stored.get("numerator", 0), stored.get("denominator")
        if indicator.kind == rules.COUNT:
            shown = _("%(count)d 起") % {"count": numerator}
        elif stored.get("rate") is None:
            shown = _("不适用")
        else:
            shown = f"{_percent(stored['rate'])}（{numerator}/{denominator}）"
        rows.append(
            {
                "code": indicator.code,
                "name": _(indicator.name),
                "measure": _(indicator.measure),
                "direction": indicator.direction,
                "weight": assessment.weights.get(indicator.code, indicator.weight),
                "numerator": numerator,
                "denominator": denominator,
                "rate": stored.get("rate"),
                "shown": shown,
                "points": stored.get("points"),
                "citation": indicator.citation,
                "proposal": indicator.proposal,
            }
        )
    return rows


def notice_text(
    *, region: Region, assessor: Organization, year: int, score: Decimal, rank: int, count: int, kind: str, rows
) -> str:
    """The notice of praise or criticism of one region, in the platform's language; empty when there is none."""
    if kind == NoticeKind.NONE:
        return ""
    facts = "；".join(f"{row['name']}{row['shown']}" for row in rows)
    values = {
        "assessor": assessor.name,
        "region": region.name,
        "year": year,
        "score": score,
        "rank": rank,
        "count": count,
        "facts": facts,
    }
    if kind == NoticeKind.PRAISE:
        title = _("关于对%(region)s%(year)d年度特种设备双重预防机制建设工作予以通报表扬的通报") % values
        body = (
            _(
                "根据《关于推进特种设备安全风险分级管控和隐患排查治理双重预防机制建设的通知》（晋市监发〔2022〕116号）"
                "和年度考核安排，%(assessor)s对辖区%(count)d个地区%(year)d年度特种设备双重预防机制建设工作进行了考核。"
                "%(region)s考核得分%(score)s分，在%(count)d个地区中排名第%(rank)d。主要指标：%(facts)s。"
            )
            % values
        )
        closing = (
            _(
                "现予以通报表扬。希望%(region)s再接再厉，持续巩固风险分级管控和隐患排查治理成效；"
                "各地要学习借鉴，切实落实使用单位主体责任和属地监管责任。"
            )
            % values
        )
    else:
        title = _("关于对%(region)s%(year)d年度特种设备双重预防机制建设工作予以通报批评的通报") % values
        body = (
            _(
                "根据《关于推进特种设备安全风险分级管控和隐患排查治理双重预防机制建设的通知》（晋市监发〔2022〕116号）"
                "和年度考核安排，%(assessor)s对辖区%(count)d个地区%(year)d年度特种设备双重预防机制建设工作进行了考核。"
                "%(region)s考核得分%(score)s分，在%(count)d个地区中排名第%(rank)d。主要指标：%(facts)s。"
            )
            % values
        )
        closing = (
            _(
                "现予以通报批评。%(region)s要认真分析原因，制定整改措施，督促使用单位完成风险辨识、按期整改隐患、"
                "落实日管控，并于通报之日起30日内将整改情况书面报送%(assessor)s。"
            )
            % values
        )
    return "\n\n".join([title, body, closing, assessor.name])


# --------------------------------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------------------------------


def do_run_assessment(*, actor: User, year) -> list[RegionalAssessment]:
    """Assess every child region of the actor's jurisdiction for `year` and store the rows, replacing an earlier run
    of the same year; one event.  Returns the rows best first."""
    may_run_check(actor)
    year = check_year(year)
    assessor = actor.organization
    jurisdiction = assessor.jurisdiction
    items = compute_assessment(jurisdiction, year)
    weights = weights_of()
    now = timezone.now()
    with transaction.atomic():
        existing = {
            row.region_id: row
            for row in RegionalAssessment.objects.select_for_update().filter(organization=assessor, year=year)
        }
        created, updated = [], []
        for item in items:
            values = {
                "indicators": item.indicators(),
                "weights": weights,
                "score": item.score,
                "rank": item.rank,
                "notice_kind": item.notice_kind,
                "computed_at": now,
                "computed_by": actor,
            }
            row = existing.get(item.region.code)
            if row is None:
                row = RegionalAssessment(organization=assessor, region=item.region, year=year, **values)
                created.append(row)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.version += 1
                updated.append(row)
            row.region = item.region
            row.notice_text = notice_text(
                region=item.region,
                assessor=assessor,
                year=year,
                score=item.score,
                rank=item.rank,
                count=len(items),
                kind=item.notice_kind,
                rows=indicator_rows(row),
            )
        RegionalAssessment.objects.bulk_create(created)
        if updated:
            RegionalAssessment.objects.bulk_update(
                updated,
                [
                    "indicators",
                    "weights",
                    "score",
                    "rank",
                    "notice_kind",
                    "notice_text",
                    "computed_at",
                    "computed_by",
                    "version",
                ],
            )
        record_event(
            "assessment.run",
            actor=actor,
            organization=assessor,
            region_code=jurisdiction.code,
            data={
                "year": year,
                "regions": {item.region.code: {"score": str(item.score), "rank": item.rank} for item in items},
                "praised": [item.region.code for item in items if item.notice_kind == NoticeKind.PRAISE],
                "criticised": [item.region.code for item in items if item.notice_kind == NoticeKind.CRITICISM],
            },
        )
    rows = created + updated
    return sorted(rows, key=lambda row: (row.rank, row.region_id))
