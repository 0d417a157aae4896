"""The unit's safety management file (一企一档) as pages: the file itself (the unit's own, or any unit a regulator's
jurisdiction covers) and its .xlsx, the safety management body and declared facts, the unit's licences, appointments
with their history, and the regulator's list of open compliance gaps in its jurisdiction.

Thin faces: the unit is found through `Organization.objects.visible_to(user)` (outside scope is "not found"), the
file is read from the unit's rows, writes go through `safety.services`, and the compliance panel shows the
ComplianceGap rows the services keep current — a page never refreshes them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Substr
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.core.access import login_required
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied as ServicePermissionDenied
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate
from shuangfang.equipment.choices import CertificateState, EquipmentStatus, RiskLevel
from shuangfang.equipment.models import (
    CERTIFICATE_EXPIRING_DAYS,
    Equipment,
    OperatorCertificate,
    certificate_state_q,
)
from shuangfang.hazards.choices import OPEN_STATUSES, HazardGrade
from shuangfang.hazards.forms import upload_files
from shuangfang.hazards.models import Hazard
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization, Region
from shuangfang.risks.models import Risk

from . import compliance, exports, rules, services
from .choices import AppointmentRole, GapKind, LicenceKind
from .forms_file import AppointmentForm, EndAppointmentForm, GapFilterForm, LicenceForm, ProfileForm, category_names
from .models import (
    Appointment,
    ComplianceGap,
    Drill,
    EmergencyPlan,
    MajorHazardSource,
    OperatorAssignment,
    SafetyDocument,
    TrainingPlan,
    TrainingSession,
    UnitLicence,
)
from .selectors import current_appointments

GAPS_PAGE_SIZE = 30
TRAINING_MONTHS = 12


# -- small helpers --------------------------------------------------------------------------------------------------


def page_url(name: str, *args, query: dict | None = None) -> str:
    """A page's address, or "" when that page is not routed in this installation (the link is then left out)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    pairs = [(key, value) for key, value in (query or {}).items() if value not in (None, "")]
    return f"{url}?{urlencode(pairs, doseq=True)}" if pairs else url


def attachment_url(attachment_id: int | None) -> str:
    """Files are served only through the scoped attachment download."""
    return reverse("attachment-download", args=[attachment_id]) if attachment_id else ""


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    color: str = ""
    url: str = ""
    current: bool = False


# -- whose file -----------------------------------------------------------------------------------------------------


def own_unit(user) -> Organization:
    """The caller's own equipment-owning unit; anyone else has no such file ("not found")."""
    organization = user.organization
    if scope_of(user).kind != ScopeKind.UNIT or organization is None or organization.kind not in EQUIPMENT_OWNING_KINDS:
        raise Http404(_("您所在的单位没有特种设备安全管理档案。"))
    return organization


def access_unit(user, pk: int) -> Organization:
    """A unit's file is read by the unit itself and by the regulators whose jurisdiction covers it."""
    if scope_of(user).kind not in (ScopeKind.UNIT, ScopeKind.REGULATOR):
        raise Http404(_("单位不存在。"))
    unit = (
        Organization.objects.visible_to(user)
        .filter(pk=pk, kind__in=EQUIPMENT_OWNING_KINDS)
        .select_related("region", "industry")
        .first()
    )
    if unit is None:
        raise Http404(_("单位不存在。"))
    return unit


def may_manage(user, unit: Organization) -> bool:
    return permitted(services.check_may_manage, user, unit)


def require_manage(user, unit: Organization) -> None:
    try:
        services.check_may_manage(user, unit)
    except ServicePermissionDenied as denied:
        raise PermissionDenied(denied.message) from denied


# -- the compliance panel -------------------------------------------------------------------------------------------

FIX_LABELS = {
    "safety:profile": gettext_lazy("登记安全管理机构"),
    "safety:licence-new": gettext_lazy("登记许可证"),
    "safety:appointment-new": gettext_lazy("办理任命"),
    "safety:appointments": gettext_lazy("调整任命"),
    "safety:document-upload": gettext_lazy("上传制度"),
    "safety:operator-assign": gettext_lazy("安排作业人员"),
    "safety:emergency-plan-new": gettext_lazy("登记应急预案"),
    "safety:drill-new": gettext_lazy("登记演练"),
    "safety:training-new": gettext_lazy("登记培训"),
    "safety:hazard-sources": gettext_lazy("查看监测"),
    "equipment:certificate-create": gettext_lazy("登记证书"),
}
# Where a gap of each kind is fixed when its key says nothing more precise.
FIX_BY_KIND = {
    GapKind.STAFFING: "safety:appointment-new",
    GapKind.LICENCE: "safety:licence-new",
    GapKind.APPOINTMENT: "safety:appointment-new",
    GapKind.DOCUMENT: "safety:document-upload",
    GapKind.OPERATOR: "safety:operator-assign",
    GapKind.EMERGENCY_PLAN: "safety:emergency-plan-new",
    GapKind.DRILL: "safety:drill-new",
    GapKind.TRAINING: "safety:training-new",
    GapKind.MONITORING: "safety:hazard-sources",
}


def fix_target(kind: str, key: str) -> tuple[str, dict]:
    """The page (URL name) that fixes a gap, and what to fill in there, from the gap's key (see compliance.py)."""
    parts = key.split(":")
    head, rest = parts[0], parts[1:]
    if key == "staffing:body":
        return "safety:profile", {}
    if key == "staffing:manager":
        return "safety:appointment-new", {"role": AppointmentRole.SAFETY_MANAGER}
    if key == "staffing:manager_certificate":
        return "equipment:certificate-create", {}
    if key == "staffing:full_time_officer":
        return "safety:appointment-new", {"role": AppointmentRole.SAFETY_OFFICER, "full_time": "on"}
    if head == "licence" and rest:
        rule = rules.LICENCE_RULES_BY_CODE.get(rest[0])
        return "safety:licence-new", {"kind": rule.kind} if rule else {}
    if head == "appointment" and rest:
        query = {"role": rest[0]}
        if len(rest) > 1:
            query["equipment_categories"] = rest[1]
        return "safety:appointment-new", query
    if head == "document" and len(rest) == 2:
        return "safety:document-upload", {"kind": rest[0], "equipment_category": "" if rest[1] == "unit" else rest[1]}
    if head == "operator" and rest:
        return "safety:operator-assign", {"equipment": rest[0]}
    if head in ("emergency_plan", "emergency_plan_review") and rest:
        return "safety:emergency-plan-new", {"equipment_category": rest[0]}
    if head == "drill" and rest:
        return "safety:drill-new", {"equipment_category": rest[0]}
    if key.startswith("training:spot_check_failed"):
        return "safety:appointments", {}
    return FIX_BY_KIND.get(kind, ""), {}


@dataclass
class GapRow:
    gap: ComplianceGap
    kind_label: str
    fix_url: str = ""
    fix_label: str = ""
    hazard_url: str = ""


def gap_rows(unit: Organization, *, with_fixes: bool) -> list[GapRow]:
    gaps = ComplianceGap.objects.filter(organization=unit, closed_at__isnull=True).select_related("equipment")
    order = {kind: index for index, kind in enumerate(GapKind.values)}
    rows = []
    for gap in sorted(gaps, key=lambda g: (order.get(g.kind, len(order)), g.opened_at, g.key)):
        row = GapRow(gap, str(GapKind(gap.kind).label) if gap.kind in GapKind.values else gap.kind)
        if with_fixes:
            name, query = fix_target(gap.kind, gap.key)
            row.fix_url = page_url(name, query=query) if name else ""
            row.fix_label = str(FIX_LABELS.get(name, _("去处理")))
        if gap.hazard_id:
            row.hazard_url = page_url("hazards:detail", gap.hazard_id)
        rows.append(row)
    return rows


# -- the file, read once for the page and the export ----------------------------------------------------------------


@dataclass
class CategoryRow:
    code: str
    name: str
    in_use: int = 0
    suspended: int = 0
    registered: int = 0
    unregistered: int = 0
    url: str = ""


@dataclass
class RequirementRow:
    label: str
    required: bool
    reasons: list[str]
    met: bool


@dataclass
class AppointmentGroup:
    role: str
    label: str
    appointments: list


@dataclass
class DocumentRow:
    code: str
    name: str
    category: str
    category_name: str
    citation: str
    state: str
    state_label: str
    state_color: str
    current: SafetyDocument | None = None
    versions: int = 0
    url: str = ""


DOCUMENT_STATES = {
    "ok": (gettext_lazy("现行有效"), "green"),
    "missing": (gettext_lazy("缺少"), "red"),
    "predates_rule": (gettext_lazy("早于规定施行，需修订"), "orange"),
    "review_overdue": (gettext_lazy("超过评审修订期限"), "orange"),
    "not_applicable": (gettext_lazy("暂无在用设备"), "grey"),
}


@dataclass
class UnitFile:
    unit: Organization
    today: date
    region_path: str
    equipment: list[CategoryRow]
    equipment_total: CategoryRow
    profile: object
    declared: list[tuple[str, str]]
    licences: list
    staffing: list[RequirementRow]
    appointment_groups: list[AppointmentGroup]
    ended_appointments: list
    documents: list[DocumentRow]
    training: dict
    certificates: list
    certificate_total: int
    certificate_figures: list[Figure]
    assignments: list
    plans: list
    drills: list
    drills_due: list[tuple[str, date]]
    hazard_sources: list
    risk_figures: list[Figure]
    risk_total: int
    hazard_figures: list[Figure]
    gaps: list[GapRow]
    categories: dict[str, str] = field(default_factory=dict)

    def category_name(self, code: str) -> str:
        return self.categories.get(code, code) if code else _("全部设备种类")

    def categories_text(self, codes: list[str]) -> str:
        return "、".join(self.categories.get(code, code) for code in codes) if codes else _("全部设备种类")


def _region_path(region: Region) -> str:
    codes = {region.prefix[:length].ljust(6, "0") for length in (2, 4, 6) if len(region.prefix) >= length}
    codes.add(region.code)
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return " ".join(names[code] for code in sorted(codes) if code in names)


def _equipment(unit: Organization, names: dict[str, str]) -> tuple[list[CategoryRow], CategoryRow]:
    """In use and suspended per catalog category, and how many hold a use-registration number (使用登记证)."""
    live = Equipment.objects.filter(organization=unit).exclude(status=EquipmentStatus.SCRAPPED)
    groups = (
        live.annotate(head=Substr("category_id", 1, 1))
        .values("head")
        .annotate(
            in_use=Count("pk", filter=Q(status=EquipmentStatus.IN_USE)),
            suspended=Count("pk", filter=Q(status=EquipmentStatus.SUSPENDED)),
            registered=Count("pk", filter=~Q(registration_no="")),
            unregistered=Count("pk", filter=Q(registration_no="", category__registrable=True)),
        )
        .order_by("head")
    )
    rows = []
    total = CategoryRow("", _("合计"), url=page_url("equipment:list", query={"organization": unit.pk}))
    for group in groups:
        code = group["head"] + "000"
        row = CategoryRow(
            code,
            names.get(code, code),
            group["in_use"],
            group["suspended"],
            group["registered"],
            group["unregistered"],
            page_url("equipment:list", query={"organization": unit.pk, "category": code}),
        )
        rows.append(row)
        for name in ("in_use", "suspended", "registered", "unregistered"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return rows, total


def _declared(profile) -> list[tuple[str, str]]:
    yes, no = _("是"), _("否")
    rows = [
        (str(profile._meta.get_field(name).verbose_name), yes if getattr(profile, name) else no)
        for name in (
            "public_elevator_business",
            "public_ride_business",
            "power_station_boiler",
            "petrochemical_plant",
            "boiler_over_2_5_mpa",
        )
    ]
    piping = profile.industrial_piping_km or Decimal(0)
    rows.append((str(profile._meta.get_field("industrial_piping_km").verbose_name), f"{piping.normalize():f}"))
    return rows


def _licences(unit: Organization, today: date) -> list:
    """The unit's current licences, each with its state today (valid, expiring within 90 days, expired)."""
    licences = list(UnitLicence.objects.filter(organization=unit, is_current=True).order_by("kind", "-issued_on", "pk"))
    for licence in licences:
        if licence.expires_on < today:
            state = CertificateState.EXPIRED
        elif (licence.expires_on - today).days <= CERTIFICATE_EXPIRING_DAYS:
            state = CertificateState.EXPIRING
        else:
            state = CertificateState.VALID
        licence.state_label, licence.state_color = str(state.label), state.color
        licence.attachment_url = attachment_url(licence.attachment_id)
    return licences


def _staffing(facts: rules.UnitFacts, profile, appointments: list[Appointment]) -> list[RequirementRow]:
    """What TSG 08 requires of the unit by its facts, and whether the file shows it (the panel says why not)."""
    triggers = rules.staffing_triggers(facts)
    officers = [a for a in appointments if a.role == AppointmentRole.SAFETY_OFFICER and a.full_time]
    return [
        RequirementRow(
            _("设置特种设备安全管理机构"),
            bool(triggers[rules.BODY]),
            [_(rule.condition) for rule in triggers[rules.BODY]],
            bool(profile.has_body),
        ),
        RequirementRow(
            _("配备专职安全管理员"),
            bool(triggers[rules.FULL_TIME_OFFICER]),
            [_(rule.condition) for rule in triggers[rules.FULL_TIME_OFFICER]],
            bool(officers),
        ),
    ]


def _appointment_groups(appointments: list[Appointment], names: dict[str, str]) -> list[AppointmentGroup]:
    by_role: dict[str, list] = defaultdict(list)
    for appointment in appointments:
        appointment.category_text = (
            "、".join(names.get(code, code) for code in appointment.equipment_categories)
            if appointment.equipment_categories
            else _("全部设备种类")
        )
        appointment.document_url = attachment_url(appointment.document_id)
        by_role[appointment.role].append(appointment)
    return [AppointmentGroup(role, str(label), by_role.get(role, [])) for role, label in AppointmentRole.choices]


def _documents(unit: Organization, facts: rules.UnitFacts, today: date, names: dict[str, str]) -> list[DocumentRow]:
    """The required documents (rules.DOCUMENT_RULES) as a checklist: each one's current version and its state."""
    latest: dict[tuple[str, str], SafetyDocument] = {}
    versions: dict[tuple[str, str], int] = defaultdict(int)
    for document in SafetyDocument.objects.filter(organization=unit).order_by(
        "kind", "equipment_category", "-version_no"
    ):
        key = (document.kind, document.equipment_category)
        latest.setdefault(key, document)
        versions[key] += 1
    categories = [code for code in facts.categories_in_use if code in rules.ORDER_74_CATEGORIES]
    rows = []
    for rule in rules.DOCUMENT_RULES:
        targets = [""] if rule.scope == rules.UNIT else categories or [None]
        for category in targets:
            if category is None:
                label, color = DOCUMENT_STATES["not_applicable"]
                rows.append(
                    DocumentRow(rule.code, _(rule.name), "", "", rule.citation, "not_applicable", str(label), color)
                )
                continue
            current = latest.get((rule.code, category))
            state = rules.document_state(rule, current.effective_on if current else None, today) or "ok"
            label, color = DOCUMENT_STATES[state]
            rows.append(
                DocumentRow(
                    rule.code,
                    _(rule.name),
                    category,
                    names.get(category, category) if category else "",
                    rule.citation,
                    state,
                    str(label),
                    color,
                    current,
                    versions[(rule.code, category)],
                    attachment_url(current.attachment_id) if current else "",
                )
            )
    return rows


def _training(unit: Organization, today: date) -> dict:
    since = rules.months_after(today, -TRAINING_MONTHS)
    recent = TrainingSession.objects.filter(organization=unit, held_on__gt=since)
    totals = recent.aggregate(sessions=Count("pk"), hours=Sum("hours"))
    people = recent.aggregate(people=Count("attendees", distinct=True))["people"]
    sessions = list(recent.annotate(attendee_count=Count("attendees")).order_by("-held_on", "-pk"))
    plans = list(TrainingPlan.objects.filter(organization=unit, year__gte=today.year - 1).order_by("-year", "pk"))
    for plan in plans:
        plan.attachment_url = attachment_url(plan.attachment_id)
    return {
        "since": since,
        "sessions": sessions,
        "session_total": totals["sessions"] or 0,
        "hours": totals["hours"] or Decimal(0),
        "people": people or 0,
        "plans": plans,
    }


def _certificates(unit: Organization, today: date) -> tuple[list, int, list[Figure]]:
    certificates = OperatorCertificate.objects.filter(organization=unit)
    counts = certificates.aggregate(
        total=Count("pk"),
        **{state.value: Count("pk", filter=certificate_state_q(state, today)) for state in CertificateState},
    )
    figures = [
        Figure(str(state.label), counts[state.value], state.color if counts[state.value] else "grey")
        for state in (CertificateState.EXPIRED, CertificateState.EXPIRING, CertificateState.VALID)
    ]
    rows = list(certificates.select_related("item").order_by("expires_on", "pk"))
    return rows, counts["total"], figures


def _hazard_sources(unit: Organization) -> list:
    sources = list(
        MajorHazardSource.objects.filter(organization=unit, is_active=True)
        .select_related("equipment")
        .annotate(
            point_count=Count("points", filter=Q(points__is_active=True), distinct=True),
            last_reading_at=Max("points__readings__measured_at"),
        )
        .order_by("grade", "pk")
    )
    for source in sources:
        source.url = page_url("safety:hazard-source", source.pk)
    return sources


def _risk_figures(unit: Organization) -> tuple[list[Figure], int]:
    counts = dict(
        Risk.objects.filter(organization=unit, is_active=True).values_list("level").annotate(n=Count("pk")).order_by()
    )
    figures = [
        Figure(
            str(level.label),
            counts.get(level.value, 0),
            level.color,
            page_url("risks:list", query={"organization": unit.pk, "level": level.value}),
        )
        for level in RiskLevel
    ]
    return figures, sum(counts.values())


def _hazard_figures(unit: Organization, today: date) -> list[Figure]:
    open_q = Q(status__in=OPEN_STATUSES)
    counts = Hazard.objects.filter(organization=unit).aggregate(
        open=Count("pk", filter=open_q),
        major=Count("pk", filter=open_q & Q(grade=HazardGrade.MAJOR)),
        overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
    )
    board = "hazards:board"
    return [
        Figure(
            _("未销号隐患"),
            counts["open"],
            "orange",
            page_url(board, query={"organization": unit.pk, "is_open": "true"}),
        ),
        Figure(
            _("未销号重大事故隐患"),
            counts["major"],
            "red",
            page_url(board, query={"organization": unit.pk, "grade": HazardGrade.MAJOR, "is_open": "true"}),
        ),
        Figure(
            _("已超期"), counts["overdue"], "red", page_url(board, query={"organization": unit.pk, "overdue": "true"})
        ),
    ]


def read_unit_file(user, unit: Organization, today: date) -> UnitFile:
    names = category_names()
    profile = services.profile_of(unit)
    facts = compliance.unit_facts(unit, profile if profile.pk else None)
    appointments = list(
        current_appointments(unit.pk, None, today)
        .select_related("person", "document")
        .order_by("role", "starts_on", "pk")
    )
    equipment, equipment_total = _equipment(unit, names)
    certificates, certificate_total, certificate_figures = _certificates(unit, today)
    assignments = list(
        OperatorAssignment.objects.filter(organization=unit, ended_on__isnull=True)
        .select_related("equipment", "certificate__item")
        .order_by("equipment__code", "assigned_on", "pk")
    )
    plans = list(
        EmergencyPlan.objects.filter(organization=unit, is_current=True).order_by("equipment_category", "-approved_on")
    )
    for plan in plans:
        plan.attachment_url = attachment_url(plan.attachment_id)
        plan.review_overdue = plan.review_by < today
    risk_figures, risk_total = _risk_figures(unit)
    gaps = gap_rows(unit, with_fixes=may_manage(user, unit))
    return UnitFile(
        unit=unit,
        today=today,
        region_path=_region_path(unit.region),
        equipment=equipment,
        equipment_total=equipment_total,
        profile=profile,
        declared=_declared(profile),
        licences=_licences(unit, today),
        staffing=_staffing(facts, profile, appointments),
        appointment_groups=_appointment_groups(appointments, names),
        ended_appointments=list(
            Appointment.objects.filter(organization=unit, ends_on__lt=today)
            .select_related("person")
            .order_by("role", "-ends_on", "-pk")
        ),
        documents=_documents(unit, facts, today, names),
        training=_training(unit, today),
        certificates=certificates,
        certificate_total=certificate_total,
        certificate_figures=certificate_figures,
        assignments=assignments,
        plans=plans,
        drills=list(Drill.objects.filter(organization=unit).order_by("-held_on", "-pk")),
        drills_due=compliance.drills_due(unit, today, rules.DRILL_REMINDER_DAYS),
        hazard_sources=_hazard_sources(unit),
        risk_figures=risk_figures,
        risk_total=risk_total,
        hazard_figures=_hazard_figures(unit, today),
        gaps=gaps,
        categories=names,
    )


# -- the file pages -------------------------------------------------------------------------------------------------


def _file_context(request, unit: Organization) -> dict:
    user = request.user
    today = timezone.localdate()
    unit_file = read_unit_file(user, unit, today)
    own = user.organization_id == unit.pk
    manage = may_manage(user, unit)
    for drill in unit_file.drills:
        drill.category_name = unit_file.category_name(drill.equipment_category)
    for plan in unit_file.plans:
        plan.category_name = unit_file.category_name(plan.equipment_category)
    return {
        "file": unit_file,
        "unit": unit,
        "own": own,
        "may_manage": manage,
        "profile_document_url": attachment_url(unit_file.profile.body_document_id),
        "drills_due": [(unit_file.category_name(code), due) for code, due in unit_file.drills_due],
        "links": {
            "export": reverse("safety:unit-file-export", args=[unit.pk]),
            "profile": reverse("safety:profile") if manage else "",
            "licence_new": reverse("safety:licence-new") if manage else "",
            "appointments": reverse("safety:appointments") if own else "",
            "appointment_new": reverse("safety:appointment-new") if manage else "",
            "documents": page_url("safety:documents") if own else "",
            "document_upload": page_url("safety:document-upload") if manage else "",
            "training": page_url("safety:training") if own else "",
            "operators": page_url("safety:operators") if own else "",
            "emergency": page_url("safety:emergency") if own else "",
            "hazard_sources": page_url("safety:hazard-sources") if own else "",
            "certificates": page_url("equipment:certificate-list", query={"organization": unit.pk}),
            "gaps": page_url("safety:gaps", query={"q": unit.uscc}) if not own else "",
        },
    }


@login_required
@require_GET
def file_page(request):
    """The signed-in unit's own file; a regulator's way in is its list of gaps."""
    if scope_of(request.user).kind == ScopeKind.REGULATOR:
        return redirect("safety:gaps")
    unit = own_unit(request.user)
    return render(request, "safety/file/unit_file.html", _file_context(request, unit))


@login_required
@require_GET
def unit_file(request, pk: int):
    unit = access_unit(request.user, pk)
    return render(request, "safety/file/unit_file.html", _file_context(request, unit))


@login_required
@require_GET
def unit_file_export(request, pk: int):
    unit = access_unit(request.user, pk)
    today = timezone.localdate()
    unit_file = read_unit_file(request.user, unit, today)
    begin_export(request, "unit_file", obj=unit)
    return FileResponse(
        exports.unit_file_workbook(unit_file), as_attachment=True, filename=exports.unit_file_filename(unit, today)
    )


# -- the safety management body and declared facts ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    unit = own_unit(user)
    require_manage(user, unit)
    profile = services.profile_of(unit)
    posted = request.method == "POST"
    form = ProfileForm(request.POST if posted else None, request.FILES if posted else None, profile=profile)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            changes, version = form.service_changes()

            def save():
                # The upload and the change commit together: a refused change leaves no attachment behind.
                with transaction.atomic():
                    uploaded = form.cleaned_data.get("body_document")
                    if uploaded:
                        changes["body_document"] = upload_files(user, [uploaded], "body_document")[0]
                    return services.do_save_profile(actor=user, organization=unit, changes=changes, version=version)

            saved, status = submit_to_service(form, save)
            if saved is not None:
                messages.success(request, _("安全管理机构和单位情况已保存。"))
                return redirect("safety:file")
    context = {
        "form": form,
        "unit": unit,
        "profile": profile,
        "document_url": attachment_url(profile.body_document_id),
        "conflict": status == 409,
    }
    return render(request, "safety/file/profile_form.html", context, status=status)


# -- licences -------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def licence_new(request):
    """登记许可证: a new licence of a kind supersedes the unit's current one of that kind."""
    user = request.user
    unit = own_unit(user)
    require_manage(user, unit)
    posted = request.method == "POST"
    initial = {}
    if request.GET.get("kind", "") in LicenceKind.values:
        initial["kind"] = request.GET["kind"]
    form = LicenceForm(
        request.POST if posted else None, request.FILES if posted else None, initial=None if posted else initial
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def record():
                # The upload and the licence commit together: a refused licence leaves no attachment behind.
                with transaction.atomic():
                    document = upload_files(user, [data["attachment"]], "attachment")[0] if data["attachment"] else None
                    return services.do_record_licence(
                        actor=user,
                        organization=unit,
                        kind=data["kind"],
                        number=data["number"],
                        issued_by=data["issued_by"],
                        issued_on=data["issued_on"],
                        expires_on=data["expires_on"],
                        scope=data["scope"],
                        attachment=document,
                    )

            licence, status = submit_to_service(form, record)
            if licence is not None:
                messages.success(
                    request,
                    _("%(kind)s（%(number)s）已登记，有效期至 %(date)s。")
                    % {
                        "kind": licence.get_kind_display(),
                        "number": licence.number,
                        "date": licence.expires_on.isoformat(),
                    },
                )
                return redirect(reverse("safety:file") + "#facts")
    return render(request, "safety/file/licence_form.html", {"form": form, "unit": unit}, status=status)


# -- appointments ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def appointments(request):
    """The unit's appointments in force and their history (Order 74 art 145: kept as a record)."""
    user = request.user
    unit = own_unit(user)
    today = timezone.localdate()
    names = category_names()
    rows = list(
        Appointment.objects.filter(organization=unit)
        .select_related("person", "document", "appointed_by", "ended_by")
        .order_by("role", "-starts_on", "-pk")
    )
    order = {role: index for index, role in enumerate(AppointmentRole.values)}
    rows.sort(key=lambda a: order.get(a.role, len(order)))
    manage = may_manage(user, unit)
    current, history = [], []
    for appointment in rows:
        appointment.category_text = (
            "、".join(names.get(code, code) for code in appointment.equipment_categories)
            if appointment.equipment_categories
            else _("全部设备种类")
        )
        appointment.document_url = attachment_url(appointment.document_id)
        in_force = appointment.ends_on is None or appointment.ends_on >= today
        appointment.not_started = appointment.starts_on > today
        appointment.end_url = (
            reverse("safety:appointment-end", args=[appointment.pk]) if manage and appointment.ends_on is None else ""
        )
        (current if in_force else history).append(appointment)
    context = {"unit": unit, "current": current, "history": history, "may_manage": manage}
    return render(request, "safety/file/appointments.html", context)


def _appointment_initial(request) -> dict:
    """What a link from the compliance panel fills in: the role, the categories, full time."""
    initial = {"starts_on": timezone.localdate()}
    role = request.GET.get("role", "")
    if role in AppointmentRole.values:
        initial["role"] = role
    categories = [code for code in request.GET.getlist("equipment_categories") if code in rules.ORDER_74_CATEGORIES]
    if categories:
        initial["equipment_categories"] = categories
    if request.GET.get("full_time"):
        initial["full_time"] = True
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def appointment_new(request):
    user = request.user
    unit = own_unit(user)
    require_manage(user, unit)
    posted = request.method == "POST"
    form = AppointmentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=user,
        organization=unit,
        initial=None if posted else _appointment_initial(request),
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def appoint():
                with transaction.atomic():
                    document = upload_files(user, [data["document"]], "document")[0] if data["document"] else None
                    return services.do_appoint(
                        actor=user,
                        organization=unit,
                        person=data["person"],
                        role=data["role"],
                        starts_on=data["starts_on"],
                        equipment_categories=data["equipment_categories"],
                        full_time=data["full_time"],
                        document=document,
                        note=data["note"],
                    )

            appointment, status = submit_to_service(form, appoint)
            if appointment is not None:
                messages.success(
                    request,
                    _("已任命 %(name)s 为%(role)s。")
                    % {"name": appointment.person.display_name, "role": appointment.get_role_display()},
                )
                return redirect("safety:appointments")
    return render(request, "safety/file/appointment_form.html", {"form": form, "unit": unit}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_end(request, pk: int):
    user = request.user
    appointment = Appointment.objects.visible_to(user).select_related("person", "organization").filter(pk=pk).first()
    if appointment is None:
        raise Http404(_("任命不存在。"))
    require_manage(user, appointment.organization)
    posted = request.method == "POST"
    form = EndAppointmentForm(
        request.POST if posted else None,
        initial=None if posted else {"ends_on": timezone.localdate(), "version": appointment.version},
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            ended, status = submit_to_service(
                form,
                lambda: services.do_end_appointment(
                    actor=user,
                    appointment=appointment,
                    ends_on=data["ends_on"],
                    reason=data["reason"],
                    version=data.get("version"),
                ),
            )
            if ended is not None:
                messages.success(
                    request,
                    _("%(name)s 的%(role)s任命已于 %(date)s 免职。")
                    % {
                        "name": ended.person.display_name,
                        "role": ended.get_role_display(),
                        "date": ended.ends_on.isoformat(),
                    },
                )
                return redirect("safety:appointments")
    appointment.category_text = (
        "、".join(category_names().get(code, code) for code in appointment.equipment_categories)
        if appointment.equipment_categories
        else _("全部设备种类")
    )
    context = {"form": form, "appointment": appointment, "conflict": status == 409}
    return render(request, "safety/file/appointment_end.html", context, status=status)


# -- the regulator's gaps -------------------------------------------------------------------------------------------


def gap_figures(queryset, link, current: str = "") -> list[Figure]:
    """One tile per kind with its count of open gaps over the (scoped, filtered) queryset, each a link to them."""
    counts = compliance.gap_counts(queryset)
    return [
        Figure(str(label), counts[kind], "orange" if counts[kind] else "grey", link(kind), kind == current)
        for kind, label in GapKind.choices
    ]


@login_required
@require_GET
def gaps(request):
    """Open compliance gaps of the units in the regulator's jurisdiction: counts by kind, filters, each unit's file."""
    user = request.user
    scope = scope_of(user)
    if scope.kind == ScopeKind.UNIT:
        return redirect("safety:file")
    if scope.kind != ScopeKind.REGULATOR:
        raise Http404(_("合规缺项由监管部门按辖区查看。"))
    jurisdiction = user.organization.jurisdiction
    form = GapFilterForm(request.GET, jurisdiction=jurisdiction)
    visible = ComplianceGap.objects.visible_to(user).filter(closed_at__isnull=True)
    if form.is_valid():
        data = form.cleaned_data
        kind, region, search = data["kind"], data.get("region") or "", data["q"].strip()
    else:
        kind, region, search = "", "", ""
        visible = visible.none()
    scoped = visible
    if region:
        scoped = scoped.filter(region__code__startswith=Region.objects.get(code=region).prefix)
    if search:
        scoped = scoped.filter(Q(organization__name__icontains=search) | Q(organization__uscc__iexact=search))
    kept = {"region": region, "q": search}

    def link(value: str) -> str:
        return page_url("safety:gaps", query={"kind": value, **kept})

    figures = gap_figures(scoped, link, kind)
    rows = scoped.filter(kind=kind) if kind else scoped
    rows = rows.select_related("organization", "region").order_by(
        "organization__name", "organization_id", "kind", "key"
    )
    page = paginate(request, rows, GAPS_PAGE_SIZE)
    for gap in page.object_list:
        gap.kind_label = str(GapKind(gap.kind).label) if gap.kind in GapKind.values else gap.kind
    context = {
        "form": form,
        "page": page,
        "figures": figures,
        "total": sum(figure.value for figure in figures),
        "all_url": link(""),
        "kind": kind,
        "jurisdiction": jurisdiction,
        "active_filters": sum(1 for value in (kind, region, search) if value),
    }
    return list_response(request, "safety/file/gaps.html", "safety/file/_gap_rows.html", context)
