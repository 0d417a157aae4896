"""Web pages of the equipment registry: the list, the equipment file (一设备一档), register and edit,
status changes, periodic inspections, operator certificates, ledger import and export, QR labels
and the public QR page.

Thin faces: read through selectors (scoped), write through services, render.
"""

import io
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.accounts.roles import Action
from shuangfang.core.access import login_required, public
from shuangfang.core.background_exports import ExportDefinition, deliver_export
from shuangfang.core.choices import ExportSubject
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.views import list_response
from shuangfang.hazards.services import hazard_link
from shuangfang.risks.choices import ControlLevel
from shuangfang.risks.views import equipment_card_url

from . import ledger, selectors
from .choices import CertificateState, Conclusion, EquipmentStatus, InspectionState, RiskLevel
from .forms import (
    CertificateForm,
    EquipmentForm,
    ImportForm,
    InspectionForm,
    StatusChangeForm,
    certificate_filterset,
    equipment_filterset,
    inspection_filterset,
)
from .models import Equipment
from .services import (
    STATUS_TRANSITIONS,
    do_add_certificate,
    do_change_equipment_status,
    do_record_inspection,
    do_register_equipment,
    do_update_certificate,
    do_update_equipment,
)

PAGE_SIZE = 50
MAX_LABELS = 500
IMPORT_REPORT_LIFETIME_SECONDS = 24 * 60 * 60

STATUS_ACTION_LABELS = {
    "suspend": pgettext_lazy("equipment action", "停用"),
    "resume": pgettext_lazy("equipment action", "恢复使用"),
    "scrap": pgettext_lazy("equipment action", "报废"),
}


@dataclass(frozen=True)
class Badge:
    label: str
    color: str


def _badge(choices, value) -> Badge | None:
    if not value:
        return None
    member = choices(value)
    return Badge(member.label, member.color)


def _decorate_equipment(rows) -> None:
    """Attach the badges a row shows: label and colour come from choices.py, never from a template."""
    for row in rows:
        row.status_badge = _badge(EquipmentStatus, row.status)
        row.inspection_badge = _badge(InspectionState, row.inspection_state)
        row.risk_badge = _badge(RiskLevel, row.risk_level)


def _require(user, action: Action) -> None:
    """Refuse a page whose only purpose is an action the role may not take (the service refuses it too)."""
    if not user.may(action):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _active_filters(request, filterset) -> int:
    return sum(1 for name in filterset.form.fields if request.GET.get(name, "").strip())


def _status_form(action: str, *args, **kwargs) -> StatusChangeForm:
    # One form per action on the same page: distinct ids keep every label bound to its own field.
    return StatusChangeForm(*args, auto_id=f"id_{action}_%s", **kwargs)


# The equipment list, export and labels ------------------------------------------------------------------------------


@login_required
@require_GET
def equipment_list(request):
    filterset = equipment_filterset(request.user, request.GET)
    page = _page(request, filterset.qs)
    _decorate_equipment(page.object_list)
    return list_response(
        request,
        "equipment/list.html",
        "equipment/_equipment_rows.html",
        {
            "filterset": filterset,
            "page": page,
            "show_unit": "organization" in filterset.form.fields,
            "may_manage": request.user.may(Action.MANAGE_EQUIPMENT),
            "query": _filter_query(request),
            "active_filters": _active_filters(request, filterset),
        },
    )


def _filter_query(request) -> str:
    """The list's filters as a query string, for the export and label links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def equipment_export_rows(user, query):
    """The equipment the list shows to `user` with the filters of `query`: the page's export and its background job
    both start here."""
    return equipment_filterset(user, query).qs


EQUIPMENT_EXPORT = ExportDefinition(
    ExportSubject.EQUIPMENT,
    rows=equipment_export_rows,
    write=lambda rows, user: ledger.export_file(rows, actor=user),
    filename=ledger.export_filename,
)


@login_required
@require_GET
def equipment_export(request):
    rows = equipment_export_rows(request.user, request.GET)
    count = rows.count()
    begin_export(request, "equipment", count)
    return deliver_export(request, EQUIPMENT_EXPORT, rows, count)


@login_required
@require_GET
def equipment_labels(request):
    filterset = equipment_filterset(request.user, request.GET)
    total = filterset.qs.count()
    labels = [(equipment, selectors.qr_svg(_public_url(request, equipment))) for equipment in filterset.qs[:MAX_LABELS]]
    return render(
        request,
        "equipment/labels.html",
        {"labels": labels, "total": total, "limit": MAX_LABELS, "query": _filter_query(request)},
    )


def _public_url(request, equipment: Equipment) -> str:
    return request.build_absolute_uri(reverse("public:equipment", args=[equipment.public_token]))


# The equipment file -------------------------------------------------------------------------------------------------


def _facts(equipment: Equipment) -> list[tuple[str, str]]:
    def label(name):
        return str(Equipment._meta.get_field(name).verbose_name)

    def date(value):
        return value.isoformat() if value else "—"

    facts = [
        (label("code"), equipment.code),
        (label("registration_no"), equipment.registration_no or "—"),
        (label("name"), equipment.name),
        (label("category"), f"{equipment.category.code} {equipment.category.name}"),
        (label("organization"), equipment.organization.name),
        (label("region"), f"{equipment.region.name}（{equipment.region_id}）"),
        (label("site"), equipment.site or "—"),
        (label("crowded_place"), _("是") if equipment.crowded_place else _("否")),
        (label("quick_opening"), _("是") if equipment.quick_opening else _("否")),
        (label("signaller_required"), _("是") if equipment.signaller_required else _("否")),
        (label("model"), equipment.model or "—"),
        (label("serial_no"), equipment.serial_no or "—"),
        (label("manufacturer"), equipment.manufacturer or "—"),
        (label("manufactured_on"), date(equipment.manufactured_on)),
        (label("commissioned_on"), date(equipment.commissioned_on)),
        (label("design_life_years"), equipment.design_life_years or "—"),
        (label("last_inspected_on"), date(equipment.last_inspected_on)),
        (label("inspection_due_on"), date(equipment.inspection_due_on)),
        (label("inspection_agency"), equipment.inspection_agency.name if equipment.inspection_agency else "—"),
    ]
    # Risks and hazards are kept by their own modules: shown only once there is something to show.
    if equipment.open_hazards:
        facts.append((label("open_hazards"), equipment.open_hazards))
    if equipment.open_major_hazards:
        facts.append((label("open_major_hazards"), equipment.open_major_hazards))
    return facts


def _file_context(request, equipment: Equipment, *, status_forms=None, open_action: str = "") -> dict:
    user = request.user
    may_manage = user.may(Action.MANAGE_EQUIPMENT)
    actions = []
    if may_manage:
        for name, (sources, _target, _event) in STATUS_TRANSITIONS.items():
            if equipment.status in sources:
                form = (status_forms or {}).get(name) or _status_form(name, initial={"version": equipment.version})
                actions.append({"name": name, "label": STATUS_ACTION_LABELS[name], "form": form})
    inspections = list(selectors.equipment_inspections(user, equipment))
    for inspection in inspections:
        inspection.conclusion_badge = _badge(Conclusion, inspection.conclusion)
    certificates = selectors.relevant_certificates(user, equipment)
    for certificate in certificates or []:
        certificate.state_badge = Badge(certificate.state_label, certificate.state_color)
    _decorate_equipment([equipment])
    risks = selectors.equipment_risks(user, equipment)
    for risk in risks or []:
        risk.level_badge = _badge(RiskLevel, risk.level)
        risk.control_level_label = ControlLevel(risk.control_level).label
    public_url = _public_url(request, equipment)
    return {
        "equipment": equipment,
        "facts": _facts(equipment),
        "history": selectors.equipment_history(equipment),
        "inspections": inspections,
        "certificates": certificates,
        "public_url": public_url,
        "qr_svg": selectors.qr_svg(public_url),
        "may_manage": may_manage,
        "may_record": user.may(Action.RECORD_INSPECTION),
        "status_actions": actions,
        "open_action": open_action,
        "risks": risks,
        "may_manage_risks": user.may(Action.MANAGE_RISKS) and equipment.status == EquipmentStatus.IN_USE,
        "risk_card_url": equipment_card_url(equipment.pk),
    }


@login_required
@require_GET
def equipment_detail(request, pk: int):
    equipment = selectors.access_equipment(request.user, pk)
    return render(request, "equipment/detail.html", _file_context(request, equipment))


@login_required
@require_POST
def equipment_status(request, pk: int, action: str):
    equipment = selectors.access_equipment(request.user, pk)
    if action not in STATUS_TRANSITIONS:
        raise Http404
    form = _status_form(action, request.POST)
    status = 400
    if form.is_valid():
        changed, status = submit_to_service(
            form,
            lambda: do_change_equipment_status(
                actor=request.user,
                equipment=equipment,
                action=action,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if changed:
            messages.success(request, _("已%(action)s。") % {"action": STATUS_ACTION_LABELS[action]})
            return redirect("equipment:detail", pk=equipment.pk)
    if status == 409 and equipment.status not in STATUS_TRANSITIONS[action][0]:
        # The action is no longer offered in the current state: say why at the top of the page.
        messages.error(request, form.non_field_errors()[0])
    equipment = selectors.access_equipment(request.user, pk)
    context = _file_context(request, equipment, status_forms={action: form}, open_action=action)
    return render(request, "equipment/detail.html", context, status=status)


# Register and edit ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def equipment_create(request):
    _require(request.user, Action.MANAGE_EQUIPMENT)
    form = EquipmentForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            equipment, status = submit_to_service(
                form, lambda: do_register_equipment(actor=request.user, data=form.service_data())
            )
            if equipment:
                messages.success(request, _("设备 %(code)s 已登记。") % {"code": equipment.code})
                return redirect("equipment:detail", pk=equipment.pk)
    return render(request, "equipment/form.html", {"form": form, "equipment": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def equipment_edit(request, pk: int):
    equipment = selectors.access_equipment(request.user, pk)
    _require(request.user, Action.MANAGE_EQUIPMENT)
    form = EquipmentForm(request.POST or None, user=request.user, equipment=equipment)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes, version = form.service_changes()
            updated, status = submit_to_service(
                form,
                lambda: do_update_equipment(
                    actor=request.user,
                    equipment=equipment,
                    changes=changes,
                    expected_version=version,
                    modification=form.cleaned_data["modification"],
                ),
            )
            if updated:
                changed = changes or form.cleaned_data["modification"]
                messages.success(request, _("已保存。") if changed else _("没有修改。"))
                return redirect("equipment:detail", pk=equipment.pk)
    context = {"form": form, "equipment": equipment, "conflict": status == 409}
    return render(request, "equipment/form.html", context, status=status)


# Periodic inspections ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request, pk: int):
    equipment = selectors.access_equipment(request.user, pk)
    _require(request.user, Action.RECORD_INSPECTION)
    form = InspectionForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            inspection, status = submit_to_service(
                form, lambda: do_record_inspection(actor=request.user, equipment=equipment, data=form.service_data())
            )
            if inspection:
                if inspection.next_due_on:
                    message = _("检验记录已保存，下次检验日期 %(due)s（%(rule)s）。") % {
                        "due": inspection.next_due_on.isoformat(),
                        "rule": inspection.next_due_rule_text,
                    }
                else:
                    message = _("检验记录已保存。未得出下次检验日期：设备须整改并复检合格后方可继续使用。")
                messages.success(request, message)
                _announce_inspection_hazards(request, inspection)
                return redirect("equipment:detail", pk=equipment.pk)
    return render(request, "equipment/inspection_form.html", {"form": form, "equipment": equipment}, status=status)


def _announce_inspection_hazards(request, inspection) -> None:
    """The hazards the inspection registered (a failed conclusion, the findings), one message each with its link,
    so that whoever saved the record sees what the unit and the regulator were told."""
    hazards = list(inspection.hazards.order_by("pk"))
    if not hazards:
        return
    messages.warning(request, _("已登记 %(count)d 项隐患，使用单位须确认整改：") % {"count": len(hazards)})
    for hazard in hazards:
        reported = _("，已报告监管部门") if hazard.reported_to_regulator_at else ""
        messages.warning(
            request,
            format_html(
                '<a href="{}">{}</a>（{}{}）',
                hazard_link(hazard),
                hazard.description[:80],
                hazard.get_grade_display(),
                reported,
            ),
        )


@login_required
@require_GET
def inspection_list(request):
    filterset = inspection_filterset(request.user, request.GET)
    page = _page(request, filterset.qs)
    for inspection in page.object_list:
        inspection.conclusion_badge = _badge(Conclusion, inspection.conclusion)
    context = {"filterset": filterset, "page": page, "active_filters": _active_filters(request, filterset)}
    return list_response(request, "equipment/inspection_list.html", "equipment/_inspection_rows.html", context)


# Operator certificates -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def certificate_list(request):
    filterset = certificate_filterset(request.user, request.GET)
    page = _page(request, filterset.qs)
    for certificate in page.object_list:
        certificate.state_badge = _badge(CertificateState, certificate.state)
    return list_response(
        request,
        "equipment/certificate_list.html",
        "equipment/_certificate_rows.html",
        {
            "filterset": filterset,
            "page": page,
            "show_unit": "organization" in filterset.form.fields,
            "may_manage": request.user.may(Action.MANAGE_CERTIFICATES),
            "active_filters": _active_filters(request, filterset),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_create(request):
    _require(request.user, Action.MANAGE_CERTIFICATES)
    form = CertificateForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            certificate, status = submit_to_service(
                form, lambda: do_add_certificate(actor=request.user, data=form.service_data())
            )
            if certificate:
                messages.success(request, _("作业人员证已添加。"))
                return redirect("equipment:certificate-list")
    return render(request, "equipment/certificate_form.html", {"form": form, "certificate": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_edit(request, pk: int):
    certificate = selectors.access_certificate(request.user, pk)
    _require(request.user, Action.MANAGE_CERTIFICATES)
    form = CertificateForm(request.POST or None, user=request.user, certificate=certificate)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes, version = form.service_changes()
            updated, status = submit_to_service(
                form,
                lambda: do_update_certificate(
                    actor=request.user, certificate=certificate, changes=changes, expected_version=version
                ),
            )
            if updated:
                messages.success(request, _("已保存。") if changes else _("没有修改。"))
                return redirect("equipment:certificate-list")
    context = {"form": form, "certificate": certificate, "conflict": status == 409}
    return render(request, "equipment/certificate_form.html", context, status=status)


# Ledger import -------------------------------------------------------------------------------------------------------

REPORT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _reports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _report_path(user, token: str) -> Path:
    # The owner's id is part of the name: another user asking for the same token finds nothing.
    return _reports_dir() / f"errors-{user.pk}-{token}.xlsx"


def _remove_expired_reports() -> None:
    directory = _reports_dir()
    if not directory.is_dir():
        return
    cutoff = time.time() - IMPORT_REPORT_LIFETIME_SECONDS
    for path in directory.glob("errors-*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue  # removed by a concurrent request


def _store_error_report(user, report) -> str:
    """Keep the error workbook for its owner to download once; the page links to it by a random token."""
    _remove_expired_reports()
    token = secrets.token_urlsafe(16)
    path = _report_path(user, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    with report:
        report.seek(0)
        path.write_bytes(report.read())
    path.chmod(0o600)
    return token


@dataclass(frozen=True)
class ImportProblem:
    row: int | None
    column: str
    message: str


def _import_problems(errors) -> list[ImportProblem]:
    """Row errors as the user reads them: the column's header in the template rather than its API name."""
    problems = []
    for error in errors:
        column = ledger.COLUMN_BY_FIELD.get(error.column)
        problems.append(ImportProblem(error.row or None, column.header if column else error.column, error.message))
    return problems


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    _require(request.user, Action.MANAGE_EQUIPMENT)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "errors": [], "report_token": None}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            result, status = submit_to_service(
                form,
                lambda: ledger.import_ledger(
                    actor=request.user, uploaded=uploaded, dry_run=form.cleaned_data["dry_run"]
                ),
            )
            if result and result.errors:
                status = 400
                uploaded.seek(0)
                context["errors"] = _import_problems(result.errors)
                context["report_token"] = _store_error_report(
                    request.user, ledger.error_report_file(uploaded, result.errors)
                )
            elif result:
                context["result"] = result
    return render(request, "equipment/import.html", context, status=status)


@login_required
@require_GET
def ledger_template(request):
    _require(request.user, Action.MANAGE_EQUIPMENT)
    return FileResponse(ledger.template_file(actor=request.user), as_attachment=True, filename=ledger.TEMPLATE_FILENAME)


@login_required
@require_GET
def ledger_error_report(request, token: str):
    if not REPORT_TOKEN.match(token):
        raise Http404
    path = _report_path(request.user, token)
    try:
        expired = path.stat().st_mtime < time.time() - IMPORT_REPORT_LIFETIME_SECONDS
        content = path.read_bytes()
        path.unlink()
    except FileNotFoundError:
        raise Http404(_("错误报告不存在或已过期。"))
    if expired:
        raise Http404(_("错误报告不存在或已过期。"))
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=_("导入错误.xlsx"))


# The public QR page --------------------------------------------------------------------------------------------------


@public
@require_GET
def public_equipment(request, token: str):
    """What anyone who scans the label may know: no ids, no people, no addresses beyond the unit and the site."""
    equipment = selectors.equipment_by_public_token(token)
    state = equipment.inspection_state
    context = {
        "equipment": equipment,
        "inspection_valid": equipment.inspection_valid,
        "never_inspected": state == InspectionState.NEVER_INSPECTED,
        "elevator_emergency_number": selectors.ELEVATOR_EMERGENCY_NUMBER if selectors.is_elevator(equipment) else "",
        "file_url": (
            reverse("equipment:detail", args=[equipment.pk])
            if request.user.is_authenticated and selectors.may_see_equipment(request.user, equipment)
            else ""
        ),
    }
    response = render(request, "equipment/public.html", context)
    response["X-Robots-Tag"] = "noindex"
    # The state changes with the date and with every inspection: never serve it from a cache.
    response["Cache-Control"] = "no-store"
    return response
