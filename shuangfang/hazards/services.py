"""Hazards: every source that registers one, and every step of the closed loop and of 挂牌督办.

Each step reads the hazard under a lock, checks the version the caller read, asks `workflow` whether the step is
allowed and where it leads, writes, recomputes the equipment's open-hazard counts and records one event; the people
concerned are notified in the same transaction (their e-mail goes out after it commits).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import REGULATOR_ROLES, UNIT_ROLES, Role
from shuangfang.core.bulkload import insert_instances
from shuangfang.core.events import build_event, record_event
from shuangfang.core.models import Attachment, Event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import InvalidTransition, PermissionDenied, check_version, lock_for_update
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment, PeriodicInspection
from shuangfang.notifications.recipients import holders, people_by_organization, people_of, regulator_people
from shuangfang.notifications.services import Message, notify, notify_many, platform_language
from shuangfang.orgs.models import Organization
from shuangfang.risks.services import flag_for_reassessment

from . import rules, workflow
from .choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus, ListingLevel, ListingStatus
from .models import CheckResult, Hazard, HazardAttachment, Listing

# A public report must be confirmed or rejected by the unit within three days (the platform's rule for reports
# from the equipment's QR page; see the issue and the notice's 公众参与).
PUBLIC_CONFIRM_DAYS = 3
# Public reports per equipment and per address in an hour, and per address in a day: enough for a person who saw
# something, too few to flood a unit.
PUBLIC_LIMIT_PER_EQUIPMENT_HOUR = 5
PUBLIC_LIMIT_PER_ADDRESS_HOUR = 3
PUBLIC_LIMIT_PER_ADDRESS_DAY = 10
# Sources whose finding the unit may not dismiss: an enforcement finding, an inspection finding, the platform's
# own judgement of a failed inspection.
NOT_REJECTABLE = frozenset({HazardSource.REGULATOR, HazardSource.INSPECTION_AGENCY, HazardSource.SYSTEM})
REVIEWERS = (Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER)


class RateLimited(PermissionDenied):
    status_code = 429


# -- reading ----------------------------------------------------------------------------------------------------------


def hazard_link(hazard: Hazard) -> str:
    return f"/hazards/{hazard.pk}/"


def _prefetched(hazard: Hazard, relation: str) -> bool:
    return relation in getattr(hazard, "_prefetched_objects_cache", {})


# Both read the rows a list or an answer prefetched (HazardViewSet.get_queryset) rather than asking again.
def open_listing(hazard: Hazard) -> Listing | None:
    if _prefetched(hazard, "listings"):
        return next((listing for listing in hazard.listings.all() if listing.is_open), None)
    return hazard.listings.exclude(status=ListingStatus.DELISTED).first()


EVIDENCE_STAGES = (HazardAttachment.Stage.EVIDENCE, HazardAttachment.Stage.COMPLETION)


def has_evidence(hazard: Hazard) -> bool:
    if _prefetched(hazard, "attachments"):
        return any(attached.stage in EVIDENCE_STAGES for attached in hazard.attachments.all())
    return hazard.attachments.filter(stage__in=EVIDENCE_STAGES).exists()


def state_of(hazard: Hazard) -> workflow.HazardState:
    return workflow.HazardState(
        status=hazard.status,
        grade=hazard.grade,
        listed=open_listing(hazard) is not None,
        has_evidence=has_evidence(hazard),
        rectified_by=hazard.rectified_by_id,
        deadline=hazard.deadline,
        regulator_verified=hazard.regulator_verified,
    )


def allowed_actions(hazard: Hazard, user: User) -> list[str]:
    """The loop's actions the user may try on the hazard (pages show only these)."""
    if scope_of(user).kind != ScopeKind.UNIT or user.organization_id != hazard.organization_id:
        return []
    actions = workflow.allowed_actions(state_of(hazard), user.roles)
    if hazard.rectified_by_id == user.pk:
        # Acceptance is by someone other than the rectifier: not offered to them at all.
        actions = [a for a in actions if a not in (workflow.ACCEPT_PASSED, workflow.ACCEPT_FAILED)]
    if hazard.source in NOT_REJECTABLE and workflow.REJECT in actions:
        actions.remove(workflow.REJECT)
    return actions


def may_verify_as_regulator(hazard: Hazard, user: User) -> bool:
    """A regulator of the hazard's region may verify the rectification of an unlisted major hazard."""
    scope = scope_of(user)
    return (
        scope.kind == ScopeKind.REGULATOR
        and hazard.region_id.startswith(scope.region_prefix)
        and user.has_role(*REGULATOR_ROLES)
        and hazard.is_major
        and hazard.status == HazardStatus.AWAITING_ACCEPTANCE
        and not hazard.regulator_verified
        and open_listing(hazard) is None
    )


def timeline(hazard: Hazard):
    """The hazard's whole history from the event log, oldest first (listing events included)."""
    listing_ids = [str(pk) for pk in hazard.listings.values_list("pk", flat=True)]
    return (
        Event.objects.filter(
            Q(object_type="hazards.hazard", object_id=str(hazard.pk))
            | Q(object_type="hazards.listing", object_id__in=listing_ids)
        )
        .select_related("actor")
        .order_by("seq")
    )


# -- equipment counts -------------------------------------------------------------------------------------------------


def refresh_equipment_hazard_counts(equipment_ids: Iterable[int | None]) -> None:
    """Recompute Equipment.open_hazards / open_major_hazards. An open major hazard means the equipment must not be
    used (GB 45067-2024; 特种设备安全法 art 40): the counts drive that mark everywhere.  One UPDATE per thousand
    devices, the counts computed in it: a hazard report costs one statement here, a daily run of thousands the same
    few."""
    ids = sorted({pk for pk in equipment_ids if pk})
    open_hazards = Hazard.objects.filter(equipment_id=OuterRef("pk"), status__in=OPEN_STATUSES).order_by()
    for start in range(0, len(ids), 1000):
        Equipment.objects.filter(pk__in=ids[start : start + 1000]).update(
            open_hazards=Coalesce(Subquery(open_hazards.values("equipment_id").annotate(n=Count("id")).values("n")), 0),
            open_major_hazards=Coalesce(
                Subquery(
                    open_hazards.filter(grade=HazardGrade.MAJOR)
                    .values("equipment_id")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
                0,
            ),
        )


# -- registering ------------------------------------------------------------------------------------------------------


def _facts(equipment: Equipment | None, *, category: str = "", failed=(), reported=(), conclusion=None) -> rules.Facts:
    return rules.Facts(
        category=equipment.category_id if equipment is not None else category,
        in_use=equipment is None or equipment.status == EquipmentStatus.IN_USE,
        scrapped=equipment is not None and equipment.status == EquipmentStatus.SCRAPPED,
        latest_conclusion=conclusion,
        failed_clauses=frozenset(failed),
        reported_clauses=frozenset(reported),
    )


def _clean_clauses(clauses, equipment: Equipment | None) -> list[str]:
    clauses = [str(clause).strip() for clause in clauses or [] if str(clause).strip()]
    if clauses and equipment is None:
        raise ValidationError({"major_criteria": _("GB 45067-2024 的条款针对具体设备：请先选择设备。")})
    unknown = [clause for clause in clauses if clause not in rules.CRITERIA_BY_CLAUSE]
    if unknown:
        raise ValidationError(
            {"major_criteria": _("不是 GB 45067-2024 的条款：%(clauses)s。") % {"clauses": "、".join(unknown)}}
        )
    if equipment is not None:
        foreign = [clause for clause in clauses if not rules.clause_applies(clause, equipment.category_id)]
        if foreign:
            raise ValidationError(
                {
                    "major_criteria": _("条款 %(clauses)s 不适用于该类设备（%(category)s）。")
                    % {"clauses": "、".join(foreign), "category": equipment.category_id}
                }
            )
    return clauses


def _attach(hazard: Hazard, attachments: Iterable[Attachment], stage: str, actor: User | None) -> list[int]:
    attachments = list(attachments or [])
    for attachment in attachments:
        if attachment.organization_id not in (hazard.organization_id, getattr(actor, "organization_id", None)):
            raise ValidationError({"evidence": _("附件不属于本单位。")})
    HazardAttachment.objects.bulk_create(
        [HazardAttachment(hazard=hazard, attachment=a, stage=stage, added_by=actor) for a in attachments],
        ignore_conflicts=True,
    )
    return [attachment.pk for attachment in attachments]


def _register(
    *,
    actor: User | None,
    organization: Organization,
    equipment: Equipment | None,
    source: str,
    description: str,
    facts: rules.Facts,
    event_data: dict | None = None,
    photos: Iterable[Attachment] = (),
    **fields,
) -> Hazard:
    """Create a reported hazard graded by the GB 45067 judgement; a major one reaches the regulator at once."""
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请描述隐患。")})
    # The criteria are per equipment category: a hazard of a site or of the management (no equipment) meets none.
    judgement = rules.judge(facts) if facts.category else rules.Judgement(clauses=(), major=False, reasons={})
    grade = rules.grade_floor(judgement)
    requested = fields.pop("grade", None) or grade
    if requested not in rules.GRADES:
        raise ValidationError({"grade": _("隐患等级只能是一般或重大。")})
    if rules.validate_grade(requested, judgement) is None:
        grade = requested  # a person may raise the grade, never lower it below the judgement
    hazard = Hazard.objects.create(
        organization=organization,
        region_id=equipment.region_id if equipment is not None else organization.region_id,
        equipment=equipment,
        source=source,
        description=description,
        found_at=fields.pop("found_at", None) or timezone.now(),
        reported_by=actor if getattr(actor, "pk", None) else None,
        grade=grade,
        major_criteria=list(judgement.clauses),
        judgement_reasons=dict(judgement.reasons),
        reported_clauses=sorted(facts.reported_clauses),
        serious_categories=list(rules.serious_categories_for(judgement, facts)),
        **fields,
    )
    photo_ids = _attach(hazard, photos, HazardAttachment.Stage.REPORT, actor)
    record_event(
        "hazard.reported",
        actor=actor,
        obj=hazard,
        data={
            "source": source,
            "grade": grade,
            "major_criteria": list(judgement.clauses),
            "equipment": equipment.pk if equipment is not None else None,
            "photos": photo_ids,
            **(event_data or {}),
        },
    )
    roles = (*REVIEWERS, Role.PRINCIPAL) if hazard.is_major else REVIEWERS
    with platform_language():
        notify(people_of(organization.pk, roles), **_reported_message(hazard))
    if hazard.is_major:
        _major_consequences(hazard, actor)
    refresh_equipment_hazard_counts([hazard.equipment_id])
    return hazard


def _reported_message(hazard: Hazard) -> dict:
    """What the unit's reviewers are told of a newly registered hazard (in the platform language)."""
    return {
        "kind": "hazard.reported",
        "key": f"hazard:{hazard.pk}:reported",
        "title": _("新登记隐患：%(text)s") % {"text": hazard.description[:40]},
        "body": _("来源：%(source)s；等级：%(grade)s。请确认定级或驳回。")
        % {"source": hazard.get_source_display(), "grade": hazard.get_grade_display()},
        "link": hazard_link(hazard),
    }


def _major_consequences(hazard: Hazard, actor: User | None) -> None:
    """A major hazard: the equipment must not be used, its risks are reassessed, and the regulator of the region
    is told at once (Order 16 art 14: report major hazards; GB 45067-2024)."""
    if hazard.reported_to_regulator_at is None:
        hazard.reported_to_regulator_at = timezone.now()
        hazard.save(update_fields=["reported_to_regulator_at"])
        record_event(
            "hazard.reported_to_regulator",
            actor=actor,
            obj=hazard,
            data={"grade": hazard.grade, "major_criteria": hazard.major_criteria},
        )
    if hazard.equipment_id and hazard.inspection_id is None:
        # (A failed inspection has already flagged the risks, naming its conclusion.)
        flag_for_reassessment(equipment_id=hazard.equipment_id, reason=_("存在重大事故隐患"))
    unit_name = hazard.organization.name
    with platform_language():
        notify(
            regulator_people(hazard.region_id),
            kind="hazard.major",
            key=f"hazard:{hazard.pk}:major",
            title=_("重大事故隐患报告：%(unit)s") % {"unit": unit_name},
            body=_("%(unit)s：%(text)s（GB 45067-2024 第 %(clauses)s 条）")
            % {"unit": unit_name, "text": hazard.description[:80], "clauses": "、".join(hazard.major_criteria) or "—"},
            link=hazard_link(hazard),
        )
    with platform_language():
        notify(
            people_of(hazard.organization_id, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
            kind="hazard.major",
            key=f"hazard:{hazard.pk}:major",
            title=_("重大事故隐患：设备禁止使用"),
            body=_("%(text)s。整改完成并经监管部门核查前，相关设备不得使用。") % {"text": hazard.description[:80]},
            link=hazard_link(hazard),
        )


def _member_of(actor: User, organization_id: int) -> None:
    scope = scope_of(actor)
    if scope.kind != ScopeKind.UNIT or actor.organization_id != organization_id or not actor.has_role(*UNIT_ROLES):
        raise PermissionDenied(_("只有本单位人员可以登记本单位的隐患。"))


def do_report_hazard(
    *,
    actor: User,
    equipment: Equipment | None,
    description: str,
    location: str = "",
    photos: Iterable[Attachment] = (),
    clauses: Iterable[str] = (),
    grade: str | None = None,
    found_at=None,
) -> Hazard:
    """随手拍: any member of the unit reports what they saw, with photos, optionally naming GB 45067 clauses."""
    if equipment is not None:
        _member_of(actor, equipment.organization_id)
        organization = equipment.organization
    else:
        _member_of(actor, actor.organization_id)
        organization = actor.organization
    clauses = _clean_clauses(clauses, equipment)
    with transaction.atomic():
        return _register(
            actor=actor,
            organization=organization,
            equipment=equipment,
            source=HazardSource.REPORT,
            description=description,
            facts=_facts(equipment, category="", reported=clauses),
            photos=photos,
            location=location,
            grade=grade,
            found_at=found_at,
        )


def register_system_hazard(
    *,
    organization: Organization,
    equipment: Equipment | None,
    description: str,
    investigation_kind: str = "",
    event_data: dict | None = None,
    found_at=None,
) -> Hazard:
    """A hazard the platform itself finds in the unit's data (source `system`): an operator without a valid
    certificate, a monitored value out of bounds.  Graded by the GB 45067 judgement like every other; the caller
    decides when one is due (once per gap, not per run) and calls it inside its transaction."""
    return _register(
        actor=None,
        organization=organization,
        equipment=equipment,
        source=HazardSource.SYSTEM,
        description=description,
        facts=_facts(equipment, category=""),
        investigation_kind=investigation_kind,
        event_data=event_data,
        found_at=found_at,
    )


@dataclass
class SystemHazard:
    """One hazard for `register_system_hazards`: the arguments `register_system_hazard` takes for it."""

    organization: Organization
    equipment: Equipment | None
    description: str
    event_data: dict | None = None


def register_system_hazards(requests: Iterable[SystemHazard]) -> list[Hazard]:
    """`register_system_hazard` for many hazards in a fixed number of queries: the same rows, `hazard.reported`
    events and notifications, inserted together (COPY on PostgreSQL), for the daily compliance run, which opens
    thousands of operator gaps at once.  Returns the hazards in the order asked; call it inside the caller's
    transaction."""
    requests = list(requests)
    now = timezone.now()
    hazards, judgements = [], []
    for request in requests:
        description = (request.description or "").strip()
        if not description:
            raise ValidationError({"description": _("请描述隐患。")})
        equipment = request.equipment
        facts = _facts(equipment, category="")
        judgement = rules.judge(facts) if facts.category else rules.Judgement(clauses=(), major=False, reasons={})
        judgements.append(judgement)
        hazards.append(
            Hazard(
                organization=request.organization,
                region_id=equipment.region_id if equipment is not None else request.organization.region_id,
                equipment=equipment,
                catalog_code=equipment.category_id if equipment is not None else "",
                source=HazardSource.SYSTEM,
                description=description,
                found_at=now,
                reported_by=None,
                grade=rules.grade_floor(judgement),
                major_criteria=list(judgement.clauses),
                judgement_reasons=dict(judgement.reasons),
                reported_clauses=sorted(facts.reported_clauses),
                serious_categories=list(rules.serious_categories_for(judgement, facts)),
            )
        )
    if not hazards:
        return []
    insert_instances(Hazard, hazards)
    insert_instances(
        Event,
        [
            build_event(
                "hazard.reported",
                obj=hazard,
                data={
                    "source": HazardSource.SYSTEM,
                    "grade": hazard.grade,
                    "major_criteria": list(judgement.clauses),
                    "equipment": hazard.equipment_id,
                    "photos": [],
                    **(request.event_data or {}),
                },
            )
            for hazard, judgement, request in zip(hazards, judgements, requests, strict=True)
        ],
    )
    people = people_by_organization({hazard.organization_id for hazard in hazards}, (*REVIEWERS, Role.PRINCIPAL))
    with platform_language():
        notify_many(
            Message(
                users=holders(
                    people.get(hazard.organization_id, []),
                    *((*REVIEWERS, Role.PRINCIPAL) if hazard.is_major else REVIEWERS),
                ),
                **_reported_message(hazard),
            )
            for hazard in hazards
        )
    for hazard in hazards:
        # Judged major only by a failed inspection or a reported clause, which a system finding has not: never in
        # the daily run, so the one-by-one consequences cost nothing there.
        if hazard.is_major:
            _major_consequences(hazard, None)
    refresh_equipment_hazard_counts([hazard.equipment_id for hazard in hazards])
    return hazards


def hazard_from_check_result(*, result: CheckResult, actor: User) -> Hazard:
    """A failed check item becomes a hazard of the task's unit; an item linked to a GB 45067 clause makes it major.
    Called inside the task's transaction."""
    task = result.task
    equipment = result.equipment
    failed = [result.gb45067_clause] if result.gb45067_clause else []
    if equipment is not None:
        failed = [clause for clause in failed if rules.clause_applies(clause, equipment.category_id)]
    description = _("检查项不符合：%(text)s") % {"text": result.text}
    if result.note:
        description = f"{description}。{result.note}"
    return _register(
        actor=actor,
        organization=task.organization,
        equipment=equipment,
        source=HazardSource.CHECK,
        description=description,
        facts=_facts(equipment, category="", failed=failed),
        photos=result.photos.all(),
        investigation_kind=task.kind,
        check_result=result,
        event_data={"task": task.pk, "item_code": result.item_code},
    )


def hazard_from_inspection(*, inspection: PeriodicInspection, actor: User) -> Hazard | None:
    """A periodic inspection concluding fail or retest-fail on in-use equipment is a major hazard by itself
    (GB 45067-2024, e.g. 4.6a for an elevator): the platform registers it. Called inside the recording
    transaction."""
    equipment = inspection.equipment
    facts = _facts(equipment, conclusion=inspection.conclusion)
    judgement = rules.judge(facts)
    if not judgement.clauses:
        return None
    return _register(
        actor=actor,
        organization=equipment.organization,
        equipment=equipment,
        source=HazardSource.SYSTEM,
        description=_("定期检验结论为“%(conclusion)s”（报告 %(report)s），设备仍在使用")
        % {"conclusion": inspection.get_conclusion_display(), "report": inspection.report_no or "—"},
        facts=facts,
        inspection=inspection,
        found_by_organization=inspection.agency,
        event_data={"inspection": inspection.pk},
    )


def do_record_findings(*, actor: User, inspection: PeriodicInspection, findings: list[Mapping]) -> list[Hazard]:
    """An inspection agency's findings with its inspection (检验意见): each becomes a hazard of the unit; a serious
    one also reaches the regulator at once (特种设备安全法 art 53)."""
    scope = scope_of(actor)
    equipment = inspection.equipment
    by_agency = scope.kind == ScopeKind.AGENCY and inspection.agency_id == actor.organization_id
    # The unit may enter the findings of the report it received, as it may enter the report itself.
    by_unit = scope.kind == ScopeKind.UNIT and actor.organization_id == equipment.organization_id
    if not (by_agency or by_unit):
        raise PermissionDenied(_("只有出具该检验报告的检验机构或使用单位可以登记检验发现的问题。"))
    hazards = []
    with transaction.atomic():
        for index, finding in enumerate(findings):
            try:
                clauses = _clean_clauses(finding.get("major_criteria") or [], equipment)
            except ValidationError as error:
                raise ValidationError({f"findings[{index}]": error.message_dict["major_criteria"]}) from error
            hazard = _register(
                actor=actor,
                organization=equipment.organization,
                equipment=equipment,
                source=HazardSource.INSPECTION_AGENCY,
                description=finding.get("description", ""),
                facts=_facts(equipment, reported=clauses),
                inspection=inspection,
                found_by_organization=inspection.agency,
                location=finding.get("location", ""),
                event_data={"inspection": inspection.pk, "serious": bool(finding.get("serious"))},
            )
            if finding.get("serious") and not hazard.is_major:
                _report_serious_finding(hazard, actor)
            hazards.append(hazard)
    return hazards


def _report_serious_finding(hazard: Hazard, actor: User) -> None:
    hazard.reported_to_regulator_at = timezone.now()
    hazard.save(update_fields=["reported_to_regulator_at"])
    record_event("hazard.reported_to_regulator", actor=actor, obj=hazard, data={"grade": hazard.grade})
    with platform_language():
        notify(
            regulator_people(hazard.region_id),
            kind="hazard.serious_finding",
            key=f"hazard:{hazard.pk}:serious",
            title=_("检验机构报告严重问题：%(unit)s") % {"unit": hazard.organization.name},
            body=hazard.description[:200],
            link=hazard_link(hazard),
        )


def do_regulator_finding(
    *,
    actor: User,
    organization: Organization,
    equipment: Equipment | None,
    description: str,
    clauses: Iterable[str] = (),
    grade: str | None = None,
    serious_categories: Iterable[str] = (),
) -> Hazard:
    """A regulator's enforcement finding (监督检查, Order 57): a hazard of the unit the unit must handle. S6 of
    Order 57 art 25 (other serious hazards the regulator determines) is the regulator's to set."""
    scope = scope_of(actor)
    if scope.kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员可以登记监督检查发现的隐患。"))
    if equipment is not None and equipment.organization_id != organization.pk:
        raise ValidationError({"equipment": _("该设备不属于所选单位。")})
    region = equipment.region_id if equipment is not None else organization.region_id
    if not region.startswith(scope.region_prefix):
        raise PermissionDenied(_("该单位不在您的监管辖区内。"))
    categories = [code for code in serious_categories or [] if code]
    unknown = [code for code in categories if code not in rules.SERIOUS_HAZARD_CATEGORIES]
    if unknown:
        raise ValidationError({"serious_categories": _("未知的严重事故隐患类别：%(c)s。") % {"c": "、".join(unknown)}})
    clauses = _clean_clauses(clauses, equipment)
    with transaction.atomic():
        hazard = _register(
            actor=actor,
            organization=organization,
            equipment=equipment,
            source=HazardSource.REGULATOR,
            description=description,
            facts=_facts(equipment, category="", reported=clauses),
            found_by_organization=actor.organization,
            grade=grade,
        )
        if categories:
            hazard.serious_categories = sorted(set(hazard.serious_categories) | set(categories))
            hazard.save(update_fields=["serious_categories"])
    return hazard


def _client_address(ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def do_public_report(
    *,
    equipment: Equipment,
    description: str,
    reporter_name: str = "",
    reporter_contact: str = "",
    client_ip: str = "",
) -> Hazard:
    """公众举报 from the equipment's QR page, without an account: rate-limited, and the unit must confirm or reject
    it within three days (the reminder job escalates one left unanswered). Text only: an anonymous visitor does not
    upload files to the platform."""
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    day_ago = now - timedelta(days=1)
    public = Hazard.objects.filter(source=HazardSource.PUBLIC)
    address = _client_address(client_ip)
    if (
        public.filter(equipment=equipment, created_at__gte=hour_ago).count() >= PUBLIC_LIMIT_PER_EQUIPMENT_HOUR
        or (
            address
            and public.filter(reporter_address=address, created_at__gte=hour_ago).count()
            >= PUBLIC_LIMIT_PER_ADDRESS_HOUR
        )
        or (
            address
            and public.filter(reporter_address=address, created_at__gte=day_ago).count() >= PUBLIC_LIMIT_PER_ADDRESS_DAY
        )
    ):
        raise RateLimited(_("提交过于频繁，请稍后再试。紧急情况请拨打 12315 或 96333（电梯）。"))
    if equipment.status == EquipmentStatus.SCRAPPED:
        raise ValidationError({"description": _("该设备已报废注销。")})
    with transaction.atomic():
        hazard = _register(
            actor=None,
            organization=equipment.organization,
            equipment=equipment,
            source=HazardSource.PUBLIC,
            description=description,
            facts=_facts(equipment),
            reporter_name=(reporter_name or "").strip()[:50],
            reporter_contact=(reporter_contact or "").strip()[:50],
            confirm_by=timezone.localdate() + timedelta(days=PUBLIC_CONFIRM_DAYS),
            reporter_address=address,
        )
    return hazard


# -- the closed loop -------------------------------------------------------------------------------------------------


def _check(hazard: Hazard, action: str, actor: User, payload: Mapping, today: date) -> str:
    if hazard.organization_id != actor.organization_id:
        raise PermissionDenied(_("只有隐患所属单位的人员可以处理该隐患。"))
    try:
        return workflow.check_transition(
            state_of(hazard), action, actor_id=actor.pk, actor_roles=actor.roles, payload=payload, today=today
        )
    except workflow.ActionNotPermitted as refused:
        raise PermissionDenied(refused.message) from refused
    except workflow.TransitionRefused as refused:
        raise InvalidTransition(refused.message) from refused
    except workflow.MissingFields as missing:
        raise ValidationError(missing.errors) from missing


def _save(hazard: Hazard, fields: Iterable[str]) -> None:
    hazard.version += 1
    hazard.save(update_fields=[*fields, "version", "updated_at"])


def _event(event_type: str, hazard: Hazard, actor: User, before: str, data: dict | None = None) -> None:
    record_event(
        event_type,
        actor=actor,
        obj=hazard,
        data={"status": [before, hazard.status], **(data or {})},
    )


def _check_responsible(responsible: User | None, hazard: Hazard) -> None:
    if responsible is not None and (responsible.organization_id != hazard.organization_id or not responsible.is_active):
        raise ValidationError({"responsible": _("整改责任人须是本单位的在职人员。")})


def do_confirm_hazard(*, actor: User, hazard: Hazard, data: Mapping, expected_version) -> Hazard:
    """确认定级 with the 五落实; a general hazard fixed on the spot (即查即改) with evidence closes at once, the
    confirmer accepting the fix. A major one needs the 治理方案 with its six contents (Order 16 art 15)."""
    today = timezone.localdate()
    evidence = list(data.get("evidence") or [])
    immediate = data.get("handling") == workflow.HANDLING_IMMEDIATE and bool(evidence)
    action = workflow.CONFIRM_IMMEDIATE if immediate else workflow.CONFIRM
    payload = dict(data)
    if data.get("handling") == workflow.HANDLING_IMMEDIATE and not evidence and not payload.get("deadline"):
        payload["deadline"] = today  # fixed today, evidence to follow with the rectification
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        check_version(hazard, expected_version)
        grade = payload.get("grade")
        if grade in rules.GRADES:
            floor_message = rules.validate_grade(
                grade, rules.Judgement(tuple(hazard.major_criteria), bool(hazard.major_criteria), {})
            )
            if floor_message:
                raise ValidationError({"grade": floor_message + "。"})
            if hazard.is_major and grade == HazardGrade.GENERAL:
                raise ValidationError({"grade": _("该隐患已定为重大事故隐患，不能降为一般事故隐患。")})
        _check_responsible(payload.get("responsible"), hazard)
        before = hazard.status
        target = _check(hazard, action, actor, payload, today)
        became_major = grade == HazardGrade.MAJOR and not hazard.is_major
        hazard.grade = grade
        hazard.handling = payload["handling"]
        hazard.responsible = payload.get("responsible")
        hazard.measures = payload.get("measures", "")
        hazard.funds = str(payload.get("funds", "") or "")
        hazard.contingency = payload.get("contingency", "")
        hazard.plan = dict(payload.get("plan") or {}) if grade == HazardGrade.MAJOR else {}
        hazard.confirmed_by = actor
        hazard.confirmed_at = timezone.now()
        hazard.status = target
        fields = ["grade", "handling", "responsible", "measures", "funds", "contingency", "plan", "confirmed_by"]
        fields += ["confirmed_at", "status"]
        if action == workflow.CONFIRM_IMMEDIATE:
            _attach(hazard, evidence, HazardAttachment.Stage.EVIDENCE, actor)
            hazard.rectified_by = hazard.accepted_by = actor
            hazard.rectified_at = hazard.accepted_at = hazard.closed_at = timezone.now()
            hazard.rectification = payload.get("measures", "")
            hazard.deadline = today
            fields += ["rectified_by", "accepted_by", "rectified_at", "accepted_at", "closed_at", "rectification"]
        else:
            hazard.deadline = workflow.as_date(payload["deadline"])
        fields.append("deadline")
        _save(hazard, fields)
        _event(
            "hazard.confirmed",
            hazard,
            actor,
            before,
            {
                "grade": hazard.grade,
                "handling": hazard.handling,
                "deadline": hazard.deadline,
                "responsible": hazard.responsible_id,
                "evidence": [a.pk for a in evidence] if immediate else [],
            },
        )
        if hazard.status == HazardStatus.CLOSED:
            record_event("hazard.closed", actor=actor, obj=hazard, data={"immediate": True})
        elif hazard.responsible is not None:
            with platform_language():
                notify(
                    [hazard.responsible],
                    kind="hazard.assigned",
                    key=f"hazard:{hazard.pk}:responsible:{hazard.responsible_id}",
                    title=_("您是隐患整改责任人：%(text)s") % {"text": hazard.description[:40]},
                    body=_("整改期限 %(deadline)s。") % {"deadline": hazard.deadline},
                    link=hazard_link(hazard),
                )
        if became_major:
            _major_consequences(hazard, actor)
        refresh_equipment_hazard_counts([hazard.equipment_id])
    return hazard


def do_reject_hazard(*, actor: User, hazard: Hazard, reason: str, expected_version) -> Hazard:
    """不构成隐患: the reviewer dismisses a report with a reason. Enforcement, inspection and platform findings
    cannot be dismissed by the unit."""
    today = timezone.localdate()
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        check_version(hazard, expected_version)
        if hazard.source in NOT_REJECTABLE:
            raise InvalidTransition(
                _("来源为“%(source)s”的隐患不能驳回，须整改。") % {"source": hazard.get_source_display()}
            )
        before = hazard.status
        hazard.status = _check(hazard, workflow.REJECT, actor, {"reason": reason}, today)
        hazard.rejection_reason = reason.strip()
        hazard.closed_at = timezone.now()
        _save(hazard, ["status", "rejection_reason", "closed_at"])
        _event("hazard.rejected", hazard, actor, before, {"reason": hazard.rejection_reason})
        refresh_equipment_hazard_counts([hazard.equipment_id])
    return hazard


def do_submit_rectification(
    *, actor: User, hazard: Hazard, description: str, evidence: Iterable[Attachment], expected_version
) -> Hazard:
    """提交整改 with evidence (photos, reports): the hazard waits for acceptance by someone else."""
    today = timezone.localdate()
    evidence = list(evidence or [])
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        check_version(hazard, expected_version)
        before = hazard.status
        payload = {"description": description, "evidence": [a.pk for a in evidence]}
        hazard.status = _check(hazard, workflow.SUBMIT_RECTIFICATION, actor, payload, today)
        _attach(hazard, evidence, HazardAttachment.Stage.EVIDENCE, actor)
        hazard.rectification = description.strip()
        hazard.rectified_by = actor
        hazard.rectified_at = timezone.now()
        _save(hazard, ["status", "rectification", "rectified_by", "rectified_at"])
        _event("hazard.rectification_submitted", hazard, actor, before, {"evidence": payload["evidence"]})
        # The confirmer accepts a general hazard; only the principal accepts a major one.
        confirmer = hazard.confirmed_by_id and hazard.confirmed_by_id != actor.pk and not hazard.is_major
        acceptors = [hazard.confirmed_by] if confirmer else []
        roles = (Role.PRINCIPAL,) if hazard.is_major else (Role.SAFETY_DIRECTOR,)
        with platform_language():
            notify(
                acceptors or [u for u in people_of(hazard.organization_id, roles) if u.pk != actor.pk],
                kind="hazard.awaiting_acceptance",
                key=f"hazard:{hazard.pk}:submitted:{hazard.version}",
                title=_("隐患整改待验收：%(text)s") % {"text": hazard.description[:40]},
                body=hazard.rectification[:200],
                link=hazard_link(hazard),
            )
        if hazard.is_major and open_listing(hazard) is None:
            with platform_language():
                notify(
                    regulator_people(hazard.region_id),
                    kind="hazard.awaiting_verification",
                    key=f"hazard:{hazard.pk}:verify:{hazard.version}",
                    title=_("重大事故隐患整改完成，待核查：%(unit)s") % {"unit": hazard.organization.name},
                    body=hazard.rectification[:200],
                    link=hazard_link(hazard),
                )
    return hazard


def do_accept_hazard(*, actor: User, hazard: Hazard, passed: bool, comment: str, expected_version) -> Hazard:
    """验收: by someone other than the rectifier (the principal for a major hazard, after the regulator's
    verification). A failed acceptance sends it back to rectifying with the comment."""
    today = timezone.localdate()
    if not isinstance(passed, bool):
        raise ValidationError({"passed": _("验收结论须为通过或不通过。")})
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        check_version(hazard, expected_version)
        before = hazard.status
        action = workflow.acceptance_action(passed)
        hazard.status = _check(hazard, action, actor, {"passed": passed, "comment": comment}, today)
        hazard.acceptance_comment = comment.strip()
        fields = ["status", "acceptance_comment"]
        if passed:
            hazard.accepted_by = actor
            hazard.accepted_at = hazard.closed_at = timezone.now()
            fields += ["accepted_by", "accepted_at", "closed_at"]
        elif hazard.regulator_verified:
            # The unit found it not rectified after all: the regulator's verification no longer holds, and a
            # listing waiting to be delisted goes back to supervision until completion is reported again.
            hazard.regulator_verified = False
            fields.append("regulator_verified")
            _reopen_listing(hazard, actor, comment)
        _save(hazard, fields)
        _event("hazard.accepted" if passed else "hazard.acceptance_failed", hazard, actor, before, {"comment": comment})
        if passed:
            record_event("hazard.closed", actor=actor, obj=hazard, data={})
        elif hazard.rectified_by_id:
            with platform_language():
                notify(
                    [hazard.rectified_by],
                    kind="hazard.acceptance_failed",
                    key=f"hazard:{hazard.pk}:failed:{hazard.version}",
                    title=_("隐患验收未通过：%(text)s") % {"text": hazard.description[:40]},
                    body=comment[:200],
                    link=hazard_link(hazard),
                )
        refresh_equipment_hazard_counts([hazard.equipment_id])
    return hazard


def _reopen_listing(hazard: Hazard, actor: User, comment: str) -> None:
    listing = open_listing(hazard)
    if listing is None or listing.status == ListingStatus.LISTED:
        return
    listing.status = ListingStatus.LISTED
    listing.version += 1
    listing.save(update_fields=["status", "version"])
    record_event("listing.reopened", actor=actor, obj=listing, data={"hazard": hazard.pk, "comment": comment})


def do_extend_deadline(
    *, actor: User, hazard: Hazard, new_deadline, reason: str, interim_measures: str, expected_version
) -> Hazard:
    """延期: asked before the deadline passes, with the reason and the interim measures that keep it safe."""
    today = timezone.localdate()
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        check_version(hazard, expected_version)
        before = hazard.status
        old = hazard.deadline
        payload = {"new_deadline": new_deadline, "reason": reason, "interim_measures": interim_measures}
        hazard.status = _check(hazard, workflow.EXTEND, actor, payload, today)
        hazard.deadline = workflow.as_date(new_deadline)
        hazard.interim_measures = interim_measures.strip()
        hazard.escalation_step = 0  # the reminders start again for the new deadline
        _save(hazard, ["status", "deadline", "interim_measures", "escalation_step"])
        _event(
            "hazard.extended",
            hazard,
            actor,
            before,
            {"deadline": [old, hazard.deadline], "reason": reason, "interim_measures": interim_measures},
        )
    return hazard


def do_regulator_verify(*, actor: User, hazard: Hazard, passed: bool, comment: str, expected_version) -> Hazard:
    """核查 of an unlisted major hazard's rectification by the regulator of its region (Order 16 art 18): passed
    lets the principal close it; failed sends it back to rectifying."""
    if not isinstance(passed, bool):
        raise ValidationError({"passed": _("核查结论须为通过或不通过。")})
    if not (comment or "").strip():
        raise ValidationError({"comment": _("请填写核查意见。")})
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        check_version(hazard, expected_version)
        if not may_verify_as_regulator(hazard, actor):
            if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(*REGULATOR_ROLES):
                raise PermissionDenied(_("只有监管部门可以核查重大事故隐患的整改。"))
            raise InvalidTransition(
                _("隐患当前状态为“%(status)s”，不能核查（仅限待验收、未挂牌督办的重大事故隐患）。")
                % {"status": hazard.get_status_display()}
            )
        before = hazard.status
        fields = ["regulator_verified", "regulator_verified_by", "regulator_verified_at"]
        hazard.regulator_verified = passed
        hazard.regulator_verified_by = actor
        hazard.regulator_verified_at = timezone.now()
        if not passed:
            hazard.status = HazardStatus.RECTIFYING
            hazard.acceptance_comment = comment.strip()
            fields += ["status", "acceptance_comment"]
        _save(hazard, fields)
        _event("hazard.regulator_verified", hazard, actor, before, {"passed": passed, "comment": comment})
        with platform_language():
            notify(
                people_of(hazard.organization_id, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="hazard.regulator_verified",
                key=f"hazard:{hazard.pk}:verified:{hazard.version}",
                title=(_("监管部门核查通过，请验收销号") if passed else _("监管部门核查未通过，请继续整改"))
                + f"：{hazard.description[:40]}",
                body=comment[:200],
                link=hazard_link(hazard),
            )
    return hazard


# -- 挂牌督办 ----------------------------------------------------------------------------------------------------------


def timings() -> workflow.ListingTimings:
    return workflow.listing_timings(getattr(settings, "LISTING_TIMINGS", None))


def verify_by(listing: Listing):
    """When the regulator is due to verify a reported completion (None until one is reported)."""
    if listing.completion_reported_at is None or listing.status != ListingStatus.COMPLETION_REPORTED:
        return None
    return timezone.localdate(listing.completion_reported_at) + timedelta(days=timings().verify_within_days)


LEVEL_BY_REGION_LEVEL = {"province": ListingLevel.PROVINCE, "city": ListingLevel.CITY, "county": ListingLevel.COUNTY}


def listing_level_of(regulator: Organization) -> str:
    return LEVEL_BY_REGION_LEVEL.get(regulator.jurisdiction.level, ListingLevel.COUNTY)


def check_may_supervise(actor: User) -> None:
    """Listing, verifying, delisting and enforcement findings belong to a regulator's inspectors and administrators;
    its leader reads."""
    if scope_of(actor).kind != ScopeKind.REGULATOR or not actor.has_role(Role.INSPECTOR, Role.REGULATOR_ADMIN):
        raise PermissionDenied(_("只有监管部门的监察人员可以挂牌督办。"))


def _listing_check(listing: Listing, action: str, actor: User, payload: Mapping) -> str:
    try:
        return workflow.check_listing_transition(
            listing.status, action, hazard=state_of(listing.hazard), actor_roles=actor.roles, payload=payload
        )
    except workflow.ActionNotPermitted as refused:
        raise PermissionDenied(refused.message) from refused
    except workflow.TransitionRefused as refused:
        raise InvalidTransition(refused.message) from refused
    except workflow.MissingFields as missing:
        raise ValidationError(missing.errors) from missing


def do_list_hazard(*, actor: User, hazard: Hazard, level: str, deadline, requirements: str = "") -> Listing:
    """挂牌督办: a regulator whose jurisdiction covers the hazard lists an open major hazard at its own level."""
    check_may_supervise(actor)
    regulator = actor.organization
    own_level = listing_level_of(regulator)
    errors = {}
    if level != own_level:
        errors["level"] = _("您所在监管部门只能%(level)s督办。") % {"level": ListingLevel(own_level).label}
    deadline = workflow.as_date(deadline)
    if deadline is None:
        errors["deadline"] = _("请填写有效的督办期限。")
    elif deadline < timezone.localdate():
        errors["deadline"] = _("督办期限不能早于今天。")
    elif deadline > timezone.localdate() + timedelta(days=timings().max_rectification_days):
        errors["deadline"] = _("督办期限不能超过 %(days)s 天（%(citation)s）。") % {
            "days": timings().max_rectification_days,
            "citation": timings().citation,
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hazard = lock_for_update(hazard)
        if not hazard.region_id.startswith(regulator.jurisdiction.prefix):
            raise PermissionDenied(_("该隐患不在您的监管辖区内。"))
        if not hazard.is_major or not hazard.is_open:
            raise InvalidTransition(
                _("只能对未销号的重大事故隐患挂牌督办（该隐患为%(grade)s，状态为“%(status)s”）。")
                % {"grade": hazard.get_grade_display(), "status": hazard.get_status_display()}
            )
        if open_listing(hazard) is not None:
            raise InvalidTransition(_("该隐患已在挂牌督办中。"))
        listing = Listing.objects.create(
            hazard=hazard,
            organization_id=hazard.organization_id,
            region_id=hazard.region_id,
            level=level,
            deadline=deadline,
            requirements=(requirements or "").strip(),
            listing_authority=regulator,
            listed_by=actor,
            listed_on=timezone.localdate(),
        )
        # A verification given before the listing does not count for it: the listing authority verifies again.
        if hazard.regulator_verified:
            hazard.regulator_verified = False
            _save(hazard, ["regulator_verified"])
        record_event(
            "listing.created",
            actor=actor,
            obj=listing,
            data={"hazard": hazard.pk, "level": level, "deadline": deadline, "authority": regulator.pk},
        )
        with platform_language():
            notify(
                people_of(hazard.organization_id, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="listing.created",
                key=f"listing:{listing.pk}:created",
                title=_("重大事故隐患被%(level)s：%(text)s")
                % {"level": listing.get_level_display(), "text": hazard.description[:40]},
                body=_("督办部门：%(authority)s；督办期限：%(deadline)s。%(requirements)s")
                % {"authority": regulator.name, "deadline": deadline, "requirements": listing.requirements},
                link=hazard_link(hazard),
            )
    return listing


def _lock_listing(listing: Listing, expected_version) -> tuple[Listing, Hazard]:
    """The listing and its hazard re-read under lock (a listing step changes both), the listing at the version the
    caller read (API contract, Concurrency: every action sends it), so two regulators never both act on one state."""
    listing = lock_for_update(listing)
    check_version(listing, expected_version)
    listing.hazard = lock_for_update(listing.hazard)
    return listing, listing.hazard


def do_report_completion(
    *, actor: User, listing: Listing, description: str, evidence: Iterable[Attachment], expected_version=None
) -> Listing:
    """The unit reports the listed hazard rectified, with its evidence (整改完成报告)."""
    evidence = list(evidence or [])
    with transaction.atomic():
        listing, hazard = _lock_listing(listing, expected_version)
        _member_of(actor, hazard.organization_id)
        payload = {"description": description, "evidence": [a.pk for a in evidence]}
        listing.status = _listing_check(listing, workflow.REPORT_COMPLETION, actor, payload)
        _attach(hazard, evidence, HazardAttachment.Stage.COMPLETION, actor)
        listing.completion_description = description.strip()
        listing.completion_reported_by = actor
        listing.completion_reported_at = timezone.now()
        listing.version += 1
        listing.save()
        before = hazard.status
        hazard.status = workflow.hazard_status_after_listing(workflow.REPORT_COMPLETION, listing.status)
        hazard.rectification = hazard.rectification or listing.completion_description
        hazard.rectified_by = actor
        hazard.rectified_at = listing.completion_reported_at
        _save(hazard, ["status", "rectification", "rectified_by", "rectified_at"])
        record_event("listing.completion_reported", actor=actor, obj=listing, data={"evidence": payload["evidence"]})
        _event("hazard.rectification_submitted", hazard, actor, before, {"listing": listing.pk})
        with platform_language():
            notify(
                people_of(listing.listing_authority_id, REGULATOR_ROLES),
                kind="listing.completion_reported",
                key=f"listing:{listing.pk}:completion:{listing.version}",
                title=_("挂牌督办隐患报告整改完成，待核查：%(unit)s") % {"unit": hazard.organization.name},
                body=listing.completion_description[:200],
                link=hazard_link(hazard),
            )
    return listing


def _listing_authority_member(actor: User, listing: Listing) -> None:
    check_may_supervise(actor)
    scope = scope_of(actor)
    if not listing.region_id.startswith(scope.region_prefix):
        raise PermissionDenied(_("该隐患不在您的监管辖区内。"))


def do_verify_listing(*, actor: User, listing: Listing, passed: bool, comment: str, expected_version=None) -> Listing:
    """核查: passed → the listing waits for delisting; failed → the hazard goes back to rectifying."""
    with transaction.atomic():
        listing, hazard = _lock_listing(listing, expected_version)
        _listing_authority_member(actor, listing)
        listing.status = _listing_check(listing, workflow.VERIFY, actor, {"passed": passed, "comment": comment})
        listing.verified_by = actor
        listing.verified_at = timezone.now()
        listing.verification_comment = comment.strip()
        listing.version += 1
        listing.save()
        before = hazard.status
        new_status = workflow.hazard_status_after_listing(workflow.VERIFY, listing.status)
        hazard.regulator_verified = bool(passed)
        hazard.regulator_verified_by = actor
        hazard.regulator_verified_at = listing.verified_at
        fields = ["regulator_verified", "regulator_verified_by", "regulator_verified_at"]
        if new_status:
            hazard.status = new_status
            hazard.acceptance_comment = comment.strip()
            fields += ["status", "acceptance_comment"]
        _save(hazard, fields)
        record_event("listing.verified", actor=actor, obj=listing, data={"passed": passed, "comment": comment})
        _event("hazard.regulator_verified", hazard, actor, before, {"passed": passed, "listing": listing.pk})
        with platform_language():
            notify(
                people_of(hazard.organization_id, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="listing.verified",
                key=f"listing:{listing.pk}:verified:{listing.version}",
                title=(_("挂牌督办隐患核查通过") if passed else _("挂牌督办隐患核查未通过，请继续整改"))
                + f"：{hazard.description[:40]}",
                body=comment[:200],
                link=hazard_link(hazard),
            )
    return listing


def do_delist(*, actor: User, listing: Listing, expected_version=None) -> Listing:
    """摘牌销号: the listing ends and the hazard closes (the regulator's verification is its acceptance)."""
    with transaction.atomic():
        listing, hazard = _lock_listing(listing, expected_version)
        _listing_authority_member(actor, listing)
        listing.status = _listing_check(listing, workflow.DELIST, actor, {})
        listing.delisted_by = actor
        listing.delisted_at = timezone.now()
        listing.version += 1
        listing.save()
        before = hazard.status
        hazard.status = workflow.hazard_status_after_listing(workflow.DELIST, listing.status)
        hazard.accepted_by = actor
        hazard.accepted_at = hazard.closed_at = listing.delisted_at
        _save(hazard, ["status", "accepted_by", "accepted_at", "closed_at"])
        record_event("listing.delisted", actor=actor, obj=listing, data={"hazard": hazard.pk})
        _event("hazard.closed", hazard, actor, before, {"listing": listing.pk})
        with platform_language():
            notify(
                people_of(hazard.organization_id, (Role.PRINCIPAL, Role.SAFETY_DIRECTOR)),
                kind="listing.delisted",
                key=f"listing:{listing.pk}:delisted",
                title=_("挂牌督办隐患已摘牌销号：%(text)s") % {"text": hazard.description[:40]},
                link=hazard_link(hazard),
            )
        refresh_equipment_hazard_counts([hazard.equipment_id])
    return listing
