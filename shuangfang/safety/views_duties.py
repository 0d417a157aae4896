"""The unit's duty pages: required documents (checklist and versions), training (plans, sessions, each person's
history), certified operators on every device (持证上岗), emergency plans and drills, major hazard sources with their
monitoring points and readings.

Unit pages: they show the signed-in unit's own records; anyone else (another kind of organization, a regulator, an
agency) is "not found" here and reads a unit's file through its file page.  A record of another unit is "not found"
too.  Writes go through safety.services; files are uploaded in the same transaction as the record they belong to.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action
from shuangfang.core.access import login_required
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.equipment.models import CatalogEntry, Equipment, OperatorCertificate
from shuangfang.hazards.forms import upload_files
from shuangfang.hazards.views_pages import attachment_url
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from . import compliance, rules, services
from .choices import EmergencyPlanKind
from .forms_duties import (
    DocumentUploadForm,
    DrillForm,
    EmergencyPlanForm,
    HazardSourceForm,
    MonitoringPointForm,
    OperatorAssignForm,
    OperatorEndForm,
    ReadingForm,
    TrainingPlanForm,
    TrainingSessionForm,
    in_use_equipment,
)
from .models import (
    Drill,
    EmergencyPlan,
    ExamAttempt,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Reading,
    SafetyDocument,
    TrainingPlan,
    TrainingSession,
)

READINGS_SHOWN = 20
FEATURES = ("quick_opening", "signaller_required")


@dataclass(frozen=True)
class Badge:
    label: str
    color: str


@dataclass(frozen=True)
class FileLink:
    url: str
    name: str
    is_image: bool


def file_link(attachment) -> FileLink | None:
    """A file through the scoped attachment download."""
    if attachment is None:
        return None
    return FileLink(
        url=attachment_url(attachment.pk),
        name=attachment.original_name or f"{attachment.sha256[:12]}{attachment.extension}",
        is_image=attachment.content_type.startswith("image/"),
    )


# Whose pages, who may write ------------------------------------------------------------------------------------------


def own_unit(request) -> Organization:
    """The signed-in person's unit; these pages are a use unit's own, so for anyone else they do not exist."""
    user = request.user
    if scope_of(user).kind != ScopeKind.UNIT or user.organization.kind not in EQUIPMENT_OWNING_KINDS:
        raise Http404(_("安全管理档案属于使用特种设备的单位。"))
    return user.organization


def may_manage(user) -> bool:
    return user.may(Action.MANAGE_SAFETY)


def require_manager(user) -> None:
    if not may_manage(user):
        raise PermissionDenied(_("只有本单位的主要负责人、安全总监、安全员或单位管理员可以维护安全管理档案。"))


def _one(queryset, pk: int, message: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(message)
    return found


def _upload(actor, uploaded, field_name: str):
    """One uploaded file as the actor's attachment, or None; a refused file is reported on its field."""
    return upload_files(actor, [uploaded], field_name)[0] if uploaded else None


def _category_names() -> dict[str, str]:
    return dict(CatalogEntry.objects.filter(code__endswith="000").values_list("code", "name"))


def _form_page(request, form, *, title: str, back_url: str, back_label: str, status: int, **extra):
    context = {"form": form, "title": title, "back_url": back_url, "back_label": back_label, **extra}
    return render(request, "safety/duties/form.html", context, status=status)


# Documents -----------------------------------------------------------------------------------------------------------

DOCUMENT_STATES = {
    None: (gettext_lazy("有效"), "green"),
    "missing": (gettext_lazy("缺少"), "red"),
    "predates_rule": (gettext_lazy("早于规定施行，需修订"), "orange"),
    "review_overdue": (gettext_lazy("超过评审修订期限"), "orange"),
}


def document_badge(state: str | None, required: bool) -> Badge:
    if not required:
        return Badge(_("无在用设备，暂不要求"), "grey")
    label, color = DOCUMENT_STATES[state]
    return Badge(str(label), color)


@login_required
@require_GET
def documents(request):
    """The required documents as a checklist: per rule (per category in use where the rule is per category) the
    current version, its state, its history."""
    unit = own_unit(request)
    today = timezone.localdate()
    facts = compliance.unit_facts(unit)
    in_use = [c for c in facts.categories_in_use if c in rules.ORDER_74_CATEGORIES]
    versions: dict[tuple[str, str], list[SafetyDocument]] = defaultdict(list)
    for document in (
        SafetyDocument.objects.visible_to(request.user)
        .filter(organization=unit)
        .select_related("attachment", "uploaded_by")
        .order_by("kind", "equipment_category", "-version_no")
    ):
        document.file = file_link(document.attachment)
        versions[(document.kind, document.equipment_category)].append(document)
    names = _category_names()
    rows = []
    for rule in rules.DOCUMENT_RULES:
        if rule.scope == rules.UNIT:
            targets = [""]
        else:
            # The categories in use, and those the unit once kept the document for (their history stays readable).
            kept = {category for kind, category in versions if kind == rule.code and category}
            targets = sorted(set(in_use) | kept)
        for category in targets:
            history = versions.get((rule.code, category), [])
            current = history[0] if history else None
            required = bool(facts.equipment_by_category) and (not category or category in in_use)
            state = rules.document_state(rule, current.effective_on if current else None, today)
            query = {"kind": rule.code}
            if category:
                query["equipment_category"] = category
            rows.append(
                {
                    "rule": rule,
                    "name": _(rule.name),
                    "category": category,
                    "category_name": names.get(category, category),
                    "current": current,
                    "history": history,
                    "badge": document_badge(state, required),
                    "in_order": state is None or not required,
                    "upload_url": f"{reverse('safety:document-upload')}?{urlencode(query)}",
                }
            )
    context = {
        "rows": rows,
        "may_manage": may_manage(request.user),
        "no_equipment": not facts.equipment_by_category,
        "per_category_without_categories": not in_use,
        "missing_count": sum(1 for row in rows if not row["in_order"]),
        "section": "documents",
    }
    return render(request, "safety/duties/documents.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    posted = request.method == "POST"
    initial = {"effective_on": timezone.localdate()}
    kind = request.GET.get("kind", "")
    if kind in rules.DOCUMENT_RULES_BY_CODE:
        initial["kind"] = kind
        initial["title"] = _(rules.DOCUMENT_RULES_BY_CODE[kind].name)
    if request.GET.get("equipment_category", "") in rules.ORDER_74_CATEGORIES:
        initial["equipment_category"] = request.GET["equipment_category"]
    form = DocumentUploadForm(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def perform():
                with transaction.atomic():
                    return services.do_upload_document(
                        actor=user,
                        organization=unit,
                        kind=data["kind"],
                        equipment_category=data["equipment_category"],
                        title=data["title"],
                        effective_on=data["effective_on"],
                        attachment=_upload(user, data["attachment"], "attachment"),
                    )

            document, status = submit_to_service(form, perform)
            if document is not None:
                messages.success(
                    request,
                    _("《%(title)s》第 %(version)s 版已上传。")
                    % {"title": document.title, "version": document.version_no},
                )
                return redirect("safety:documents")
    return _form_page(
        request,
        form,
        title=_("上传管理制度"),
        back_url=reverse("safety:documents"),
        back_label=_("管理制度"),
        status=status,
        multipart=True,
        note=_("上传同一制度的新文件即为新版本，以前的版本保留可查。"),
    )


# Training ------------------------------------------------------------------------------------------------------------


def _year(request, today: date) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today.year


@login_required
@require_GET
def training(request):
    """Plans by year, the sessions of the chosen year and each person's hours in it."""
    unit = own_unit(request)
    user = request.user
    today = timezone.localdate()
    year = _year(request, today)
    plans = list(
        TrainingPlan.objects.visible_to(user)
        .filter(organization=unit)
        .select_related("attachment")
        # A join does not pass through the default manager: deleted sessions are left out here (core.deletion).
        .annotate(
            session_count=Count("sessions", filter=Q(sessions__deleted_at__isnull=True)),
            hours=Sum("sessions__hours", filter=Q(sessions__deleted_at__isnull=True)),
        )
        .order_by("-year", "id")
    )
    for plan in plans:
        plan.file = file_link(plan.attachment)
    sessions = list(
        TrainingSession.objects.visible_to(user)
        .filter(organization=unit, held_on__year=year)
        .select_related("plan", "materials", "sign_in_photo")
        .prefetch_related("attendees")
        .order_by("-held_on", "-id")
    )
    for session in sessions:
        session.materials_file = file_link(session.materials)
        session.photo_file = file_link(session.sign_in_photo)
    attended = {
        row["user_id"]: row
        for row in TrainingSession.attendees.through.objects.filter(
            trainingsession__organization=unit,
            trainingsession__held_on__year=year,
            trainingsession__deleted_at__isnull=True,
        )
        .values("user_id")
        .annotate(hours=Sum("trainingsession__hours"), sessions=Count("id"))
        .order_by()
    }
    people = list(
        User.objects.visible_to(user)
        .filter(organization=unit)
        .filter(Q(is_active=True) | Q(pk__in=list(attended)))
        .order_by("id")
    )
    for person in people:
        row = attended.get(person.pk, {})
        person.year_hours = row.get("hours") or Decimal(0)
        person.year_sessions = row.get("sessions", 0)
    years = sorted(
        {today.year, year}
        | {plan.year for plan in plans}
        | {day.year for day in TrainingSession.objects.filter(organization=unit).dates("held_on", "year")},
        reverse=True,
    )
    context = {
        "year": year,
        "years": years,
        "plans": plans,
        "sessions": sessions,
        "people": people,
        "year_hours": sum((s.hours for s in sessions), Decimal(0)),
        "may_manage": may_manage(user),
        "section": "training",
    }
    return render(request, "safety/duties/training.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_plan_new(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    posted = request.method == "POST"
    form = TrainingPlanForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"year": timezone.localdate().year},
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def perform():
                with transaction.atomic():
                    return services.do_create_training_plan(
                        actor=user,
                        organization=unit,
                        year=data["year"],
                        title=data["title"],
                        content=data["content"],
                        attachment=_upload(user, data["attachment"], "attachment"),
                    )

            plan, status = submit_to_service(form, perform)
            if plan is not None:
                messages.success(request, _("培训计划“%(title)s”已添加。") % {"title": plan.title})
                return redirect(f"{reverse('safety:training')}?year={plan.year}")
    return _form_page(
        request,
        form,
        title=_("添加培训计划"),
        back_url=reverse("safety:training"),
        back_label=_("培训"),
        status=status,
        multipart=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_new(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    posted = request.method == "POST"
    initial = {"held_on": timezone.localdate()}
    if request.GET.get("plan", "").isdigit():
        initial["plan"] = int(request.GET["plan"])
    form = TrainingSessionForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=user,
        organization=unit,
        initial=initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def perform():
                with transaction.atomic():
                    return services.do_record_training(
                        actor=user,
                        organization=unit,
                        topic=data["topic"],
                        held_on=data["held_on"],
                        hours=data["hours"],
                        trainer=data["trainer"],
                        attendees=data["attendees"],
                        location=data["location"],
                        plan=data["plan"],
                        materials=_upload(user, data["materials"], "materials"),
                        sign_in_photo=_upload(user, data["sign_in_photo"], "sign_in_photo"),
                    )

            session, status = submit_to_service(form, perform)
            if session is not None:
                messages.success(
                    request,
                    _("培训“%(topic)s”已登记，%(count)s 人参训。")
                    % {"topic": session.topic, "count": session.attendees.count()},
                )
                return redirect(f"{reverse('safety:training')}?year={session.held_on.year}")
    return _form_page(
        request,
        form,
        title=_("登记培训"),
        back_url=reverse("safety:training"),
        back_label=_("培训"),
        status=status,
        multipart=True,
    )


@login_required
@require_GET
def person_training(request, user_id: int):
    """One person's training history and exam results."""
    unit = own_unit(request)
    user = request.user
    person = _one(User.objects.visible_to(user).filter(organization=unit), user_id, _("人员不存在。"))
    sessions = list(
        person.training_sessions.filter(organization=unit).select_related("plan").order_by("-held_on", "-id")
    )
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for session in sessions:
        by_year[session.held_on.year] += session.hours
    attempts = list(
        ExamAttempt.objects.visible_to(user)
        .filter(candidate=person)
        .select_related("exam")
        .order_by("-exam__opens_on", "-id")
    )
    context = {
        "person": person,
        "sessions": sessions,
        "total_hours": sum((s.hours for s in sessions), Decimal(0)),
        "hours_by_year": sorted(by_year.items(), reverse=True),
        "attempts": attempts,
        "section": "training",
    }
    return render(request, "safety/duties/person_training.html", context)


# Certified operators -------------------------------------------------------------------------------------------------

REQUIREMENT_STATES = {
    "ok": (gettext_lazy("已持证上岗"), "green"),
    "expired": (gettext_lazy("证书过期"), "red"),
    "missing": (gettext_lazy("缺持证作业人员"), "red"),
}
STATE_ORDER = ("missing", "expired", "ok")


def requirement_badge(state: str) -> Badge:
    label, color = REQUIREMENT_STATES[state]
    return Badge(str(label), color)


def covered_equipment(user, unit: Organization) -> list[Equipment]:
    """The unit's equipment in use that a certificate rule covers, each with `needed` (the rules)."""
    prefixes = Q(*[Q(category__code__startswith=rule.prefix) for rule in rules.CERTIFICATE_RULES], _connector=Q.OR)
    devices = []
    for device in in_use_equipment(user, unit).filter(prefixes):
        device.needed = rules.certificate_rules_for(
            device.category_id, [name for name in FEATURES if getattr(device, name)], unit.kind
        )
        if device.needed:
            devices.append(device)
    return devices


@dataclass
class Requirement:
    rule: rules.CertificateRule
    items: list[str]
    state: str
    badge: Badge = field(init=False)

    def __post_init__(self):
        self.badge = requirement_badge(self.state)


@login_required
@require_GET
def operators(request):
    """Every device in use a certificate rule covers: the items it needs, who is on it, and whether that is in order."""
    unit = own_unit(request)
    user = request.user
    today = timezone.localdate()
    devices = covered_equipment(user, unit)
    assigned: dict[int, list[OperatorAssignment]] = defaultdict(list)
    for assignment in (
        OperatorAssignment.objects.visible_to(user)
        .filter(equipment__in=devices, ended_on__isnull=True)
        .select_related("certificate__item", "certificate__holder")
        .order_by("assigned_on", "id")
    ):
        assigned[assignment.equipment_id].append(assignment)
    counts = dict.fromkeys(STATE_ORDER, 0)
    for device in devices:
        device.assignments = assigned[device.pk]
        device.requirements = []
        for rule in device.needed:
            held = [a.certificate for a in device.assignments if a.certificate.item_id in rule.items]
            if any(certificate.expires_on >= today for certificate in held):
                state = "ok"
            else:
                state = "expired" if held else "missing"
            device.requirements.append(Requirement(rule, list(rule.items), state))
        device.state = next(s for s in STATE_ORDER if any(r.state == s for r in device.requirements))
        device.badge = requirement_badge(device.state)
        counts[device.state] += 1
    wanted = request.GET.get("state", "")
    shown = [device for device in devices if device.state == wanted] if wanted in counts else devices
    context = {
        "devices": shown,
        "counts": counts,
        "total": len(devices),
        "state": wanted if wanted in counts else "",
        "may_manage": may_manage(user),
        "section": "operators",
    }
    return render(request, "safety/duties/operators.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def operator_assign(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    today = timezone.localdate()
    devices = covered_equipment(user, unit)
    chosen = None
    raw = request.GET.get("equipment", "")
    if raw:
        if not raw.isdigit():
            raise Http404(_("设备不存在。"))
        chosen = _one(in_use_equipment(user, unit), int(raw), _("设备不存在。"))
        chosen.needed = rules.certificate_rules_for(
            chosen.category_id, [name for name in FEATURES if getattr(chosen, name)], unit.kind
        )
    certificates = (
        OperatorCertificate.objects.visible_to(user)
        .filter(organization=unit, expires_on__gte=today)
        .select_related("item")
        .order_by("item_id", "holder_name", "id")
    )
    if chosen is not None and chosen.needed:
        certificates = certificates.filter(item_id__in={item for rule in chosen.needed for item in rule.items})
    posted = request.method == "POST"
    initial = {"assigned_on": today}
    if chosen is not None:
        initial["equipment"] = chosen.pk
    form = OperatorAssignForm(
        request.POST if posted else None,
        user=user,
        organization=unit,
        equipment_offered=devices,
        certificates_offered=list(certificates),
        initial=initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            assignment, status = submit_to_service(
                form,
                lambda: services.do_assign_operator(
                    actor=user,
                    equipment=data["equipment"],
                    certificate=data["certificate"],
                    assigned_on=data["assigned_on"],
                ),
            )
            if assignment is not None:
                messages.success(
                    request,
                    _("%(holder)s 已安排在 %(device)s 上岗。")
                    % {"holder": assignment.certificate.holder_name, "device": assignment.equipment.name},
                )
                return redirect("safety:operators")
    note = ""
    if chosen is not None and chosen.needed:
        note = _("%(device)s 需要持 %(items)s 证的作业人员。") % {
            "device": f"{chosen.name}（{chosen.code}）",
            "items": "、".join("/".join(rule.items) for rule in chosen.needed),
        }
    return _form_page(
        request,
        form,
        title=_("安排持证作业人员"),
        back_url=reverse("safety:operators"),
        back_label=_("持证上岗"),
        status=status,
        note=note,
    )


@login_required
@require_http_methods(["GET", "POST"])
def operator_end(request, pk: int):
    user = request.user
    unit = own_unit(request)
    assignment = _one(
        OperatorAssignment.objects.visible_to(user)
        .filter(organization=unit)
        .select_related("equipment", "certificate__item"),
        pk,
        _("上岗记录不存在。"),
    )
    require_manager(user)
    posted = request.method == "POST"
    form = OperatorEndForm(
        request.POST if posted else None,
        initial={"ended_on": timezone.localdate(), "version": assignment.version},
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            ended, status = submit_to_service(
                form,
                lambda: services.do_end_assignment(
                    actor=user, assignment=assignment, ended_on=data["ended_on"], version=data["version"]
                ),
            )
            if ended is not None:
                messages.success(
                    request,
                    _("%(holder)s 已于 %(date)s 离岗 %(device)s。")
                    % {
                        "holder": ended.certificate.holder_name,
                        "date": ended.ended_on.isoformat(),
                        "device": ended.equipment.name,
                    },
                )
                return redirect("safety:operators")
    note = _("%(holder)s（%(item)s %(number)s）在 %(device)s 上岗，自 %(date)s 起。") % {
        "holder": assignment.certificate.holder_name,
        "item": assignment.certificate.item_id,
        "number": assignment.certificate.cert_no,
        "device": f"{assignment.equipment.name}（{assignment.equipment.code}）",
        "date": assignment.assigned_on.isoformat(),
    }
    return _form_page(
        request,
        form,
        title=_("作业人员离岗"),
        back_url=reverse("safety:operators"),
        back_label=_("持证上岗"),
        status=status,
        note=note,
        conflict=status == 409,
        reload_url=reverse("safety:operator-end", args=[assignment.pk]),
    )


# Emergency plans and drills ------------------------------------------------------------------------------------------


def drill_schedule(unit: Organization, today: date) -> list[dict]:
    """Per category the unit must drill (rules.drill_requirements): the last drill, when the next is due, the current
    special plan covering it — computed as compliance computes the drill gaps."""
    facts = compliance.unit_facts(unit)
    required = rules.drill_requirements(facts)
    if not required:
        return []
    last_drills = dict(
        Drill.objects.filter(organization=unit)
        .values_list("equipment_category")
        .annotate(last=Max("held_on"))
        .order_by()
    )
    plans = list(
        EmergencyPlan.objects.filter(organization=unit, is_current=True, kind=EmergencyPlanKind.SPECIAL).order_by(
            "-approved_on"
        )
    )
    names = _category_names()
    schedule = []
    for rule, category in required:
        last = max(filter(None, (last_drills.get(category), last_drills.get(""))), default=None)
        due_on = rules.months_after(last, rule.months) if last else None
        if due_on is None:
            badge = Badge(_("无演练记录"), "red")
        elif due_on < today:
            badge = Badge(_("已逾期"), "red")
        elif due_on <= today + timedelta(days=rules.DRILL_REMINDER_DAYS):
            badge = Badge(_("即将到期"), "orange")
        else:
            badge = Badge(_("正常"), "green")
        covering = [plan for plan in plans if plan.equipment_category in (category, "")]
        schedule.append(
            {
                "category": category,
                "category_name": names.get(category, category),
                "months": rule.months,
                "citation": rule.citation,
                "last": last,
                "due_on": due_on,
                "badge": badge,
                "plan": covering[0] if covering else None,
            }
        )
    return schedule


@login_required
@require_GET
def emergency(request):
    unit = own_unit(request)
    user = request.user
    today = timezone.localdate()
    names = _category_names()
    plans = list(
        EmergencyPlan.objects.visible_to(user)
        .filter(organization=unit)
        .select_related("attachment")
        .order_by("-is_current", "equipment_category", "-approved_on", "-id")
    )
    for plan in plans:
        plan.file = file_link(plan.attachment)
        plan.overdue = plan.is_current and plan.review_by < today
        plan.category_name = names.get(plan.equipment_category, plan.equipment_category)
    drills = list(
        Drill.objects.visible_to(user)
        .filter(organization=unit)
        .select_related("plan")
        .prefetch_related("photos")
        .order_by("-held_on", "-id")
    )
    for drill in drills:
        drill.files = [file_link(photo) for photo in drill.photos.all()]
        drill.category_name = names.get(drill.equipment_category, drill.equipment_category)
    context = {
        "current_plans": [plan for plan in plans if plan.is_current],
        "past_plans": [plan for plan in plans if not plan.is_current],
        "drills": drills,
        "schedule": drill_schedule(unit, today),
        "may_manage": may_manage(user),
        "reminder_days": rules.DRILL_REMINDER_DAYS,
        "section": "emergency",
    }
    return render(request, "safety/duties/emergency.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def emergency_plan_new(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    posted = request.method == "POST"
    initial = {"approved_on": timezone.localdate()}
    if request.GET.get("equipment_category", "") in rules.ORDER_74_CATEGORIES:
        initial["equipment_category"] = request.GET["equipment_category"]
    form = EmergencyPlanForm(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def perform():
                with transaction.atomic():
                    return services.do_record_emergency_plan(
                        actor=user,
                        organization=unit,
                        title=data["title"],
                        approved_on=data["approved_on"],
                        kind=data["kind"],
                        equipment_category=data["equipment_category"],
                        review_by=data["review_by"],
                        attachment=_upload(user, data["attachment"], "attachment"),
                    )

            plan, status = submit_to_service(form, perform)
            if plan is not None:
                messages.success(
                    request,
                    _("应急预案“%(title)s”已登记，评估修订期限 %(date)s。")
                    % {"title": plan.title, "date": plan.review_by.isoformat()},
                )
                return redirect("safety:emergency")
    return _form_page(
        request,
        form,
        title=_("登记应急预案"),
        back_url=reverse("safety:emergency"),
        back_label=_("应急管理"),
        status=status,
        multipart=True,
        note=_("登记新预案后，同类型、同设备种类的原预案转为历史版本。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def drill_new(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    posted = request.method == "POST"
    initial = {"held_on": timezone.localdate()}
    if request.GET.get("equipment_category", "") in rules.ORDER_74_CATEGORIES:
        initial["equipment_category"] = request.GET["equipment_category"]
    form = DrillForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=user,
        organization=unit,
        initial=initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def perform():
                with transaction.atomic():
                    return services.do_record_drill(
                        actor=user,
                        organization=unit,
                        held_on=data["held_on"],
                        scenario=data["scenario"],
                        equipment_category=data["equipment_category"],
                        plan=data["plan"],
                        participants=data["participants"],
                        participant_count=data["participant_count"] or 0,
                        evaluation=data["evaluation"],
                        photos=upload_files(user, data["photos"], "photos"),
                    )

            drill, status = submit_to_service(form, perform)
            if drill is not None:
                messages.success(
                    request,
                    _("%(date)s 的应急演练“%(scenario)s”已登记。")
                    % {"date": drill.held_on.isoformat(), "scenario": drill.scenario},
                )
                return redirect("safety:emergency")
    return _form_page(
        request,
        form,
        title=_("登记应急演练"),
        back_url=reverse("safety:emergency"),
        back_label=_("应急管理"),
        status=status,
        multipart=True,
    )


# Major hazard sources ------------------------------------------------------------------------------------------------


def _own_source(request, unit: Organization, pk: int) -> MajorHazardSource:
    return _one(
        MajorHazardSource.objects.visible_to(request.user).filter(organization=unit).select_related("equipment"),
        pk,
        _("重大危险源不存在。"),
    )


@login_required
@require_GET
def hazard_sources(request):
    unit = own_unit(request)
    user = request.user
    latest_out = (
        Reading.objects.filter(point=OuterRef("pk")).order_by("-measured_at", "-id").values("out_of_bounds")[:1]
    )
    alarms: dict[int, int] = defaultdict(int)
    for source_id, out in (
        MonitoringPoint.objects.filter(organization=unit, is_active=True)
        .annotate(latest_out=Subquery(latest_out))
        .values_list("source_id", "latest_out")
    ):
        if out:
            alarms[source_id] += 1
    sources = list(
        MajorHazardSource.objects.visible_to(user)
        .filter(organization=unit)
        .select_related("equipment")
        .annotate(point_count=Count("points", filter=Q(points__is_active=True)))
        .order_by("-is_active", "grade", "id")
    )
    for source in sources:
        source.alarm_count = alarms[source.pk]
    context = {"sources": sources, "may_manage": may_manage(user), "section": "hazard_sources"}
    return render(request, "safety/duties/hazard_sources.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def hazard_source_new(request):
    user = request.user
    unit = own_unit(request)
    require_manager(user)
    posted = request.method == "POST"
    form = HazardSourceForm(request.POST if posted else None, user=user, organization=unit)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            source, status = submit_to_service(
                form,
                lambda: services.do_create_hazard_source(
                    actor=user,
                    organization=unit,
                    name=data["name"],
                    grade=data["grade"],
                    equipment=data["equipment"],
                    location=data["location"],
                    description=data["description"],
                ),
            )
            if source is not None:
                messages.success(request, _("重大危险源“%(name)s”已登记，请添加监测点。") % {"name": source.name})
                return redirect("safety:hazard-source", pk=source.pk)
    return _form_page(
        request,
        form,
        title=_("登记重大危险源"),
        back_url=reverse("safety:hazard-sources"),
        back_label=_("重大危险源"),
        status=status,
    )


@login_required
@require_GET
def hazard_source(request, pk: int):
    """The source's monitoring points with their bounds and latest readings."""
    unit = own_unit(request)
    user = request.user
    source = _own_source(request, unit, pk)
    points = list(source.points.order_by("-is_active", "id"))
    for point in points:
        point.latest = list(
            point.readings.select_related("recorded_by", "hazard", "task").order_by("-measured_at", "-id")[
                :READINGS_SHOWN
            ]
        )
        point.alarm = bool(point.latest) and point.latest[0].out_of_bounds
        point.bounds_text = _bounds(point)
        for reading in point.latest:
            reading.value_text = _number(reading.value)
    context = {
        "source": source,
        "points": points,
        "may_manage": may_manage(user),
        "may_record": user.may(Action.RECORD_READING),
        "readings_shown": READINGS_SHOWN,
        "section": "hazard_sources",
    }
    return render(request, "safety/duties/hazard_source.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def point_new(request, source_pk: int):
    user = request.user
    unit = own_unit(request)
    source = _own_source(request, unit, source_pk)
    require_manager(user)
    posted = request.method == "POST"
    form = MonitoringPointForm(request.POST if posted else None)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            point, status = submit_to_service(
                form,
                lambda: services.do_add_monitoring_point(
                    actor=user,
                    source=source,
                    name=data["name"],
                    quantity=data["quantity"],
                    unit_of_measure=data["unit_of_measure"],
                    low=data["low"],
                    high=data["high"],
                ),
            )
            if point is not None:
                messages.success(request, _("监测点“%(name)s”已添加。") % {"name": point.name})
                return redirect("safety:hazard-source", pk=source.pk)
    return _form_page(
        request,
        form,
        title=_("添加监测点"),
        back_url=reverse("safety:hazard-source", args=[source.pk]),
        back_label=source.name,
        status=status,
    )


def _number(value: Decimal | None) -> str:
    """A measured value as written: 1.6, not 1.600."""
    return "—" if value is None else f"{value.normalize():f}"


def _bounds(point: MonitoringPoint) -> str:
    return f"{_number(point.low)} ~ {_number(point.high)}{point.unit_of_measure}"


@login_required
@require_http_methods(["GET", "POST"])
def reading_new(request, point_pk: int):
    user = request.user
    unit = own_unit(request)
    point = _one(
        MonitoringPoint.objects.visible_to(user).filter(organization=unit).select_related("source"),
        point_pk,
        _("监测点不存在。"),
    )
    if not user.may(Action.RECORD_READING):
        raise PermissionDenied(_("只有本单位人员可以录入监测读数。"))
    posted = request.method == "POST"
    form = ReadingForm(request.POST if posted else None)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            reading, status = submit_to_service(
                form,
                lambda: services.do_record_reading(
                    actor=user, point=point, value=data["value"], measured_at=data["measured_at"]
                ),
            )
            if reading is not None:
                values = {"value": f"{_number(reading.value)}{point.unit_of_measure}", "bounds": _bounds(point)}
                if not reading.out_of_bounds:
                    messages.success(request, _("读数 %(value)s 已录入，在安全范围 %(bounds)s 内。") % values)
                else:
                    values["hazard"] = reading.hazard_id
                    if Reading.objects.filter(hazard_id=reading.hazard_id).exclude(pk=reading.pk).exists():
                        message = _(
                            "读数 %(value)s 超出安全范围 %(bounds)s：已记入仍在治理中的隐患 #%(hazard)s，未重复登记。"
                        )
                    else:
                        message = _(
                            "读数 %(value)s 超出安全范围 %(bounds)s：已登记隐患 #%(hazard)s，"
                            "并生成管控措施失效排查任务。"
                        )
                    messages.warning(request, message % values)
                return redirect("safety:hazard-source", pk=point.source_id)
    return _form_page(
        request,
        form,
        title=_("录入监测读数"),
        back_url=reverse("safety:hazard-source", args=[point.source_id]),
        back_label=point.source.name,
        status=status,
        note=_("%(point)s（%(quantity)s），安全范围 %(bounds)s。超出范围即登记隐患并生成排查任务。")
        % {"point": point.name, "quantity": point.quantity, "bounds": _bounds(point)},
    )
