"""公众举报 from the equipment's QR page: anyone who scanned the label reports what they saw, without an account.

The service limits how often, and gives the unit three days to confirm or reject the report; the pages tell the
reporter so and name the complaint line 12315 (and the elevator rescue line 96333) for what cannot wait.
"""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.core.access import public
from shuangfang.core.context import source_ip_var
from shuangfang.core.forms import add_service_errors
from shuangfang.equipment import selectors as equipment_selectors
from shuangfang.equipment.choices import EquipmentStatus

from . import services
from .models import Hazard

# 全国市场监管投诉举报热线 (market regulation complaints, special equipment included).
COMPLAINT_NUMBER = "12315"
DESCRIPTION_MAX_LENGTH = 1000


class PublicReportForm(forms.Form):
    service_models = (Hazard,)

    description = forms.CharField(
        label=gettext_lazy("您看到的问题"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": gettext_lazy("例如：电梯运行时异响、门未关好就启动、检验标志过期……")}
        ),
        required=False,
    )
    reporter_name = forms.CharField(label=gettext_lazy("您的称呼（可不填）"), max_length=50, required=False)
    reporter_contact = forms.CharField(
        label=gettext_lazy("联系电话（可不填）"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("留下电话，便于使用单位或监管部门向您了解情况。"),
    )


def _phones(equipment) -> dict:
    return {
        "complaint_number": COMPLAINT_NUMBER,
        "elevator_emergency_number": (
            equipment_selectors.ELEVATOR_EMERGENCY_NUMBER if equipment_selectors.is_elevator(equipment) else ""
        ),
    }


def _private(response):
    """The page carries a CSRF token and the equipment's current state: never from a cache, never indexed."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def client_address(request) -> str:
    """The address the request context records with every event (the rate limit counts the events by it)."""
    return source_ip_var.get() or request.META.get("REMOTE_ADDR") or ""


@public
@require_http_methods(["GET", "POST"])
def public_report(request, token: str):
    equipment = equipment_selectors.equipment_by_public_token(token)
    form = PublicReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.do_public_report(
                    equipment=equipment,
                    description=data["description"],
                    reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"],
                    client_ip=client_address(request),
                )
            except services.RateLimited as limited:
                context = {"equipment": equipment, "message": limited.message, **_phones(equipment)}
                return _private(render(request, "hazards/public_report_limited.html", context, status=429))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("public:report-done", token=token)
    context = {
        "equipment": equipment,
        "form": form,
        "scrapped": equipment.status == EquipmentStatus.SCRAPPED,
        "confirm_days": services.PUBLIC_CONFIRM_DAYS,
        **_phones(equipment),
    }
    return _private(render(request, "hazards/public_report.html", context, status=status))


@public
@require_GET
def public_report_done(request, token: str):
    equipment = equipment_selectors.equipment_by_public_token(token)
    context = {
        "equipment": equipment,
        "confirm_days": services.PUBLIC_CONFIRM_DAYS,
        "confirm_by": timezone.localdate() + timedelta(days=services.PUBLIC_CONFIRM_DAYS),
        **_phones(equipment),
    }
    return _private(render(request, "hazards/public_report_done.html", context))
