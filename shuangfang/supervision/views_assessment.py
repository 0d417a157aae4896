"""The annual assessment of regions (考核): the ranked table of a year with the form to run it, each region's notice
(通报) as a printable document, and the table's .xlsx.  Thin faces: read through `visible_to(user)`, run through
`assessment.do_run_assessment`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shuangfang.core.access import login_required
from shuangfang.core.exports import begin_export
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied as ServicePermissionDenied
from shuangfang.core.services import permitted

from . import assessment as assessments
from . import rules_assessment as rules
from .exports_assessment import assessment_filename, assessment_workbook
from .models import RegionalAssessment


def _require_reader(user) -> None:
    if scope_of(user).kind not in (ScopeKind.REGULATOR, ScopeKind.PLATFORM):
        raise PermissionDenied(_("地区考核仅供监管部门使用。"))


def _year(request) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    if raw.isdigit() and assessments.FIRST_YEAR <= int(raw) <= today.year:
        return int(raw)
    return max(assessments.FIRST_YEAR, today.year - 1)


def _rows(user, year: int):
    return (
        RegionalAssessment.objects.visible_to(user)
        .filter(year=year)
        .select_related("organization", "region")
        .order_by("organization__name", "organization_id", "rank", "region_id")
    )


@login_required
@require_GET
def assessment_list(request):
    user = request.user
    _require_reader(user)
    year = _year(request)
    rows = list(_rows(user, year))
    for row in rows:
        row.indicator_rows = assessments.indicator_rows(row)
    today = timezone.localdate()
    context = {
        "year": year,
        "years": list(range(today.year, assessments.FIRST_YEAR - 1, -1)),
        "rows": rows,
        "indicators": [
            {"name": _(indicator.name), "measure": _(indicator.measure), "weight": indicator.weight, "row": indicator}
            for indicator in rules.ASSESSMENT_INDICATORS
        ],
        "notice_rules": rules.NOTICE_RULES,
        "may_run": permitted(assessments.may_run_check, user),
    }
    return render(request, "supervision/assessments/list.html", context)


@login_required
@require_POST
def assessment_run(request):
    user = request.user
    year = request.POST.get("year", "")
    try:
        rows = assessments.do_run_assessment(actor=user, year=year)
    except ServicePermissionDenied as denied:
        raise PermissionDenied(denied.message) from denied
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(reverse("supervision:assessments"))
    messages.success(
        request,
        _("已完成 %(year)s 年度考核：%(count)d 个地区，通报表扬 %(praise)d 个，通报批评 %(criticism)d 个。")
        % {
            "year": year,
            "count": len(rows),
            "praise": sum(row.notice_kind == "praise" for row in rows),
            "criticism": sum(row.notice_kind == "criticism" for row in rows),
        },
    )
    return redirect(f"{reverse('supervision:assessments')}?year={int(year)}")


@login_required
@require_GET
def assessment_detail(request, pk: int):
    """One region's result and notice as a document to print."""
    _require_reader(request.user)
    assessment = get_object_or_404(
        RegionalAssessment.objects.visible_to(request.user).select_related("organization", "region", "computed_by"),
        pk=pk,
    )
    count = RegionalAssessment.objects.filter(organization_id=assessment.organization_id, year=assessment.year).count()
    context = {
        "assessment": assessment,
        "rows": assessments.indicator_rows(assessment),
        "region_count": count,
        "paragraphs": [part for part in assessment.notice_text.split("\n\n") if part.strip()],
    }
    return render(request, "supervision/assessments/detail.html", context)


@login_required
@require_GET
def assessment_export(request):
    user = request.user
    _require_reader(user)
    year = _year(request)
    begin_export(request, "assessments", _rows(user, year), filters={"year": year})
    return FileResponse(
        assessment_workbook(_rows(user, year)),
        as_attachment=True,
        filename=assessment_filename(year),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
