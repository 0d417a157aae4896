"""Forms of the enforcement pages: they parse types only; services_enforcement validates."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangfang.accounts.models import User
from shuangfang.core.forms import unit_search_field, valid_values, with_empty_choice
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.models import unit_named

from . import rules_enforcement as rules
from .choices import OrderStatus
from .models import EnforcementInspection, EnforcementOrder

ORDER_ROWS = 3
NOTE_MAX = 500
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, **kwargs):
    return forms.DateField(label=label, required=False, widget=DATE_WIDGET, input_formats=["%Y-%m-%d"], **kwargs)


class InspectionForm(forms.Form):
    """The checklist (one result and an optional note per item), the findings, up to three orders, the inspectors,
    and for the one-action findings the device concerned and the rectification deadline."""

    inspected_on = _date(gettext_lazy("检查日期"), help_text=gettext_lazy("默认今天。"))
    inspectors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("执法人员"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选则为本人。"),
    )
    findings = forms.CharField(
        label=gettext_lazy("发现的问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("总体情况；各检查项的问题可写在该项的说明中。"),
    )
    equipment_code = forms.CharField(
        label=gettext_lazy("涉及设备代码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("一律确定为重大事故隐患的问题涉及某台设备时填写；可留空。"),
    )
    one_action_deadline = _date(
        gettext_lazy("限期整改期限"),
        help_text=gettext_lazy("“一律”情形的重大事故隐患挂牌督办和责令整改的期限；留空为 30 天。"),
    )
    service_models = (EnforcementInspection, EnforcementOrder)

    def __init__(self, *args, unit, regulator, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["inspectors"].queryset = User.objects.filter(organization=regulator, is_active=True).order_by(
            "username"
        )
        self.fields["equipment_code"].widget.attrs.update(
            list="unit-equipment", spellcheck="false", autocapitalize="characters", autocomplete="off"
        )
        self.items = []
        for item in rules.items_in_force(timezone.localdate()):
            result = forms.ChoiceField(
                label=item.text,
                required=False,
                choices=[(value, rules.RESULT_LABELS[value]) for value in rules.RESULTS],
                widget=forms.RadioSelect,
            )
            note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=NOTE_MAX)
            self.fields[f"result_{item.code}"] = result
            self.fields[f"note_{item.code}"] = note
            self.items.append(item)
        for number in range(1, ORDER_ROWS + 1):
            self.fields[f"order_content_{number}"] = forms.CharField(
                label=gettext_lazy("指令内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"order_deadline_{number}"] = _date(gettext_lazy("整改期限"))
            self.fields[f"order_stop_use_{number}"] = forms.BooleanField(
                label=gettext_lazy("责令停止使用并整改"), required=False
            )

    def checklist_rows(self):
        """(item, result field, note field) for the template."""
        return [(item, self[f"result_{item.code}"], self[f"note_{item.code}"]) for item in self.items]

    def order_rows(self):
        return [
            (self[f"order_content_{n}"], self[f"order_deadline_{n}"], self[f"order_stop_use_{n}"])
            for n in range(1, ORDER_ROWS + 1)
        ]

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

    def results(self) -> dict:
        """Unanswered items are left out: the service names them."""
        data = self.cleaned_data
        return {item.code: data[f"result_{item.code}"] for item in self.items if data.get(f"result_{item.code}")}

    def notes(self) -> dict:
        data = self.cleaned_data
        return {item.code: data[f"note_{item.code}"] for item in self.items if data.get(f"note_{item.code}")}

    def orders(self) -> list[dict]:
        """The filled-in order rows (a row with only a deadline counts: the service asks for its content)."""
        data = self.cleaned_data
        rows = []
        for n in range(1, ORDER_ROWS + 1):
            content = (data.get(f"order_content_{n}") or "").strip()
            deadline = data.get(f"order_deadline_{n}")
            if content or deadline:
                rows.append({"content": content, "deadline": deadline, "stop_use": data.get(f"order_stop_use_{n}")})
        return rows


class ComplianceForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    follow_up = forms.CharField(
        label=gettext_lazy("跟踪情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("复查时间、整改完成的情况和证据。"),
    )
    service_models = (EnforcementOrder,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].needed = True


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=with_empty_choice(OrderStatus.choices, gettext_lazy("全部"))
    )
    unit = unit_search_field()

    def filter(self, orders):
        data = valid_values(self)
        if data.get("status"):
            orders = orders.filter(status=data["status"])
        if (data.get("unit") or "").strip():
            orders = orders.filter(unit_named(data["unit"], via="unit"))
        return orders
