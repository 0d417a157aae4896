"""Every change of a unit's safety management file.  Each `do_…` runs in one transaction, checks who may, writes its
rows, appends one event and has the unit's compliance gaps refreshed after commit."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action, Role
from shuangfang.core.events import record_event
from shuangfang.core.models import Attachment
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied, apply_changes, check_version, display_diff, lock_for_update
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import Equipment, OperatorCertificate
from shuangfang.notifications.recipients import has_any_role, people_of
from shuangfang.notifications.services import notify, platform_language
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization, Region

from . import rules
from .choices import (
    AppointmentRole,
    AttemptStatus,
    ExamKind,
    LicenceKind,
    QuestionKind,
    QuestionTopic,
    ReadingSource,
)
from .compliance import refresh_after_commit
from .models import (
    Appointment,
    Drill,
    EmergencyPlan,
    Exam,
    ExamAttempt,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Question,
    Reading,
    SafetyDocument,
    SafetyProfile,
    TrainingPlan,
    TrainingSession,
    UnitLicence,
)
from .question_bank import JUDGE_OPTIONS
from .risk_questions import sync_unit_risk_questions
from .selectors import current_appointments, duty_holder

# The appointments that carry a platform role of the same name: appointing someone gives them the role's pages.
ROLE_OF_APPOINTMENT = {
    AppointmentRole.PRINCIPAL: Role.PRINCIPAL,
    AppointmentRole.SAFETY_DIRECTOR: Role.SAFETY_DIRECTOR,
    AppointmentRole.SAFETY_OFFICER: Role.SAFETY_OFFICER,
}
# Roles held by one person at a time in a unit.
SINGLE_HOLDER_ROLES = frozenset({AppointmentRole.PRINCIPAL, AppointmentRole.SAFETY_MANAGER})
SPOT_CHECK_ROLES = (Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER)
MAX_QUESTIONS = 100


# -- permission and ownership ---------------------------------------------------------------------------------------


def check_may_manage(actor: User, organization: Organization) -> None:
    """Only the unit's own principal, safety director, safety officer or admin keep its file."""
    if not (actor.organization_id == organization.pk and actor.may(Action.MANAGE_SAFETY)):
        raise PermissionDenied(_("只有本单位的主要负责人、安全总监、安全员或单位管理员可以维护安全管理档案。"))
    if organization.kind not in EQUIPMENT_OWNING_KINDS:
        raise PermissionDenied(_("安全管理档案属于使用特种设备的单位。"))


def _own_attachment(attachment: Attachment | None, organization: Organization, field: str) -> None:
    if attachment is not None and attachment.organization_id != organization.pk:
        raise ValidationError({field: _("附件不属于本单位。")})


def _own_person(person: User, organization: Organization, field: str = "person") -> None:
    if person.organization_id != organization.pk or not person.is_active:
        raise ValidationError({field: _("%(name)s 不是本单位在职人员。") % {"name": person.display_name}})


def _categories(values: Iterable[str], field: str) -> list[str]:
    cleaned = sorted({str(v).strip() for v in values or [] if str(v).strip()})
    unknown = [v for v in cleaned if v not in rules.ORDER_74_CATEGORIES]
    if unknown:
        raise ValidationError(
            {
                field: _("设备种类应为目录种类代码（%(allowed)s），不能是：%(values)s。")
                % {"allowed": "、".join(rules.ORDER_74_CATEGORIES), "values": "、".join(unknown)}
            }
        )
    return cleaned


def _category(value: str, field: str = "equipment_category") -> str:
    value = (value or "").strip()
    return _categories([value], field)[0] if value else ""


def _required(value, field: str, message: str):
    """A value the service cannot do without: missing is a message on its field, not a server error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: message})
    return value


def _finish(event_type: str, *, actor, obj, organization: Organization, data: dict) -> None:
    record_event(event_type, actor=actor, obj=obj, organization=organization, data=data)
    refresh_after_commit(organization.pk)


# -- the profile and the safety management body ---------------------------------------------------------------------

PROFILE_FIELDS = (
    "body_name",
    "body_established_on",
    "body_document",
    "public_elevator_business",
    "public_ride_business",
    "power_station_boiler",
    "petrochemical_plant",
    "boiler_over_2_5_mpa",
    "industrial_piping_km",
)


def profile_of(organization: Organization) -> SafetyProfile:
    """The unit's profile, or an unsaved blank one (version 1) when it has none yet."""
    return SafetyProfile.objects.filter(organization=organization).first() or SafetyProfile(
        organization=organization, region_id=organization.region_id
    )


def _validate_profile(profile: SafetyProfile) -> None:
    if profile.body_name.strip() and profile.body_established_on is None:
        raise ValidationError({"body_established_on": _("登记了安全管理机构名称的，请填写机构设立日期。")})
    if profile.body_established_on is not None and not profile.body_name.strip():
        raise ValidationError({"body_name": _("请填写安全管理机构名称。")})
    if profile.industrial_piping_km is not None and Decimal(str(profile.industrial_piping_km)) < 0:
        raise ValidationError({"industrial_piping_km": _("工业管道长度不能为负数。")})


def do_save_profile(*, actor: User, organization: Organization, changes: dict, version: int | None) -> SafetyProfile:
    check_may_manage(actor, organization)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({field: _("不能修改此字段。") for field in sorted(unknown)})
    _own_attachment(changes.get("body_document"), organization, "body_document")
    with transaction.atomic():
        profile = SafetyProfile.objects.select_for_update().filter(organization=organization).first()
        if profile is None:
            profile = SafetyProfile(organization=organization, region_id=organization.region_id)
            check_version(profile, version)
            for field, value in changes.items():
                setattr(profile, field, value)
            _validate_profile(profile)
            profile.full_clean()
            profile.save()
            diff = {field: [None, getattr(value, "pk", value)] for field, value in changes.items()}
        else:
            check_version(profile, version)
            diff = display_diff(profile, apply_changes(profile, changes, _validate_profile))
        _finish(
            "safety.profile_saved", actor=actor, obj=profile, organization=organization, data={"changes": _plain(diff)}
        )
    return profile


def _plain(diff: dict) -> dict:
    return {
        k: [v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for v in pair]
        for k, pair in diff.items()
    }


# -- licences -------------------------------------------------------------------------------------------------------


def do_record_licence(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    number: str,
    issued_on: date | None,
    expires_on: date | None,
    issued_by: str = "",
    scope: str = "",
    attachment: Attachment | None = None,
) -> UnitLicence:
    """A licence the unit holds (特种设备安全法 art 49 for filling); the unit's current licence of the same kind (for
    other licences: of the same number) is no longer current, and stays on record."""
    check_may_manage(actor, organization)
    _own_attachment(attachment, organization, "attachment")
    if kind not in LicenceKind.values:
        kinds = "、".join(str(label) for label in LicenceKind.labels)
        raise ValidationError({"kind": _("许可类型只能是：%(kinds)s。") % {"kinds": kinds}})
    number = _required(number, "number", _("请填写许可证编号。")).strip()
    _required(issued_on, "issued_on", _("请填写发证日期。"))
    _required(expires_on, "expires_on", _("请填写有效期截止日期。"))
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("发证日期不能晚于今天：登记的是已经取得的许可证。")})
    if expires_on <= issued_on:
        raise ValidationError({"expires_on": _("有效期截止日期应晚于发证日期。")})
    with transaction.atomic():
        superseded = UnitLicence.objects.filter(organization=organization, kind=kind, is_current=True)
        if kind == LicenceKind.OTHER:
            # Other licences are unrelated to each other: a renewal is the same licence number again.
            superseded = superseded.filter(number=number)
        superseded.update(is_current=False)
        licence = UnitLicence(
            organization=organization,
            region_id=organization.region_id,
            kind=kind,
            number=number,
            issued_by=(issued_by or "").strip(),
            issued_on=issued_on,
            expires_on=expires_on,
            scope=(scope or "").strip(),
            attachment=attachment,
            recorded_by=actor,
        )
        licence.full_clean()
        licence.save()
        _finish(
            "safety.licence_recorded",
            actor=actor,
            obj=licence,
            organization=organization,
            data={"kind": kind, "number": number, "expires_on": expires_on.isoformat()},
        )
    return licence


# -- appointments ---------------------------------------------------------------------------------------------------


def do_appoint(
    *,
    actor: User,
    organization: Organization,
    person: User,
    role: str,
    starts_on: date,
    equipment_categories: Iterable[str] = (),
    full_time: bool = False,
    document: Attachment | None = None,
    note: str = "",
) -> Appointment:
    """Appoint a person of the unit to a safety role.  The person is given the platform role of the same name, so
    that the duty cycle's tasks reach them."""
    check_may_manage(actor, organization)
    if role not in AppointmentRole.values:
        raise ValidationError({"role": _("岗位只能是：%(roles)s。") % {"roles": "、".join(AppointmentRole.values)}})
    _own_person(person, organization)
    _own_attachment(document, organization, "document")
    _required(starts_on, "starts_on", _("请填写任职日期。"))
    categories = _categories(equipment_categories, "equipment_categories")
    if role in SINGLE_HOLDER_ROLES and categories:
        raise ValidationError({"equipment_categories": _("主要负责人和安全管理负责人对全单位负责，不分设备种类。")})
    with transaction.atomic():
        lock_for_update(organization)
        if role in SINGLE_HOLDER_ROLES:
            current = Appointment.objects.filter(organization=organization, role=role, ends_on__isnull=True).first()
            if current is not None:
                raise ValidationError(
                    {
                        "role": _("%(role)s 已由 %(name)s 担任：请先办理免职。")
                        % {"role": AppointmentRole(role).label, "name": current.person.display_name}
                    }
                )
        duplicate = Appointment.objects.filter(
            organization=organization, role=role, person=person, ends_on__isnull=True
        ).exists()
        if duplicate:
            raise ValidationError({"person": _("此人已在任该岗位：如需调整负责的设备种类，请先免职再任命。")})
        appointment = Appointment(
            organization=organization,
            region_id=organization.region_id,
            person=person,
            role=role,
            equipment_categories=categories,
            full_time=full_time,
            starts_on=starts_on,
            document=document,
            note=note,
            appointed_by=actor,
        )
        appointment.full_clean()
        appointment.save()
        granted = ROLE_OF_APPOINTMENT.get(role)
        if granted and granted not in person.roles:
            person = lock_for_update(person)
            person.roles = [*person.roles, granted]
            person.version += 1
            person.save(update_fields=["roles", "version"])
            record_event(
                "user.roles_changed",
                actor=actor,
                obj=person,
                organization=organization,
                data={"added": [granted], "by_appointment": appointment.pk},
            )
        _finish(
            "safety.appointed",
            actor=actor,
            obj=appointment,
            organization=organization,
            data={
                "person": person.pk,
                "role": role,
                "equipment_categories": categories,
                "starts_on": starts_on.isoformat(),
            },
        )
    return appointment


def do_end_appointment(
    *, actor: User, appointment: Appointment, ends_on: date, reason: str, version: int | None
) -> Appointment:
    """免职: the appointment ends and stays on record.  The person keeps the platform role (an admin takes it away)."""
    check_may_manage(actor, appointment.organization)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写免职原因。")})
    with transaction.atomic():
        appointment = lock_for_update(appointment)
        check_version(appointment, version)
        if appointment.ends_on is not None:
            raise ValidationError({"ends_on": _("该任命已于 %(date)s 免职。") % {"date": appointment.ends_on}})
        _required(ends_on, "ends_on", _("请填写免职日期。"))
        if ends_on < appointment.starts_on:
            raise ValidationError(
                {"ends_on": _("免职日期不能早于任职日期 %(date)s。") % {"date": appointment.starts_on}}
            )
        appointment.ends_on = ends_on
        appointment.end_reason = reason.strip()
        appointment.ended_by = actor
        appointment.version += 1
        appointment.save(update_fields=["ends_on", "end_reason", "ended_by", "version"])
        _finish(
            "safety.appointment_ended",
            actor=actor,
            obj=appointment,
            organization=appointment.organization,
            data={"ends_on": ends_on.isoformat(), "reason": appointment.end_reason},
        )
    return appointment


def appointed_people(organization_id: int, role: str, category: str = "", today: date | None = None) -> list[int]:
    """Who holds an appointment to the role covering the category today, earliest appointment first."""
    appointments = current_appointments(organization_id, role, today or timezone.localdate())
    return [a.person_id for a in appointments if not category or a.covers(category)]


# -- documents ------------------------------------------------------------------------------------------------------


def do_upload_document(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    title: str,
    effective_on: date,
    attachment: Attachment,
    equipment_category: str = "",
) -> SafetyDocument:
    """A new version of a required document; the earlier versions stay."""
    check_may_manage(actor, organization)
    rule = rules.DOCUMENT_RULES_BY_CODE.get(kind)
    if rule is None:
        raise ValidationError({"kind": _("不是要求的管理制度类型：%(kind)s。") % {"kind": kind}})
    category = _category(equipment_category)
    if rule.scope == rules.PER_CATEGORY and not category:
        raise ValidationError(
            {"equipment_category": _("《%(name)s》按设备种类分别制定：请选择设备种类。") % {"name": _(rule.name)}}
        )
    if rule.scope == rules.UNIT and category:
        raise ValidationError(
            {"equipment_category": _("《%(name)s》全单位一份，不分设备种类。") % {"name": _(rule.name)}}
        )
    if attachment is None:
        raise ValidationError({"attachment": _("请上传制度文件。")})
    _required(effective_on, "effective_on", _("请填写生效日期。"))
    _own_attachment(attachment, organization, "attachment")
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写标题。")})
    with transaction.atomic():
        lock_for_update(organization)
        latest = (
            SafetyDocument.objects.filter(organization=organization, kind=kind, equipment_category=category).aggregate(
                n=Max("version_no")
            )["n"]
            or 0
        )
        document = SafetyDocument.objects.create(
            organization=organization,
            region_id=organization.region_id,
            kind=kind,
            equipment_category=category,
            title=title.strip(),
            version_no=latest + 1,
            effective_on=effective_on,
            attachment=attachment,
            uploaded_by=actor,
        )
        _finish(
            "safety.document_uploaded",
            actor=actor,
            obj=document,
            organization=organization,
            data={"kind": kind, "equipment_category": category, "version_no": document.version_no},
        )
    return document


# -- training -------------------------------------------------------------------------------------------------------


def do_create_training_plan(
    *,
    actor: User,
    organization: Organization,
    year: int,
    title: str,
    content: str = "",
    attachment: Attachment | None = None,
) -> TrainingPlan:
    check_may_manage(actor, organization)
    _own_attachment(attachment, organization, "attachment")
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写标题。")})
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度应为四位年份。")})
    with transaction.atomic():
        plan = TrainingPlan.objects.create(
            organization=organization,
            region_id=organization.region_id,
            year=year,
            title=title.strip(),
            content=content,
            attachment=attachment,
        )
        _finish("safety.training_plan_created", actor=actor, obj=plan, organization=organization, data={"year": year})
    return plan


def do_record_training(
    *,
    actor: User,
    organization: Organization,
    topic: str,
    held_on: date,
    hours,
    trainer: str,
    attendees: Iterable[User],
    location: str = "",
    plan: TrainingPlan | None = None,
    materials: Attachment | None = None,
    sign_in_photo: Attachment | None = None,
) -> TrainingSession:
    check_may_manage(actor, organization)
    _required(held_on, "held_on", _("请填写培训日期。"))
    attendees = list(attendees)
    if not attendees:
        raise ValidationError({"attendees": _("请选择参训人员。")})
    for person in attendees:
        _own_person(person, organization, "attendees")
    if plan is not None and plan.organization_id != organization.pk:
        raise ValidationError({"plan": _("培训计划不属于本单位。")})
    _own_attachment(materials, organization, "materials")
    _own_attachment(sign_in_photo, organization, "sign_in_photo")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("培训日期不能晚于今天：登记的是已经举办的培训。")})
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        hours = Decimal(0)
    if not Decimal("0.5") <= hours <= Decimal(200):
        raise ValidationError({"hours": _("学时应在 0.5 到 200 之间。")})
    _required(topic, "topic", _("请填写培训主题。"))
    _required(trainer, "trainer", _("请填写授课人。"))
    with transaction.atomic():
        session = TrainingSession.objects.create(
            organization=organization,
            region_id=organization.region_id,
            plan=plan,
            topic=topic.strip(),
            held_on=held_on,
            hours=hours,
            trainer=trainer.strip(),
            location=location,
            materials=materials,
            sign_in_photo=sign_in_photo,
            recorded_by=actor,
        )
        session.attendees.set(attendees)
        _finish(
            "safety.training_recorded",
            actor=actor,
            obj=session,
            organization=organization,
            data={"held_on": held_on.isoformat(), "attendees": [p.pk for p in attendees], "hours": str(hours)},
        )
    return session


# -- the question bank and exams ------------------------------------------------------------------------------------


def sync_question_bank() -> int:
    """Load the platform's questions (safety.question_bank) into the bank: new codes are added, changed ones
    updated, codes no longer in the file retired (kept for the exams that used them).  Returns how many changed."""
    from .question_bank import QUESTIONS

    changed = 0
    existing = {q.code: q for q in Question.objects.filter(organization__isnull=True, code__isnull=False)}
    wanted = set()
    for item in QUESTIONS:
        wanted.add(item.code)
        values = {
            "topic": item.topic,
            "kind": item.kind,
            "text": item.text,
            "options": list(item.options),
            "answer": list(item.answer),
            "roles": list(item.roles),
            "equipment_category": item.equipment_category,
            "citation": item.citation,
            "is_active": True,
        }
        question = existing.get(item.code)
        if question is None:
            Question.objects.create(code=item.code, **values)
            changed += 1
        elif any(getattr(question, field) != value for field, value in values.items()):
            if Exam.questions.through.objects.filter(question_id=question.pk).exists():
                # A paper already sat keeps the question as it was asked: the old row is retired (its code freed)
                # and the new text becomes a new row.
                Question.objects.filter(pk=question.pk).update(code=None, is_active=False)
                Question.objects.create(code=item.code, **values)
            else:
                for field, value in values.items():
                    setattr(question, field, value)
                question.version += 1
                question.save()
            changed += 1
    changed += (
        Question.objects.filter(organization__isnull=True, code__isnull=False, is_active=True)
        .exclude(code__in=wanted)
        .update(is_active=False)
    )
    return changed


def _clean_question(kind: str, text: str, options: list, answer: list) -> tuple[list[str], list[int]]:
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": _("题型只能是单选、多选或判断。")})
    if not (text or "").strip():
        raise ValidationError({"text": _("请填写题干。")})
    options = [str(o).strip() for o in options or []]
    if kind == QuestionKind.JUDGE:
        options = list(JUDGE_OPTIONS)
    if len(options) < 2 or any(not o for o in options) or len(set(options)) != len(options):
        raise ValidationError({"options": _("至少两个互不相同的非空选项。")})
    try:
        answer = sorted({int(a) for a in answer or []})
    except (TypeError, ValueError):
        raise ValidationError({"answer": _("答案应为选项的序号（从 0 开始）。")}) from None
    if not answer or any(a < 0 or a >= len(options) for a in answer):
        raise ValidationError({"answer": _("答案应为选项的序号（0 到 %(last)s）。") % {"last": len(options) - 1}})
    if kind != QuestionKind.MULTIPLE and len(answer) != 1:
        raise ValidationError({"answer": _("单选题和判断题只有一个正确答案。")})
    if kind == QuestionKind.MULTIPLE and len(answer) < 2:
        raise ValidationError({"answer": _("多选题至少两个正确答案。")})
    return options, answer


def do_add_question(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    text: str,
    options: list,
    answer: list,
    roles: Iterable[str] = (),
    equipment_category: str = "",
    citation: str = "",
) -> Question:
    """A unit's own question, about its own risks and rules."""
    check_may_manage(actor, organization)
    options, answer = _clean_question(kind, text, options, answer)
    roles = _exam_roles(roles)
    with transaction.atomic():
        question = Question.objects.create(
            organization=organization,
            topic=QuestionTopic.UNIT_RISKS,
            kind=kind,
            text=text.strip(),
            options=options,
            answer=answer,
            roles=roles,
            equipment_category=_category(equipment_category),
            citation=citation,
        )
        record_event("safety.question_added", actor=actor, organization=organization, data={"question": question.pk})
    return question


def _exam_roles(roles: Iterable[str]) -> list[str]:
    allowed = {Role.PRINCIPAL, Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER, Role.OPERATOR}
    roles = sorted(set(roles or []))
    unknown = [r for r in roles if r not in allowed]
    if unknown:
        raise ValidationError({"roles": _("参考岗位只能是主要负责人、安全总监、安全员或作业人员。")})
    return roles


def _draw_questions(
    *, organization: Organization | None, roles, category: str, count: int, seed: int
) -> list[Question]:
    bank = Question.objects.filter(is_active=True).filter(Q(organization__isnull=True) | Q(organization=organization))
    # An exam of one category asks that category's questions and the general ones; an exam of no category asks the
    # general ones and all of the unit's own (its risks span its equipment).
    bank = (
        bank.filter(Q(equipment_category="") | Q(equipment_category=category))
        if category
        else bank.filter(Q(equipment_category="") | Q(organization__isnull=False))
    )
    pool = [q for q in bank.order_by("pk") if not q.roles or set(q.roles) & set(roles)]
    if len(pool) < count:
        raise ValidationError(
            {
                "question_count": _("题库中符合条件的题目只有 %(n)s 道，少于要抽取的 %(count)s 道。")
                % {"n": len(pool), "count": count}
            }
        )
    return random.Random(seed).sample(pool, count)


def do_create_exam(
    *,
    actor: User,
    title: str,
    roles: Iterable[str],
    question_count: int,
    opens_on: date,
    closes_on: date,
    equipment_category: str = "",
    pass_score: int = rules.DEFAULT_PASS_SCORE,
    region: Region | None = None,
    seed: int | None = None,
) -> Exam:
    """A unit's exam of its own people, or a regulator's spot-check of the safety directors and officers of the units
    in `region` (its jurisdiction by default).  The questions are drawn from the bank and every candidate gets an
    attempt to sit."""
    scope = scope_of(actor)
    category = _category(equipment_category)
    roles = _exam_roles(roles)
    if not roles:
        raise ValidationError({"roles": _("请选择参考岗位。")})
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写考试名称。")})
    _required(opens_on, "opens_on", _("请填写开考日期。"))
    _required(closes_on, "closes_on", _("请填写截止日期。"))
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("截止日期不能早于开考日期。")})
    if not 1 <= int(question_count) <= MAX_QUESTIONS:
        raise ValidationError({"question_count": _("题目数量应在 1 到 %(max)s 之间。") % {"max": MAX_QUESTIONS}})
    if not 1 <= int(pass_score) <= 100:
        raise ValidationError({"pass_score": _("合格分应在 1 到 100 之间。")})
    organization = actor.organization
    if scope.kind == ScopeKind.REGULATOR:
        if not actor.may(Action.RUN_SPOT_CHECK):
            raise PermissionDenied(_("您的角色不能组织抽查考核。"))
        kind = ExamKind.SPOT_CHECK
        region = region or organization.jurisdiction
        if not region.code.startswith(scope.region_prefix):
            raise ValidationError({"region": _("抽查范围应在本辖区内。")})
        bad_roles = [r for r in roles if r not in SPOT_CHECK_ROLES]
        if bad_roles:
            raise ValidationError({"roles": _("抽查考核的对象是安全总监和安全员。")})
        candidates = list(
            User.objects.filter(
                is_active=True,
                organization__kind__in=EQUIPMENT_OWNING_KINDS,
                organization__is_active=True,
                organization__region__code__startswith=region.prefix,
            )
            .filter(has_any_role(roles))
            .select_related("organization")
            .order_by("organization_id", "pk")
        )
        if category:
            appointed = set(
                Appointment.objects.filter(person__in=candidates, role__in=roles, ends_on__isnull=True).values_list(
                    "person_id", "equipment_categories"
                )
            )
            covering = {person for person, categories in appointed if not categories or category in categories}
            candidates = [c for c in candidates if c.pk in covering]
        question_owner = None
    else:
        if organization is None or scope.kind != ScopeKind.UNIT:
            raise PermissionDenied(_("只有使用单位和监管部门可以组织考试。"))
        check_may_manage(actor, organization)
        kind = ExamKind.UNIT
        region = organization.region
        candidates = list(
            User.objects.filter(has_any_role(roles), organization=organization, is_active=True).order_by("pk")
        )
        question_owner = organization
        sync_unit_risk_questions(organization)  # the bank asks about the unit's current risk list
    if not candidates:
        raise ValidationError({"roles": _("范围内没有符合条件的考生。")})
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    questions = _draw_questions(
        organization=question_owner, roles=roles, category=category, count=int(question_count), seed=seed
    )
    with transaction.atomic():
        exam = Exam.objects.create(
            organization=organization,
            region=region,
            kind=kind,
            title=title.strip(),
            roles=roles,
            equipment_category=category,
            pass_score=pass_score,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=actor,
        )
        exam.questions.set(questions)
        ExamAttempt.objects.bulk_create(
            [
                ExamAttempt(
                    exam=exam, candidate=c, organization_id=c.organization_id, region_id=c.organization.region_id
                )
                for c in candidates
            ]
        )
        record_event(
            "safety.exam_created",
            actor=actor,
            obj=exam,
            organization=organization,
            region_code=region.code,
            data={"kind": kind, "candidates": len(candidates), "questions": [q.pk for q in questions], "seed": seed},
        )
        with platform_language():
            notify(
                candidates,
                kind="exam.assigned",
                key=f"exam:{exam.pk}:assigned",
                title=_("请参加考试：%(title)s") % {"title": exam.title},
                body=_("考试时间 %(opens)s 至 %(closes)s，共 %(n)s 题，%(pass)s 分合格。")
                % {"opens": opens_on, "closes": closes_on, "n": len(questions), "pass": pass_score},
                link=reverse("safety:exams"),
            )
    return exam


def do_submit_attempt(*, actor: User, attempt: ExamAttempt, answers: dict) -> ExamAttempt:
    """The candidate hands in; the score is computed at once.  A failed spot-check is flagged to the unit."""
    if attempt.candidate_id != actor.pk:
        raise PermissionDenied(_("只能由考生本人作答。"))
    exam = attempt.exam
    today = timezone.localdate()
    if not exam.opens_on <= today <= exam.closes_on:
        raise ValidationError(
            {
                "answers": _("不在考试时间内（%(opens)s 至 %(closes)s）。")
                % {"opens": exam.opens_on, "closes": exam.closes_on}
            }
        )
    questions = list(exam.questions.all())
    key = {str(q.pk): list(q.answer) for q in questions}
    given: dict[str, list[int]] = {}
    for qid, value in (answers or {}).items():
        if str(qid) not in key:
            raise ValidationError({"answers": _("第 %(id)s 题不在本次试卷中。") % {"id": qid}})
        values = value if isinstance(value, list) else [value]
        try:
            given[str(qid)] = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise ValidationError({"answers": _("答案应为选项序号。")}) from None
    with transaction.atomic():
        attempt = lock_for_update(attempt)
        if attempt.status == AttemptStatus.SUBMITTED:
            raise ValidationError({"answers": _("已经交卷，不能重复提交。")})
        score, marks = rules.score_answers(key, given)
        attempt.answers = given
        attempt.marks = marks
        attempt.score = score
        attempt.passed = score >= exam.pass_score
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_at = timezone.now()
        attempt.version += 1
        attempt.save()
        record_event(
            "safety.exam_submitted",
            actor=actor,
            obj=attempt,
            data={"exam": exam.pk, "score": score, "passed": attempt.passed},
        )
        if exam.kind == ExamKind.SPOT_CHECK and not attempt.passed:
            with platform_language():
                notify(
                    people_of(attempt.organization_id, [Role.PRINCIPAL, Role.ORG_ADMIN]),
                    kind="exam.failed",
                    key=f"attempt:{attempt.pk}:failed",
                    title=_("抽查考核不合格：%(name)s") % {"name": actor.display_name},
                    body=_(
                        "%(name)s 在“%(exam)s”中得 %(score)s 分（%(pass)s 分合格）。"
                        "按总局令第74号，应当调整岗位或重新考核合格。"
                    )
                    % {"name": actor.display_name, "exam": exam.title, "score": score, "pass": exam.pass_score},
                    link=reverse("safety:file"),
                )
            refresh_after_commit(attempt.organization_id)
    return attempt


# -- certified operators --------------------------------------------------------------------------------------------


def do_assign_operator(
    *, actor: User, equipment: Equipment, certificate: OperatorCertificate, assigned_on: date
) -> OperatorAssignment:
    organization = equipment.organization
    check_may_manage(actor, organization)
    if equipment.status == EquipmentStatus.SCRAPPED:
        raise ValidationError({"equipment": _("设备已报废，不能安排作业人员。")})
    _required(assigned_on, "assigned_on", _("请填写上岗日期。"))
    if certificate.organization_id != organization.pk:
        raise ValidationError({"certificate": _("作业人员证不属于本单位。")})
    if certificate.expires_on < assigned_on:
        raise ValidationError(
            {"certificate": _("该证已于 %(date)s 过期，不能安排上岗。") % {"date": certificate.expires_on}}
        )
    needed = rules.certificate_rules_for(
        equipment.category_id,
        [f for f in ("quick_opening", "signaller_required") if getattr(equipment, f)],
        organization.kind,
    )
    items = {item for rule in needed for item in rule.items}
    if needed and certificate.item_id not in items:
        raise ValidationError(
            {
                "certificate": _("%(item)s 证不适用于此设备：此设备需要 %(items)s。")
                % {"item": certificate.item_id, "items": "、".join(sorted(items))}
            }
        )
    try:
        with transaction.atomic():
            assignment = OperatorAssignment.objects.create(
                organization=organization,
                region_id=equipment.region_id,
                equipment=equipment,
                certificate=certificate,
                assigned_on=assigned_on,
                assigned_by=actor,
            )
            _finish(
                "safety.operator_assigned",
                actor=actor,
                obj=assignment,
                organization=organization,
                data={"equipment": equipment.pk, "certificate": certificate.pk, "item": certificate.item_id},
            )
    except IntegrityError:
        raise ValidationError({"certificate": _("此人已在该设备上岗。")}) from None
    return assignment


def do_end_assignment(
    *, actor: User, assignment: OperatorAssignment, ended_on: date, version: int | None
) -> OperatorAssignment:
    check_may_manage(actor, assignment.organization)
    with transaction.atomic():
        assignment = lock_for_update(assignment)
        check_version(assignment, version)
        _required(ended_on, "ended_on", _("请填写离岗日期。"))
        if assignment.ended_on is not None:
            raise ValidationError({"ended_on": _("已于 %(date)s 离岗。") % {"date": assignment.ended_on}})
        if ended_on < assignment.assigned_on:
            raise ValidationError({"ended_on": _("离岗日期不能早于上岗日期。")})
        assignment.ended_on = ended_on
        assignment.version += 1
        assignment.save(update_fields=["ended_on", "version"])
        _finish(
            "safety.operator_unassigned",
            actor=actor,
            obj=assignment,
            organization=assignment.organization,
            data={"ended_on": ended_on.isoformat()},
        )
    return assignment


# -- emergency plans and drills -------------------------------------------------------------------------------------


def do_record_emergency_plan(
    *,
    actor: User,
    organization: Organization,
    title: str,
    approved_on: date,
    kind: str,
    equipment_category: str = "",
    review_by: date | None = None,
    attachment: Attachment | None = None,
) -> EmergencyPlan:
    """A new emergency plan; the unit's earlier plan of the same kind and category is no longer current."""
    check_may_manage(actor, organization)
    _own_attachment(attachment, organization, "attachment")
    category = _category(equipment_category)
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写预案名称。")})
    _required(approved_on, "approved_on", _("请填写预案发布日期。"))
    review_by = review_by or rules.months_after(approved_on, rules.EMERGENCY_PLAN_REVIEW_MONTHS)
    if review_by <= approved_on:
        raise ValidationError({"review_by": _("评估修订期限应晚于发布日期。")})
    with transaction.atomic():
        EmergencyPlan.objects.filter(
            organization=organization, kind=kind, equipment_category=category, is_current=True
        ).update(is_current=False)
        plan = EmergencyPlan(
            organization=organization,
            region_id=organization.region_id,
            kind=kind,
            equipment_category=category,
            title=title.strip(),
            approved_on=approved_on,
            review_by=review_by,
            attachment=attachment,
            recorded_by=actor,
        )
        plan.full_clean()
        plan.save()
        _finish(
            "safety.emergency_plan_recorded",
            actor=actor,
            obj=plan,
            organization=organization,
            data={"kind": kind, "equipment_category": category},
        )
    return plan


def do_record_drill(
    *,
    actor: User,
    organization: Organization,
    held_on: date,
    scenario: str,
    equipment_category: str = "",
    plan: EmergencyPlan | None = None,
    participants: str = "",
    participant_count: int = 0,
    evaluation: str = "",
    photos: Iterable[Attachment] = (),
) -> Drill:
    check_may_manage(actor, organization)
    photos = list(photos)
    for photo in photos:
        _own_attachment(photo, organization, "photos")
    if plan is not None and plan.organization_id != organization.pk:
        raise ValidationError({"plan": _("应急预案不属于本单位。")})
    _required(held_on, "held_on", _("请填写演练日期。"))
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("演练日期不能晚于今天：登记的是已经举行的演练。")})
    if not (scenario or "").strip():
        raise ValidationError({"scenario": _("请填写演练科目。")})
    if participant_count is not None and int(participant_count) < 0:
        raise ValidationError({"participant_count": _("参演人数不能为负数。")})
    category = _category(equipment_category) or (plan.equipment_category if plan else "")
    with transaction.atomic():
        drill = Drill.objects.create(
            organization=organization,
            region_id=organization.region_id,
            plan=plan,
            equipment_category=category,
            held_on=held_on,
            scenario=scenario.strip(),
            participants=participants,
            participant_count=participant_count or 0,
            evaluation=evaluation,
            recorded_by=actor,
        )
        drill.photos.set(photos)
        _finish(
            "safety.drill_recorded",
            actor=actor,
            obj=drill,
            organization=organization,
            data={"held_on": held_on.isoformat(), "equipment_category": category},
        )
    return drill


# -- major hazard sources and monitoring ----------------------------------------------------------------------------


def do_create_hazard_source(
    *,
    actor: User,
    organization: Organization,
    name: str,
    grade: str,
    equipment: Equipment | None = None,
    location: str = "",
    description: str = "",
) -> MajorHazardSource:
    check_may_manage(actor, organization)
    if equipment is not None and equipment.organization_id != organization.pk:
        raise ValidationError({"equipment": _("设备不属于本单位。")})
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写名称。")})
    with transaction.atomic():
        source = MajorHazardSource(
            organization=organization,
            region_id=organization.region_id,
            name=name.strip(),
            grade=grade,
            equipment=equipment,
            location=location,
            description=description,
        )
        source.full_clean()
        source.save()
        _finish(
            "safety.hazard_source_created", actor=actor, obj=source, organization=organization, data={"grade": grade}
        )
    return source


def do_add_monitoring_point(
    *, actor: User, source: MajorHazardSource, name: str, quantity: str, unit_of_measure: str = "", low=None, high=None
) -> MonitoringPoint:
    check_may_manage(actor, source.organization)
    _required(name, "name", _("请填写监测点名称。"))
    _required(quantity, "quantity", _("请填写监测参数。"))
    try:
        low = None if low is None else Decimal(str(low))
        high = None if high is None else Decimal(str(high))
    except InvalidOperation:
        raise ValidationError({"high": _("上下限应为数字。")}) from None
    if low is None and high is None:
        raise ValidationError({"high": _("请至少设定上限或下限之一。")})
    if low is not None and high is not None and Decimal(str(high)) <= Decimal(str(low)):
        raise ValidationError({"high": _("上限应大于下限。")})
    with transaction.atomic():
        point = MonitoringPoint(
            organization=source.organization,
            region_id=source.region_id,
            source=source,
            name=name.strip(),
            quantity=quantity.strip(),
            unit_of_measure=unit_of_measure,
            low=low,
            high=high,
        )
        point.full_clean()
        point.save()
        _finish(
            "safety.monitoring_point_added",
            actor=actor,
            obj=point,
            organization=source.organization,
            data={"source": source.pk, "low": str(low), "high": str(high)},
        )
    return point


def do_record_reading(
    *,
    actor: User,
    point: MonitoringPoint,
    value,
    measured_at: datetime | None = None,
    source: str = ReadingSource.MANUAL,
) -> Reading:
    """A measured value.  Out of bounds, it raises a control-failure investigation task (MEM 隐患来源 9) for the
    unit's safety officers and registers a hazard — one per excursion: while the point's last hazard is open, further
    readings out of bounds are recorded against it."""
    from shuangfang.hazards.choices import OPEN_STATUSES, InvestigationKind, TaskStatus
    from shuangfang.hazards.models import InvestigationTask
    from shuangfang.hazards.services import register_system_hazard

    organization = point.organization
    if not (actor.organization_id == organization.pk and actor.may(Action.RECORD_READING)):
        raise PermissionDenied(_("只有本单位人员可以录入监测读数。"))
    if not point.is_active or not point.source.is_active:
        raise ValidationError({"point": _("监测点已停用。")})
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"value": _("读数应为数字。")}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e9"):
        raise ValidationError({"value": _("读数超出可记录的范围。")})
    measured_at = measured_at or timezone.now()
    if measured_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"measured_at": _("测量时间不能晚于现在。")})
    out = point.out_of_bounds(value)
    with transaction.atomic():
        point = lock_for_update(point)
        reading = Reading(
            organization=organization,
            region_id=point.region_id,
            point=point,
            value=value,
            measured_at=measured_at,
            source=source,
            out_of_bounds=out,
            recorded_by=actor,
        )
        if out:
            previous = (
                Reading.objects.filter(point=point, hazard__isnull=False)
                .select_related("hazard")
                .order_by("-measured_at", "-id")
                .first()
            )
            if previous is not None and previous.hazard.status in OPEN_STATUSES:
                reading.hazard, reading.task = previous.hazard, previous.task
            else:
                bounds = (
                    f"{point.low if point.low is not None else '—'} ~ {point.high if point.high is not None else '—'}"
                )
                with platform_language():
                    description = _(
                        "重大危险源“%(source)s”监测点“%(point)s”读数 %(value)s%(uom)s 超出安全范围 %(bounds)s，"
                        "管控措施失效。"
                    ) % {
                        "source": point.source.name,
                        "point": point.name,
                        "value": value,
                        "uom": point.unit_of_measure,
                        "bounds": bounds,
                    }
                    equipment = point.source.equipment
                    officer = duty_holder(
                        organization.pk, AppointmentRole.SAFETY_OFFICER, equipment.category_id if equipment else ""
                    )
                    reading.task = InvestigationTask.objects.create(
                        organization=organization,
                        region_id=point.region_id,
                        kind=InvestigationKind.CONTROL_FAILURE,
                        title=(_("管控措施失效排查：") + str(point))[:200],
                        equipment=point.source.equipment,
                        period_start=timezone.localdate(),
                        due_on=timezone.localdate(),
                        assignee_role=Role.SAFETY_OFFICER,
                        assignee_id=officer,
                        status=TaskStatus.PENDING,
                    )
                    reading.hazard = register_system_hazard(
                        organization=organization,
                        equipment=point.source.equipment,
                        description=description,
                        investigation_kind=InvestigationKind.CONTROL_FAILURE,
                        event_data={"reading_point": point.pk},
                        found_at=measured_at,
                    )
        reading.save()
        _finish(
            "safety.reading_recorded",
            actor=actor,
            obj=reading,
            organization=organization,
            data={"point": point.pk, "value": str(value), "out_of_bounds": out, "hazard": reading.hazard_id},
        )
    return reading


# -- simple mode ----------------------------------------------------------------------------------------------------


def do_start_duty_cycle(*, actor: User, organization: Organization) -> dict[str, int]:
    """The guided start's step: make the unit's Order 74 plans and today's tasks now instead of at the scheduler's
    next hourly run.  Idempotent, like the scheduler it calls."""
    from shuangfang.hazards.scheduling import run_duty_cycle

    check_may_manage(actor, organization)
    if not Equipment.objects.filter(organization=organization, status=EquipmentStatus.IN_USE).exists():
        raise ValidationError({"equipment": _("先登记在用设备，才能生成日管控、周排查、月调度计划。")})
    return run_duty_cycle(timezone.localdate(), units=[organization.pk])
