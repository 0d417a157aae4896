"""Accidents and their reverse tracing (事故倒查): the list, the record form (a unit of the jurisdiction first, then
the accident), the accident with its report, and the report's .xlsx.  Thin faces: read through `visible_to(user)`,
write through `services_accidents`, build the report with `tracing`."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.core.access import login_required
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import permitted
from shuangfang.core.views import paginate
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization
from shuangfang.risks.library import ACCIDENT_TYPES

from . import services_accidents, tracing
from .choices import AccidentSeverity
from .exports_accidents import tracing_filename, tracing_workbook
from .models import Accident

PAGE_SIZE = 50
UNIT_CHOICES = 30
EQUIPMENT_SUGGESTIONS = 500


def may_record(user) -> bool:
    return permitted(services_accidents.check_may_record_accident, user)


def _require_reader(user) -> None:
    if scope_of(user).kind not in (ScopeKind.REGULATOR, ScopeKind.UNIT, ScopeKind.PLATFORM):
        raise PermissionDenied(_("该页面供监管部门和使用单位使用。"))


class AccidentForm(forms.Form):
    equipment_code = forms.CharField(
        label=gettext_lazy("设备代码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("可留空：事故不涉及某一台登记的设备时。"),
    )
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("发生时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    accident_type = forms.ChoiceField(
        label=gettext_lazy("事故类型（GB 6441-1986）"),
        choices=[("", "—")] + [(code, f"{code} {name}") for code, name in ACCIDENT_TYPES],
    )
    severity = forms.ChoiceField(label=gettext_lazy("事故等级"), choices=[("", "—"), *AccidentSeverity.choices])
    deaths = forms.IntegerField(label=gettext_lazy("死亡人数"), required=False, initial=0)
    serious_injuries = forms.IntegerField(label=gettext_lazy("重伤人数"), required=False, initial=0)
    minor_injuries = forms.IntegerField(label=gettext_lazy("轻伤人数"), required=False, initial=0)
    direct_loss = forms.DecimalField(
        label=gettext_lazy("直接经济损失（万元）"), required=False, initial=0, max_digits=14, decimal_places=2
    )
    description = forms.CharField(label=gettext_lazy("事故经过"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["equipment_code"].widget.attrs.update(
            list="unit-equipment", spellcheck="false", autocapitalize="characters", autocomplete="off"
        )

    def clean_equipment_code(self):
        code = "".join(self.cleaned_data.get("equipment_code", "").split()).upper()
        if not code:
            return None
        equipment = Equipment.objects.filter(organization=self.unit, code=code).first()
        if equipment is None:
            raise ValidationError(
                _("%(unit)s没有设备代码为 %(code)s 的设备。") % {"unit": self.unit.name, "code": code}
            )
        return equipment


def _units(user):
    return Organization.objects.visible_to(user).filter(
        kind__in=EQUIPMENT_OWNING_KINDS, is_active=True, region__code__startswith=scope_of(user).region_prefix
    )


@login_required
@require_GET
def accident_list(request):
    user = request.user
    _require_reader(user)
    accidents = Accident.objects.visible_to(user).select_related("organization", "equipment", "region")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        accidents = accidents.filter(Q(organization__name__contains=query) | Q(equipment__code__startswith=query))
    severity = request.GET.get("severity", "")
    if severity in AccidentSeverity.values:
        accidents = accidents.filter(severity=severity)
    page = paginate(request, accidents, PAGE_SIZE)
    for accident in page:
        accident.type_label = services_accidents.accident_type_label(accident.accident_type)
    context = {
        "page": page,
        "query": query,
        "severity": severity,
        "severities": AccidentSeverity.choices,
        "may_record": may_record(user),
    }
    return render(request, "supervision/accidents/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def accident_create(request):
    """First the unit (searched in the jurisdiction), then the accident."""
    user = request.user
    if not may_record(user):
        raise PermissionDenied(_("只有监管部门的监察人员可以登记事故。"))
    unit_id = request.POST.get("unit") if request.method == "POST" else request.GET.get("unit")
    if not unit_id:
        query = request.GET.get("q", "").strip()[:100]
        units = _units(user).select_related("region").order_by("name")
        if query:
            units = units.filter(Q(name__contains=query) | Q(uscc__startswith=query.upper()))
        rows = list(units[: UNIT_CHOICES + 1])
        context = {"query": query, "units": rows[:UNIT_CHOICES], "more": len(rows) > UNIT_CHOICES}
        return render(request, "supervision/accidents/choose_unit.html", context)
    unit = _units(user).filter(pk=unit_id).first() if str(unit_id).isdigit() else None
    if unit is None:
        raise Http404(_("该单位不在您的监管辖区内。"))
    initial = {}
    equipment_id = request.GET.get("equipment", "")
    if equipment_id.isdigit():
        preset = Equipment.objects.filter(organization=unit, pk=int(equipment_id)).first()
        initial["equipment_code"] = preset.code if preset else ""
    form = AccidentForm(request.POST if request.method == "POST" else None, unit=unit, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            accident, status = submit_to_service(
                form,
                lambda: services_accidents.do_record_accident(
                    actor=user,
                    organization=unit,
                    equipment=data["equipment_code"],
                    occurred_at=data["occurred_at"],
                    accident_type=data["accident_type"],
                    severity=data["severity"],
                    description=data["description"],
                    deaths=data["deaths"] if data["deaths"] is not None else 0,
                    serious_injuries=data["serious_injuries"] if data["serious_injuries"] is not None else 0,
                    minor_injuries=data["minor_injuries"] if data["minor_injuries"] is not None else 0,
                    direct_loss=data["direct_loss"] if data["direct_loss"] is not None else 0,
                ),
            )
            if accident:
                messages.success(request, _("已登记事故，相关设备的安全风险已标记为需重新评价。"))
                return redirect(services_accidents.accident_link(accident))
    suggestions = list(
        Equipment.objects.filter(organization=unit).order_by("code").values_list("code", "name")[:EQUIPMENT_SUGGESTIONS]
    )
    context = {"form": form, "unit": unit, "suggestions": suggestions}
    return render(request, "supervision/accidents/form.html", context, status=status)


def _accident(request, pk: int) -> Accident:
    _require_reader(request.user)
    return get_object_or_404(
        Accident.objects.visible_to(request.user).select_related(
            "organization", "equipment", "equipment__category", "recorded_by", "recorded_by_organization"
        ),
        pk=pk,
    )


def _months(request) -> int:
    raw = request.GET.get("months", "")
    if raw.isdigit() and 1 <= int(raw) <= tracing.MAX_MONTHS:
        return int(raw)
    return tracing.DEFAULT_MONTHS


@login_required
@require_GET
def accident_detail(request, pk: int):
    accident = _accident(request, pk)
    months = _months(request)
    report = tracing.build_report(accident, months=months)
    context = {
        "accident": accident,
        "report": report,
        "months": months,
        "month_choices": [3, 6, 12, 24, 36],
        "missed_tasks": [task for task in report["checks"]["tasks"] if task["missed"]],
        "now": timezone.now(),
    }
    return render(request, "supervision/accidents/detail.html", context)


@login_required
@require_GET
def accident_export(request, pk: int):
    accident = _accident(request, pk)
    report = tracing.build_report(accident, months=_months(request))
    begin_export(request, "accident_tracing", obj=accident)
    return FileResponse(
        tracing_workbook(report),
        as_attachment=True,
        filename=tracing_filename(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
