"""Web forms of the unit's duty pages: documents, training, certified operators, emergency plans and drills, major
hazard sources and their readings.

The forms parse types and the services judge, so that the browser shows the API's messages.  A field the service
cannot do without (a date, the equipment) is required here with a message naming it.  Files are uploaded as
attachments in the same transaction as the record they belong to (see views_duties), so a refused record leaves no
upload behind.
"""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangfang.accounts.models import User
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.forms import ReferenceChoiceField, VersionField
from shuangfang.equipment.models import CatalogEntry, Equipment, OperatorCertificate
from shuangfang.hazards.forms import EVIDENCE_TYPES, PHOTO_TYPES, MultipleFileField, person_label

from . import rules
from .choices import EmergencyPlanKind, HazardSourceGrade
from .models import (
    Drill,
    EmergencyPlan,
    MajorHazardSource,
    MonitoringPoint,
    OperatorAssignment,
    Reading,
    SafetyDocument,
    TrainingPlan,
    TrainingSession,
)

CHOOSE = _("请选择")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _fill_in(label) -> str:
    return gettext("请填写%(label)s。") % {"label": label}


def _choose(label) -> str:
    return gettext("请选择%(label)s。") % {"label": label}


# Messages are put together when shown, in the reader's language (the forms are built at import).
_fill_in_lazy = lazy(_fill_in, str)
_choose_lazy = lazy(_choose, str)


def _required(label) -> dict:
    return {"required": _fill_in_lazy(label)}


def _chosen(label) -> dict:
    return {"required": _choose_lazy(label)}


def _review_help() -> str:
    return gettext("不填则为发布后 %(months)s 个月。") % {"months": rules.EMERGENCY_PLAN_REVIEW_MONTHS}


def category_choices() -> list[tuple[str, str]]:
    """The catalog categories Order 74 has a chapter for, named."""
    names = dict(CatalogEntry.objects.filter(code__in=rules.ORDER_74_CATEGORIES).values_list("code", "name"))
    return [(code, f"{code} {names.get(code, '')}".strip()) for code in rules.ORDER_74_CATEGORIES]


def _category_field(empty_label, help_text="") -> forms.ChoiceField:
    return forms.ChoiceField(label=_("设备种类"), required=False, help_text=help_text, choices=[("", empty_label)])


def _file_field(label, accept: str, help_text="") -> forms.FileField:
    return forms.FileField(
        label=label, required=False, help_text=help_text, widget=forms.ClearableFileInput(attrs={"accept": accept})
    )


def unit_people(organization_id: int):
    return User.objects.filter(organization_id=organization_id, is_active=True).order_by("id")


# Documents -----------------------------------------------------------------------------------------------------------


class DocumentUploadForm(forms.Form):
    service_models = (SafetyDocument,)

    kind = forms.ChoiceField(label=_("制度类型"), error_messages=_chosen(_("制度类型")))
    equipment_category = _category_field(
        _("全单位（不分设备种类）"), _("按设备种类制定的制度（操作规程、安全总监职责、安全员守则）须选择设备种类。")
    )
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    effective_on = forms.DateField(label=_("生效日期"), widget=_date_input(), error_messages=_required(_("生效日期")))
    attachment = _file_field(_("制度文件"), EVIDENCE_TYPES, _("PDF 文件或图片（JPEG、PNG）。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", CHOOSE)] + [
            (rule.code, _(rule.name) + ("" if rule.scope == rules.UNIT else _("（按设备种类）")))
            for rule in rules.DOCUMENT_RULES
        ]
        self.fields["equipment_category"].choices += category_choices()
        self.fields["title"].needed = True
        self.fields["attachment"].needed = True


# Training ------------------------------------------------------------------------------------------------------------


class TrainingPlanForm(forms.Form):
    service_models = (TrainingPlan,)

    year = forms.IntegerField(label=_("年度"), error_messages=_required(_("年度")))
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    content = forms.CharField(label=_("计划内容"), required=False, widget=_textarea(5))
    attachment = _file_field(_("计划文件"), EVIDENCE_TYPES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].needed = True


class TrainingSessionForm(forms.Form):
    service_models = (TrainingSession,)

    topic = forms.CharField(label=_("培训主题"), max_length=200, required=False)
    held_on = forms.DateField(label=_("培训日期"), widget=_date_input(), error_messages=_required(_("培训日期")))
    hours = forms.CharField(label=_("学时"), max_length=10, required=False, help_text=_("0.5 到 200。"))
    trainer = forms.CharField(label=_("授课人"), max_length=100, required=False)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    materials = _file_field(_("培训材料"), EVIDENCE_TYPES)
    sign_in_photo = _file_field(_("签到照片"), PHOTO_TYPES)

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        plans = TrainingPlan.objects.visible_to(user).filter(organization=organization).order_by("-year", "id")
        self.fields["plan"] = ReferenceChoiceField(
            TrainingPlan.objects.visible_to(user),
            offered=[(plan.pk, str(plan)) for plan in plans],
            empty_label=_("不属于任何计划"),
            label=_("培训计划"),
            required=False,
        )
        attendees = forms.ModelMultipleChoiceField(
            queryset=User.objects.visible_to(user),
            label=_("参训人员"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        # Any visible person parses (the service says who is not of the unit); the unit's active people are offered.
        attendees.widget.choices = [(person.pk, person_label(person)) for person in unit_people(organization.pk)]
        self.fields["attendees"] = attendees
        for name in ("topic", "hours", "trainer", "attendees"):
            self.fields[name].needed = True
        self.order_fields(
            ["topic", "held_on", "hours", "trainer", "location", "plan", "attendees", "materials", "sign_in_photo"]
        )


# Certified operators -------------------------------------------------------------------------------------------------


def certificate_label(certificate: OperatorCertificate) -> str:
    return _("%(holder)s · %(item)s %(item_name)s · %(number)s（有效期至 %(expires)s）") % {
        "holder": certificate.holder_name,
        "item": certificate.item_id,
        "item_name": certificate.item.name,
        "number": certificate.cert_no,
        "expires": certificate.expires_on.isoformat(),
    }


class OperatorAssignForm(forms.Form):
    service_models = (OperatorAssignment,)

    assigned_on = forms.DateField(label=_("上岗日期"), widget=_date_input(), error_messages=_required(_("上岗日期")))

    def __init__(self, *args, user, organization, equipment_offered, certificates_offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"] = ReferenceChoiceField(
            Equipment.objects.visible_to(user),
            offered=[(device.pk, f"{device.name}（{device.code}）") for device in equipment_offered],
            empty_label=CHOOSE,
            label=_("设备"),
            error_messages=_chosen(_("设备")),
        )
        self.fields["certificate"] = ReferenceChoiceField(
            OperatorCertificate.objects.visible_to(user),
            offered=[(certificate.pk, certificate_label(certificate)) for certificate in certificates_offered],
            empty_label=CHOOSE,
            label=_("作业人员证"),
            error_messages=_chosen(_("作业人员证")),
            help_text=_("本单位登记的有效作业人员证；新证请先在“作业人员证”中登记。"),
        )
        self.order_fields(["equipment", "certificate", "assigned_on"])


class OperatorEndForm(forms.Form):
    service_models = (OperatorAssignment,)

    ended_on = forms.DateField(label=_("离岗日期"), widget=_date_input(), error_messages=_required(_("离岗日期")))
    version = VersionField()


def in_use_equipment(user, organization):
    return (
        Equipment.objects.visible_to(user)
        .filter(organization=organization, status=EquipmentStatus.IN_USE)
        .select_related("category")
        .order_by("code")
    )


# Emergency plans and drills ------------------------------------------------------------------------------------------


class EmergencyPlanForm(forms.Form):
    service_models = (EmergencyPlan,)

    kind = forms.ChoiceField(label=_("预案类型"), choices=EmergencyPlanKind.choices, initial=EmergencyPlanKind.SPECIAL)
    equipment_category = _category_field(_("不分设备种类"), _("专项应急预案按设备种类制定。"))
    title = forms.CharField(label=_("预案名称"), max_length=200, required=False)
    approved_on = forms.DateField(label=_("发布日期"), widget=_date_input(), error_messages=_required(_("发布日期")))
    review_by = forms.DateField(
        label=_("评估修订期限"),
        widget=_date_input(),
        required=False,
        help_text=lazy(_review_help, str)(),
    )
    attachment = _file_field(_("预案文件"), EVIDENCE_TYPES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment_category"].choices += category_choices()
        self.fields["title"].needed = True


class DrillForm(forms.Form):
    service_models = (Drill,)

    equipment_category = _category_field(_("按所选预案"), _("不选则取所选预案的设备种类。"))
    held_on = forms.DateField(label=_("演练日期"), widget=_date_input(), error_messages=_required(_("演练日期")))
    scenario = forms.CharField(label=_("演练科目"), max_length=300, required=False)
    participants = forms.CharField(label=_("参演人员"), required=False, widget=_textarea(2))
    participant_count = forms.IntegerField(label=_("参演人数"), min_value=0, required=False)
    evaluation = forms.CharField(label=_("演练评估"), required=False, widget=_textarea(4))
    photos = MultipleFileField(label=_("照片"), accept="image/*", camera=True, help_text=_("可选多张。"))

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        plans = (
            EmergencyPlan.objects.visible_to(user)
            .filter(organization=organization)
            .order_by("-is_current", "equipment_category", "-approved_on")
        )
        self.fields["plan"] = ReferenceChoiceField(
            EmergencyPlan.objects.visible_to(user),
            offered=[(plan.pk, plan.title + ("" if plan.is_current else _("（已废止）"))) for plan in plans],
            empty_label=_("不关联预案"),
            label=_("应急预案"),
            required=False,
        )
        self.fields["equipment_category"].choices += category_choices()
        self.fields["scenario"].needed = True
        self.order_fields(["plan", "equipment_category", "held_on", "scenario"])


# Major hazard sources ------------------------------------------------------------------------------------------------


class HazardSourceForm(forms.Form):
    service_models = (MajorHazardSource,)

    name = forms.CharField(label=_("名称"), max_length=200, required=False)
    grade = forms.ChoiceField(
        label=_("级别"), choices=[("", CHOOSE), *HazardSourceGrade.choices], error_messages=_chosen(_("级别"))
    )
    location = forms.CharField(label=_("位置"), max_length=200, required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=_textarea(3))

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"] = ReferenceChoiceField(
            Equipment.objects.visible_to(user),
            offered=[
                (device.pk, f"{device.name}（{device.code}）")
                for device in Equipment.objects.visible_to(user)
                .filter(organization=organization)
                .exclude(status=EquipmentStatus.SCRAPPED)
                .order_by("code")[:1000]
            ],
            empty_label=_("不关联设备"),
            label=_("关联设备"),
            required=False,
        )
        self.fields["name"].needed = True
        self.order_fields(["name", "grade", "equipment", "location", "description"])


class MonitoringPointForm(forms.Form):
    service_models = (MonitoringPoint,)

    name = forms.CharField(label=_("监测点"), max_length=200, error_messages=_required(_("监测点名称")))
    quantity = forms.CharField(
        label=_("监测参数"),
        max_length=50,
        error_messages=_required(_("监测参数")),
        widget=forms.TextInput(attrs={"placeholder": _("如：压力、温度、液位、可燃气体浓度")}),
    )
    unit_of_measure = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    low = forms.DecimalField(label=_("下限"), max_digits=12, decimal_places=3, required=False)
    high = forms.DecimalField(
        label=_("上限"), max_digits=12, decimal_places=3, required=False, help_text=_("上下限至少填一个。")
    )


class ReadingForm(forms.Form):
    service_models = (Reading,)

    value = forms.CharField(label=_("读数"), max_length=40, error_messages=_required(_("读数")))
    measured_at = forms.DateTimeField(
        label=_("测量时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("不填则为现在。"),
    )
