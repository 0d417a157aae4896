"""The generated province's recorded past: the risks its units identified, a year of daily checks, the hidden hazards
found and where each stands in the closed loop, the regulators' 挂牌督办 of major ones, and the events that recorded
all of it.  It is what makes a province-scale database look like one that has been used (issue 8: 2 M risks, 5 M
check results, 500 k hazards in every state for 1 M equipment), written by COPY on PostgreSQL.

The demo's own units (the demo unit and the small unit) are left out: their stories are told through the services.
Rows are written directly, not through the services, so no notifications are sent for the past; the events are
written with the same digest the services' would carry, so the log verifies and the change feed carries the
history."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from types import SimpleNamespace

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.core.bulkload import KeyPool, RowShape
from shuangfang.core.events import row_digest
from shuangfang.core.models import Event
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment
from shuangfang.hazards import checklists
from shuangfang.hazards.choices import (
    Handling,
    HazardGrade,
    HazardSource,
    HazardStatus,
    InvestigationKind,
    ItemSource,
    ListingStatus,
    Outcome,
    TaskStatus,
)
from shuangfang.hazards.models import CheckResult, Hazard, InvestigationPlan, InvestigationTask, Listing
from shuangfang.risks import library
from shuangfang.risks import rules as risk_rules
from shuangfang.risks.choices import RiskPointKind
from shuangfang.risks.models import Risk, RiskAssessment, RiskPoint
from shuangfang.risks.services import template_facts

# Per equipment in use, on average (issue 8's province: 2 M risks, 5 M check results, 500 k hazards for 1 M equipment).
RISKS_PER_EQUIPMENT = 2.0
CHECK_RESULTS_PER_EQUIPMENT = 5.0
HAZARDS_PER_EQUIPMENT = 0.5
# Units are drawn at random, so the generator aims this much above the ratios to land at or above them.
AIM_ABOVE = 1.03
# Share of past daily tasks that were done (the rest are overdue, with no results).
DONE_SHARE = 0.97
# Items checked in one daily check of one equipment (the library's items for its category, at most).
ITEMS_PER_CHECK = 5
# Share of hazards in each state of the loop.  Most found hazards are closed; the rest are spread over every open
# state, some past their deadline, so that every list and figure has something to show.
STATE_SHARES = (
    (HazardStatus.CLOSED, 0.70),
    (HazardStatus.REPORTED, 0.05),
    (HazardStatus.CONFIRMED, 0.04),
    (HazardStatus.RECTIFYING, 0.12),
    (HazardStatus.AWAITING_ACCEPTANCE, 0.05),
    (HazardStatus.REJECTED, 0.04),
)
SOURCE_SHARES = (
    (HazardSource.CHECK, 0.55),
    (HazardSource.REPORT, 0.15),
    (HazardSource.INSPECTION_AGENCY, 0.10),
    (HazardSource.REGULATOR, 0.08),
    (HazardSource.MAINTENANCE, 0.08),
    (HazardSource.PUBLIC, 0.04),
)
MAJOR_SHARE = 0.02
LISTED_SHARE_OF_MAJOR = 0.4
OTHER_DESCRIPTIONS = (
    "安全警示标志缺失或不清晰",
    "作业现场通道堆放杂物",
    "维护保养记录未按期填写",
    "应急救援器材过期未更换",
    "安全附件铅封损坏",
    "作业人员未按规定佩戴防护用品",
    "设备运行记录缺页",
    "防护罩缺失，转动部件外露",
    "现场照明不足",
    "日常巡检未覆盖全部部位",
)
EVENT_CHUNK = 20_000


@dataclass
class HistoryCounts:
    officers: int = 0
    risk_points: int = 0
    risks: int = 0
    tasks: int = 0
    check_results: int = 0
    hazards: int = 0
    listings: int = 0
    events: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def _weighted(rng: random.Random, shares) -> str:
    point = rng.random()
    for value, share in shares:
        point -= share
        if point < 0:
            return value
    return shares[-1][0]


class _EventWriter:
    """Events of the past with their real digests, appended in chunks (seq from the table's own sequence)."""

    def __init__(self):
        self.shape = RowShape(Event)
        self.keys = KeyPool(Event)
        self.pending: list[SimpleNamespace] = []
        self.written = 0

    def add(self, *, at, type, actor: tuple | None, organization_id, region_code, object_type, object_id, repr, data):
        # row_digest reads these attributes only; a model instance per past event would cost more than the rest.
        event = SimpleNamespace(
            at=at,
            type=type,
            outcome="success",
            actor_id=actor[0] if actor else None,
            actor_name=actor[1] if actor else "",
            actor_roles=actor[2] if actor else "",
            organization_id=organization_id,
            region_code=region_code or "",
            object_type=object_type,
            object_id=str(object_id),
            object_repr=repr[:200],
            data=data,
            request_id="",
            source_ip=None,
        )
        self.pending.append(event)
        if len(self.pending) >= EVENT_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        # The log is ordered by seq; the past is appended in the order it happened within each chunk.
        self.pending.sort(key=lambda event: event.at)
        rows = []
        for seq, event in zip(self.keys.take(len(self.pending)), self.pending, strict=True):
            rows.append(
                self.shape.row(
                    seq=seq,
                    at=event.at,
                    type=event.type,
                    outcome=event.outcome,
                    actor_id=event.actor_id,
                    actor_name=event.actor_name,
                    actor_roles=event.actor_roles,
                    organization_id=event.organization_id,
                    region_code=event.region_code,
                    object_type=event.object_type,
                    object_id=event.object_id,
                    object_repr=event.object_repr,
                    data=event.data,
                    request_id="",
                    source_ip=None,
                    digest=row_digest(event),
                )
            )
        self.written += self.shape.write(rows)
        self.pending = []


@dataclass
class _Unit:
    pk: int
    region: str
    equipment: list[tuple] = field(default_factory=list)  # (pk, category, name, code, site)


class ProvinceHistory:
    def __init__(
        self,
        *,
        today: date,
        seed: int,
        equipment_total: int,
        excluded_units: list[int],
        password_hash: str,
        listing_users: Callable[[str], tuple[int, int, str]],
        person_name: Callable[[random.Random], str],
        say: Callable[[str], None],
    ):
        self.today = today
        self.seed = seed
        self.equipment_total = equipment_total
        self.excluded = set(excluded_units)
        self.password_hash = password_hash
        self.listing_users = listing_users  # region code → (regulator user pk, its organization pk, listing level)
        self.person_name = person_name
        self._pools: dict[type, KeyPool] = {}
        self.say = say
        self.counts = HistoryCounts()
        self.in_use = 0  # equipment in use of the generated units, counted by _shares()
        self.events = _EventWriter()
        self.profile = risk_rules.profile(settings.PROVINCE_PROFILE)
        self.tz = timezone.get_current_timezone()
        self._templates: dict[str, list] = {}
        self._items: dict[str, list] = {}

    def _rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}:history:{phase}")

    def _moment(self, day: date, rng: random.Random) -> datetime:
        return datetime.combine(day, time_of_day(8 + rng.randrange(10), rng.randrange(60)), tzinfo=self.tz)

    # -- what is generated, unit by unit ----------------------------------------------------------------------------

    def _units(self) -> Iterator[_Unit]:
        """Generated units with their equipment in use, in primary-key order, streamed."""
        rows = (
            Equipment.objects.filter(status=EquipmentStatus.IN_USE)
            .exclude(organization_id__in=self.excluded)
            .order_by("organization_id", "id")
            .values_list("organization_id", "region_id", "id", "category_id", "name", "code", "site")
        )
        unit: _Unit | None = None
        for organization_id, region, pk, category, name, code, site in rows.iterator(chunk_size=20_000):
            if unit is None or unit.pk != organization_id:
                if unit is not None:
                    yield unit
                unit = _Unit(organization_id, region)
            unit.equipment.append((pk, category, name, code, site))
        if unit is not None:
            yield unit

    def _templates_for(self, category: str) -> list[tuple]:
        """(template, assessment, factors, measures, control level, template facts) of each template of the category,
        graded once."""
        if category not in self._templates:
            graded = []
            for template in library.templates_for(category):
                assessment = risk_rules.assess(template.method, template.factors, self.profile)
                factors = {
                    key: (value if isinstance(value, (int, str)) else float(value))
                    for key, value in assessment.factors.items()
                }
                measures = json.dumps(
                    [{"kind": m.kind, "text": m.text, "check": m.check} for m in template.measures], ensure_ascii=False
                )
                control = risk_rules.minimum_control_level(assessment.level, self.profile)
                graded.append((template, assessment, factors, measures, control, template_facts(template)))
            self._templates[category] = graded
        return self._templates[category]

    def _items_for(self, category: str) -> list:
        if category not in self._items:
            self._items[category] = checklists.checklist_for(category)[:ITEMS_PER_CHECK]
        return self._items[category]

    def _shares(self) -> tuple[float, float]:
        """The share of units that have identified their risks, and of those how many past days their checks go
        back, so that the totals come out at the issue's ratios."""
        by_category = (
            Equipment.objects.filter(status=EquipmentStatus.IN_USE)
            .exclude(organization_id__in=self.excluded)
            .values("category_id")
            .annotate(n=Count("id"))
        )
        in_use = templates = items = 0
        for row in by_category:
            in_use += row["n"]
            templates += row["n"] * len(self._templates_for(row["category_id"]))
            items += row["n"] * len(self._items_for(row["category_id"]))
        self.in_use = in_use
        if not in_use or not templates:
            return 0.0, 0.0
        identified = min(1.0, AIM_ABOVE * RISKS_PER_EQUIPMENT * self.equipment_total / templates)
        per_check = items / in_use
        checked_equipment = identified * in_use
        days = (
            AIM_ABOVE
            * CHECK_RESULTS_PER_EQUIPMENT
            * self.equipment_total
            / max(1.0, DONE_SHARE * per_check * checked_equipment)
        )
        return identified, days

    # -- the run -----------------------------------------------------------------------------------------------------

    def run(self) -> HistoryCounts:
        identified_share, days_back = self._shares()
        self.say(
            _("历史：%(share)s 的单位已辨识风险，日管控检查记录平均 %(days).1f 天")
            % {"share": f"{identified_share:.0%}", "days": days_back}
        )
        plans = dict(
            InvestigationPlan.objects.filter(kind=InvestigationKind.DAILY, catalog_prefix="").values_list(
                "organization_id", "id"
            )
        )
        shapes = {
            "user": RowShape(User),
            "point": RowShape(RiskPoint, kind=RiskPointKind.EQUIPMENT, is_active=True),
            "risk": RowShape(Risk, is_active=True, graded_below_minimum=False, needs_reassessment=False),
            "assessment": RowShape(RiskAssessment, keyed=False),
            "task": RowShape(
                InvestigationTask, kind=InvestigationKind.DAILY, assignee_role=Role.SAFETY_OFFICER, version=2
            ),
            "result": RowShape(CheckResult, item_source=ItemSource.LIBRARY),
            "hazard": RowShape(Hazard),
            "listing": RowShape(Listing),
        }
        buffers: dict[str, list] = {name: [] for name in shapes}
        unit_rng = self._rng("units")
        for units_done, unit in enumerate(self._units(), start=1):
            # Seeded by the unit's first equipment code, which every run gives the same (keys may differ).
            rng = random.Random(f"{self.seed}:history:unit:{unit.equipment[0][3]}")
            officer = self._officer(unit, shapes["user"], buffers["user"], rng)
            identified = unit_rng.random() < identified_share
            if identified:
                self._risks(unit, officer, rng, shapes, buffers)
                if unit.pk in plans:
                    self._checks(unit, plans[unit.pk], officer, rng, days_back, shapes, buffers)
            self._hazards(unit, officer, rng, shapes, buffers)
            if sum(len(rows) for rows in buffers.values()) >= 100_000:
                self._flush(shapes, buffers)
                self.say(
                    _(
                        "历史：单位 %(units)s 个，风险 %(risks)s 项，检查结果 %(results)s 条，"
                        "隐患 %(hazards)s 项，事件 %(events)s 条"
                    )
                    % {
                        "units": f"{units_done:,}",
                        "risks": f"{self.counts.risks:,}",
                        "results": f"{self.counts.check_results:,}",
                        "hazards": f"{self.counts.hazards:,}",
                        "events": f"{self.events.written:,}",
                    }
                )
        self._flush(shapes, buffers)
        self.events.flush()
        self.counts.events = self.events.written
        self._equipment_marks()
        return self.counts

    def _flush(self, shapes, buffers) -> None:
        # Parents before children: users, points, risks, assessments, tasks, results, hazards, listings.
        for name in ("user", "point", "risk", "assessment", "task", "result", "hazard", "listing"):
            if buffers[name]:
                shapes[name].write(buffers[name])
                buffers[name] = []

    # -- a unit's safety officer -----------------------------------------------------------------------------------

    def _officer(self, unit: _Unit, shape: RowShape, rows: list, rng: random.Random) -> tuple[int, str, str]:
        """Who did the unit's checks and fixes: one safety officer per generated unit (the unit's administrator
        account cannot)."""
        username = f"officer{unit.pk}"
        user_pk = next(self._ids(User, 1))
        joined = timezone.make_aware(datetime.combine(self.today - timedelta(days=400), time_of_day(9)))
        rows.append(
            shape.row(
                id=user_pk,
                username=username,
                password=self.password_hash,
                organization_id=unit.pk,
                roles=[Role.SAFETY_OFFICER],
                full_name=self.person_name(rng),
                is_active=True,
                date_joined=joined,
                password_changed_at=timezone.make_aware(datetime.combine(self.today, time_of_day(0))),
            )
        )
        self.counts.officers += 1
        return user_pk, username, Role.SAFETY_OFFICER

    # -- risks ---------------------------------------------------------------------------------------------------

    def _ids(self, model, count: int) -> Iterator[int]:
        if model not in self._pools:
            self._pools[model] = KeyPool(model)
        return self._pools[model].take(count)

    def _risks(self, unit: _Unit, officer, rng: random.Random, shapes, buffers) -> None:
        reviewed = self.today - timedelta(days=rng.randrange(20, 330))
        at = self._moment(reviewed, rng)
        points = self._ids(RiskPoint, len(unit.equipment))
        planned = [(item, self._templates_for(item[1])) for item in unit.equipment]
        risk_ids = self._ids(Risk, sum(len(templates) for _item, templates in planned))
        all_risks = []
        next_review: dict[str, date] = {}
        for (pk, _category, name, code, site), templates in planned:
            point = next(points)
            buffers["point"].append(
                shapes["point"].row(
                    id=point,
                    organization_id=unit.pk,
                    region_id=unit.region,
                    name=f"{name}（{code}）",
                    equipment_id=pk,
                    location=site,
                    created_at=at,
                )
            )
            self.counts.risk_points += 1
            for template, assessment, factors, measures, control, facts in templates:
                risk = next(risk_ids)
                level = assessment.level
                if level not in next_review:
                    next_review[level] = risk_rules.next_review_on(level, reviewed, self.profile)
                buffers["risk"].append(
                    shapes["risk"].row(
                        id=risk,
                        organization_id=unit.pk,
                        region_id=unit.region,
                        risk_point_id=point,
                        equipment_id=pk,
                        **facts,
                        factors=factors,
                        score=assessment.score,
                        level=level,
                        control_level=control,
                        owner_id=officer[0],
                        measures=measures,
                        emergency_actions=template.emergency_actions,
                        minimum_level=template.minimum_level or "",
                        reviewed_on=reviewed,
                        next_review_on=next_review[level],
                        created_at=at,
                        updated_at=at,
                    )
                )
                buffers["assessment"].append(
                    shapes["assessment"].row(
                        risk_id=risk,
                        method=template.method,
                        factors=factors,
                        score=assessment.score,
                        level=level,
                        control_level=control,
                        assessed_by_id=officer[0],
                        assessed_at=at,
                    )
                )
                all_risks.append(risk)
        self.counts.risks += len(all_risks)
        if all_risks:
            self.events.add(
                at=at,
                type="risk.templates_applied",
                actor=officer,
                organization_id=unit.pk,
                region_code=unit.region,
                object_type="",
                object_id="",
                repr="",
                data={
                    "equipment": [item[0] for item in unit.equipment],
                    "risks": all_risks,
                    "templates": sorted({graded[0].code for _item, templates in planned for graded in templates}),
                },
            )

    # -- daily checks ------------------------------------------------------------------------------------------------

    def _checks(self, unit: _Unit, plan: int, officer, rng: random.Random, days_back: float, shapes, buffers):
        whole, fraction = int(days_back), days_back - int(days_back)
        days = whole + (1 if rng.random() < fraction else 0)
        checked = [item for item in unit.equipment if self._items_for(item[1])]
        if not checked or not days:
            return
        task_ids = self._ids(InvestigationTask, days * len(checked))
        result_ids = self._ids(CheckResult, days * sum(len(self._items_for(item[1])) for item in checked))
        for back in range(1, days + 1):
            day = self.today - timedelta(days=back)
            for pk, category, name, code, _site in checked:
                task = next(task_ids)
                done = rng.random() < DONE_SHARE
                completed_at = self._moment(day, rng) if done else None
                buffers["task"].append(
                    shapes["task"].row(
                        id=task,
                        organization_id=unit.pk,
                        region_id=unit.region,
                        plan_id=plan,
                        title=f"日管控 {day:%m-%d} {name}（{code}）",
                        equipment_id=pk,
                        period_start=day,
                        due_on=day,
                        assignee_id=officer[0],
                        status=TaskStatus.DONE if done else TaskStatus.OVERDUE,
                        completed_at=completed_at,
                        completed_by_id=officer[0] if done else None,
                        created_at=self._moment(day, rng).replace(hour=1),
                    )
                )
                self.counts.tasks += 1
                if not done:
                    continue
                outcomes = {Outcome.OK: 0, Outcome.NOT_OK: 0, Outcome.NOT_APPLICABLE: 0}
                for item in self._items_for(category):
                    draw = rng.random()
                    outcome = Outcome.NOT_OK if draw < 0.01 else Outcome.NOT_APPLICABLE if draw < 0.05 else Outcome.OK
                    outcomes[outcome] += 1
                    result = next(result_ids)
                    buffers["result"].append(
                        shapes["result"].row(
                            id=result,
                            task_id=task,
                            equipment_id=pk,
                            item_code=item.code,
                            text=item.text[:500],
                            standard=item.standard[:500],
                            gb45067_clause=item.gb45067_clause or "",
                            outcome=outcome,
                            note="" if outcome == Outcome.OK else "现场检查发现",
                            checked_by_id=officer[0],
                            checked_at=completed_at,
                        )
                    )
                    self.counts.check_results += 1
                self.events.add(
                    at=completed_at,
                    type="investigation_task.completed",
                    actor=officer,
                    organization_id=unit.pk,
                    region_code=unit.region,
                    object_type="hazards.investigationtask",
                    object_id=task,
                    repr=f"日管控 {day:%m-%d} {name}（{code}）",
                    data={
                        "kind": InvestigationKind.DAILY,
                        "equipment": pk,
                        "period_start": day.isoformat(),
                        "due_on": day.isoformat(),
                        "late": False,
                        "items": sum(outcomes.values()),
                        **outcomes,
                    },
                )

    # -- hazards -----------------------------------------------------------------------------------------------------

    def _hazards(self, unit: _Unit, officer, rng: random.Random, shapes, buffers) -> None:
        expected = AIM_ABOVE * HAZARDS_PER_EQUIPMENT * len(unit.equipment) * self.equipment_total / max(1, self.in_use)
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        if not count:
            return
        hazard_ids = self._ids(Hazard, count)
        for _number in range(count):
            pk, category, name, code, _site = unit.equipment[rng.randrange(len(unit.equipment))]
            hazard = next(hazard_ids)
            self._hazard(hazard, unit, officer, rng, shapes, buffers, pk, category, name, code)

    def _hazard(self, pk, unit: _Unit, officer, rng, shapes, buffers, equipment, category, name, code) -> None:
        status = _weighted(rng, STATE_SHARES)
        source = _weighted(rng, SOURCE_SHARES)
        major = rng.random() < MAJOR_SHARE
        grade = HazardGrade.MAJOR if major else HazardGrade.GENERAL
        age = rng.randrange(1, 365) if status == HazardStatus.CLOSED else rng.randrange(1, 120)
        found_on = self.today - timedelta(days=age)
        found_at = self._moment(found_on, rng)
        items = self._items_for(category)
        if source == HazardSource.CHECK and items:
            item = items[rng.randrange(len(items))]
            description = f"{item.text[:150]}：不符合"
            clauses = [item.gb45067_clause] if major and item.gb45067_clause else []
        else:
            description = OTHER_DESCRIPTIONS[rng.randrange(len(OTHER_DESCRIPTIONS))]
            clauses = []
        repr_text = description[:200]
        values = {
            "id": pk,
            "organization_id": unit.pk,
            "region_id": unit.region,
            "equipment_id": equipment,
            "catalog_code": category,
            "source": source,
            "investigation_kind": InvestigationKind.DAILY if source == HazardSource.CHECK else "",
            "description": description,
            "location": name[:200],
            "found_at": found_at,
            "reported_by_id": officer[0],
            "grade": grade,
            "major_criteria": clauses,
            "status": status,
            "created_at": found_at,
            "updated_at": found_at,
            "version": 1,
        }
        events = [
            (
                "hazard.reported",
                found_at,
                {"source": source, "grade": grade, "major_criteria": clauses, "equipment": equipment, "photos": []},
            )
        ]
        if major:
            values["reported_to_regulator_at"] = found_at
            events.append(("hazard.reported_to_regulator", found_at, {"grade": grade, "major_criteria": clauses}))
        values["confirm_by"] = found_on + timedelta(days=3)
        moment = found_at
        if status == HazardStatus.REJECTED:
            moment = found_at + timedelta(hours=rng.randrange(2, 48))
            values.update(rejection_reason="经核实不构成事故隐患", confirmed_by_id=officer[0], confirmed_at=moment)
            events.append(
                ("hazard.rejected", moment, {"status": ["reported", status], "reason": "经核实不构成事故隐患"})
            )
        elif status != HazardStatus.REPORTED:
            moment = found_at + timedelta(hours=rng.randrange(2, 48))
            days = rng.choice((3, 7, 15, 30)) if not major else 30
            deadline = moment.date() + timedelta(days=days)
            values.update(
                handling=Handling.DEADLINE,
                deadline=deadline,
                responsible_id=officer[0],
                measures="按整改方案整改，整改后复查",
                funds="本单位安全生产费用列支",
                contingency="整改期间设置警示标志，专人巡查",
                confirmed_by_id=officer[0],
                confirmed_at=moment,
            )
            if major:
                values["plan"] = {
                    "goal": "消除重大事故隐患",
                    "methods": "停用设备，由有资质单位整改",
                    "funds_materials": "专项资金",
                    "organization_people": "主要负责人牵头",
                    "timeline": "30 日内完成",
                    "safety_contingency": "停用并设置警示",
                }
            events.append(("hazard.confirmed", moment, {"status": ["reported", HazardStatus.RECTIFYING]}))
            if status in (HazardStatus.AWAITING_ACCEPTANCE, HazardStatus.CLOSED):
                moment = moment + timedelta(days=rng.randrange(1, max(2, days)))
                values.update(rectification="已按措施整改完毕", rectified_by_id=officer[0], rectified_at=moment)
                events.append(
                    (
                        "hazard.rectification_submitted",
                        moment,
                        {"status": [HazardStatus.RECTIFYING, HazardStatus.AWAITING_ACCEPTANCE], "evidence": []},
                    )
                )
            if status == HazardStatus.CLOSED:
                moment = moment + timedelta(hours=rng.randrange(2, 72))
                values.update(
                    accepted_by_id=officer[0], accepted_at=moment, acceptance_comment="验收合格", closed_at=moment
                )
                events.append(
                    (
                        "hazard.accepted",
                        moment,
                        {"status": [HazardStatus.AWAITING_ACCEPTANCE, HazardStatus.CLOSED], "comment": "验收合格"},
                    )
                )
                events.append(("hazard.closed", moment, {}))
        if moment > timezone.now():
            moment = timezone.now()
        values["updated_at"] = moment
        values["version"] = len(events)
        buffers["hazard"].append(shapes["hazard"].row(**values))
        self.counts.hazards += 1
        self.counts.by_state[status] = self.counts.by_state.get(status, 0) + 1
        for event_type, at, data in events:
            self.events.add(
                at=at,
                type=event_type,
                actor=officer,
                organization_id=unit.pk,
                region_code=unit.region,
                object_type="hazards.hazard",
                object_id=pk,
                repr=repr_text,
                data=data,
            )
        if (
            major
            and status not in (HazardStatus.REPORTED, HazardStatus.REJECTED)
            and rng.random() < LISTED_SHARE_OF_MAJOR
        ):
            self._listing(pk, unit, rng, shapes, buffers, values, status)

    def _listing(self, hazard, unit: _Unit, rng, shapes, buffers, values, status) -> None:
        regulator_user, regulator_org, level = self.listing_users(unit.region)
        listed_at = values["confirmed_at"] + timedelta(days=rng.randrange(1, 5))
        listing_status = {
            HazardStatus.CLOSED: ListingStatus.DELISTED,
            HazardStatus.AWAITING_ACCEPTANCE: ListingStatus.COMPLETION_REPORTED,
        }.get(status, ListingStatus.LISTED)
        listing = next(self._ids(Listing, 1))
        row = {
            "id": listing,
            "hazard_id": hazard,
            "organization_id": unit.pk,
            "region_id": unit.region,
            "level": level,
            "status": listing_status,
            "deadline": listed_at.date() + timedelta(days=60),
            "requirements": "停用整改，完成后报监管部门核查",
            "listing_authority_id": regulator_org,
            "listed_by_id": regulator_user,
            "listed_on": listed_at.date(),
            "created_at": listed_at,
            "version": 1,
        }
        if listing_status in (ListingStatus.COMPLETION_REPORTED, ListingStatus.DELISTED):
            row.update(
                completion_description="已按督办要求整改完毕",
                completion_reported_by_id=values["reported_by_id"],
                completion_reported_at=values.get("rectified_at") or listed_at,
            )
        if listing_status == ListingStatus.DELISTED:
            row.update(
                verified_by_id=regulator_user,
                verified_at=values["closed_at"],
                verification_comment="核查合格",
                delisted_by_id=regulator_user,
                delisted_at=values["closed_at"],
            )
        buffers["listing"].append(shapes["listing"].row(**row))
        self.counts.listings += 1
        self.events.add(
            at=listed_at,
            type="listing.created",
            actor=None,
            organization_id=unit.pk,
            region_code=unit.region,
            object_type="hazards.listing",
            object_id=listing,
            repr=values["description"][:200],
            data={
                "hazard": hazard,
                "level": level,
                "deadline": row["deadline"].isoformat(),
                "authority": regulator_org,
            },
        )

    # -- the marks on equipment ----------------------------------------------------------------------------------

    def _equipment_marks(self) -> None:
        """Each equipment's open-hazard counts and highest risk level, as the services keep them: set-based."""
        open_statuses = [s for s, _share in STATE_SHARES if s not in (HazardStatus.CLOSED, HazardStatus.REJECTED)]
        ranks = " ".join(f"WHEN '{level}' THEN {risk_rules.level_rank(level)}" for level in risk_rules.LEVELS)
        levels = " ".join(f"WHEN {risk_rules.level_rank(level)} THEN '{level}'" for level in risk_rules.LEVELS)
        placeholders = ", ".join(["%s"] * len(open_statuses))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE equipment_equipment SET open_hazards = counted.total, open_major_hazards = counted.major
                FROM (SELECT equipment_id, count(*) AS total,
                             sum(CASE WHEN grade = 'major' THEN 1 ELSE 0 END) AS major
                      FROM hazards_hazard WHERE status IN ({placeholders}) AND equipment_id IS NOT NULL
                      GROUP BY equipment_id) AS counted
                WHERE equipment_equipment.id = counted.equipment_id
                """,  # noqa: S608 — fixed names
                open_statuses,
            )
            cursor.execute(
                f"""
                UPDATE equipment_equipment SET risk_level = ranked.level
                FROM (SELECT equipment_id, CASE max(CASE level {ranks} END) {levels} END AS level
                      FROM risks_risk WHERE is_active AND equipment_id IS NOT NULL GROUP BY equipment_id) AS ranked
                WHERE equipment_equipment.id = ranked.equipment_id
                """  # noqa: S608 — fixed names
            )


def generate_history(**kwargs) -> HistoryCounts:
    return ProvinceHistory(**kwargs).run()


def expected_sizes(equipment: int) -> dict[str, int]:
    """What a scale's history aims at (the counts come out near these, not exactly)."""
    return {
        "risks": math.floor(RISKS_PER_EQUIPMENT * equipment),
        "check_results": math.floor(CHECK_RESULTS_PER_EQUIPMENT * equipment),
        "hazards": math.floor(HAZARDS_PER_EQUIPMENT * equipment),
    }
