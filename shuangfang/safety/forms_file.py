"""Web forms of the unit file's own pages: the safety management body and declared facts, the unit's licences,
appointments and their ending, and the regulator's filters over compliance gaps.

The forms only parse types; the services judge (a role already held, a person not of the unit, a category outside
Order 74, an end before the start), so that the browser shows the same messages as the API.  A document is uploaded
as an attachment in the same transaction as the change it belongs to, so that a refused change leaves no upload.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangfang.accounts.models import User
from shuangfang.equipment.choices import CatalogLevel
from shuangfang.equipment.forms import ReferenceChoiceField, VersionField
from shuangfang.equipment.models import CatalogEntry
from shuangfang.orgs.models import Region

from . import rules
from .choices import AppointmentRole, GapKind, LicenceKind
from .models import Appointment, SafetyProfile, UnitLicence
from .services import PROFILE_FIELDS

ANY = _("全部")
DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def category_names() -> dict[str, str]:
    """The catalog's categories (X000) by code, for labels of Order 74's categories."""
    return dict(CatalogEntry.objects.filter(level=CatalogLevel.CATEGORY).values_list("code", "name"))


def category_choices(names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    names = category_names() if names is None else names
    return [(code, f"{names.get(code, code)}（{code}）") for code in rules.ORDER_74_CATEGORIES]


class DocumentField(forms.FileField):
    """One appointing or founding document (PDF or photo); what it is made of is the upload's to judge."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(widget=forms.FileInput(attrs={"accept": DOCUMENT_TYPES}), **kwargs)


class AnyValuesField(forms.MultipleChoiceField):
    """Offers the choices but accepts any value: whether it is allowed is the service's to say, in its words."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value):
        return True


# The safety management body and declared facts ------------------------------------------------------------------

BOOLEAN_FACTS = (
    "public_elevator_business",
    "public_ride_business",
    "power_station_boiler",
    "petrochemical_plant",
    "boiler_over_2_5_mpa",
)


class ProfileForm(forms.Form):
    """安全管理机构 (TSG 08-2017 2.3) and the facts the staffing rules read that the register cannot tell."""

    service_models = (SafetyProfile,)

    body_name = forms.CharField(label=_label(SafetyProfile, "body_name"), max_length=200, required=False)
    body_established_on = forms.DateField(
        label=_label(SafetyProfile, "body_established_on"), required=False, widget=_date_input()
    )
    body_document = DocumentField(
        label=_label(SafetyProfile, "body_document"),
        help_text=_("PDF 或照片；不选则保留已上传的文件。"),
    )
    public_elevator_business = forms.BooleanField(
        label=_label(SafetyProfile, "public_elevator_business"), required=False
    )
    public_ride_business = forms.BooleanField(label=_label(SafetyProfile, "public_ride_business"), required=False)
    power_station_boiler = forms.BooleanField(label=_label(SafetyProfile, "power_station_boiler"), required=False)
    petrochemical_plant = forms.BooleanField(label=_label(SafetyProfile, "petrochemical_plant"), required=False)
    boiler_over_2_5_mpa = forms.BooleanField(label=_label(SafetyProfile, "boiler_over_2_5_mpa"), required=False)
    industrial_piping_km = forms.DecimalField(
        label=_label(SafetyProfile, "industrial_piping_km"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        error_messages={"required": _("请填写工业管道长度；没有工业管道填 0。")},
    )
    version = VersionField()

    def __init__(self, *args, profile: SafetyProfile, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(profile, name) for name in PROFILE_FIELDS if name != "body_document"},
                "version": profile.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["body_name"].help_text = _("设置了安全管理机构的，填写机构名称和设立日期。")

    def service_changes(self) -> tuple[dict, int | None]:
        """Every field the form shows, so that the service judges the whole (a body named without its date); the
        document only when one was chosen (the service gets the attachment from the view)."""
        changes = {name: self.cleaned_data[name] for name in PROFILE_FIELDS if name != "body_document"}
        return changes, self.cleaned_data.get("version")


# Licences ---------------------------------------------------------------------------------------------------------


class LicenceForm(forms.Form):
    """许可证: which licence, its number, who issued it, when, until when, what it covers, and the licence itself."""

    service_models = (UnitLicence,)

    kind = forms.ChoiceField(
        label=_label(UnitLicence, "kind"),
        choices=[("", _("请选择许可类型")), *LicenceKind.choices],
        error_messages={"required": _("请选择许可类型。"), "invalid_choice": _("请选择许可类型。")},
    )
    number = forms.CharField(label=_label(UnitLicence, "number"), max_length=100, required=False)
    issued_by = forms.CharField(label=_label(UnitLicence, "issued_by"), max_length=200, required=False)
    issued_on = forms.DateField(
        label=_label(UnitLicence, "issued_on"),
        widget=_date_input(),
        error_messages={"required": _("请填写发证日期。"), "invalid": _("发证日期格式应为 年-月-日。")},
    )
    expires_on = forms.DateField(
        label=_label(UnitLicence, "expires_on"),
        widget=_date_input(),
        error_messages={"required": _("请填写有效期截止日期。"), "invalid": _("有效期截止日期格式应为 年-月-日。")},
    )
    scope = forms.CharField(
        label=_label(UnitLicence, "scope"),
        max_length=500,
        required=False,
        help_text=_("充装许可证填写充装介质、瓶种等许可项目。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attachment = DocumentField(label=_label(UnitLicence, "attachment"), help_text=_("许可证的 PDF 或照片。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service requires the number and says so; the label shows it is needed.
        self.fields["number"].needed = True


# Appointments -----------------------------------------------------------------------------------------------------


def person_label(person: User) -> str:
    roles = "、".join(person.role_labels)
    return f"{person.display_name}（{roles}）" if roles else person.display_name


class AppointmentForm(forms.Form):
    """任命: who, to which role, for which of Order 74's equipment categories, from when, with the document."""

    service_models = (Appointment,)

    role = forms.CharField(
        label=_label(Appointment, "role"),
        widget=forms.Select(choices=[("", _("请选择岗位")), *AppointmentRole.choices]),
        error_messages={"required": _("请选择岗位。")},
    )
    equipment_categories = AnyValuesField(
        label=_label(Appointment, "equipment_categories"),
        required=False,
        help_text=_("安全总监、安全员按设备种类任命；不选表示负责本单位全部设备种类。主要负责人和安全管理负责人不选。"),
    )
    full_time = forms.BooleanField(label=_label(Appointment, "full_time"), required=False)
    starts_on = forms.DateField(
        label=_label(Appointment, "starts_on"),
        widget=_date_input(),
        error_messages={"required": _("请填写任职日期。"), "invalid": _("任职日期格式应为 年-月-日。")},
    )
    document = DocumentField(label=_label(Appointment, "document"), help_text=_("任命文件的 PDF 或照片。"))
    note = forms.CharField(
        label=_label(Appointment, "note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user: User, organization, **kwargs):
        super().__init__(*args, **kwargs)
        offered = User.objects.filter(organization=organization, is_active=True).order_by("id")
        # Resolved against everyone the user can see: a person of another unit is the service's to refuse by name.
        self.fields["person"] = ReferenceChoiceField(
            User.objects.visible_to(user),
            offered=[(person.pk, person_label(person)) for person in offered],
            empty_label=_("请选择人员"),
            label=_label(Appointment, "person"),
            error_messages={"required": _("请选择人员。"), "invalid_choice": _("所选人员不存在。")},
        )
        self.fields["equipment_categories"].choices = category_choices()
        self.order_fields(["person", "role", "equipment_categories", "full_time", "starts_on", "document", "note"])


class EndAppointmentForm(forms.Form):
    """免职: the date, why, and the version read."""

    service_models = (Appointment,)

    ends_on = forms.DateField(
        label=_label(Appointment, "ends_on"),
        widget=_date_input(),
        error_messages={"required": _("请填写免职日期。"), "invalid": _("免职日期格式应为 年-月-日。")},
    )
    reason = forms.CharField(
        label=_label(Appointment, "end_reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service requires the reason and says so; the label shows it is needed.
        self.fields["reason"].needed = True


# The regulator's gaps ---------------------------------------------------------------------------------------------


def regions_below(jurisdiction: Region) -> list[Region]:
    return list(
        Region.objects.filter(code__startswith=jurisdiction.prefix).exclude(code=jurisdiction.code).order_by("code")
    )


class GapFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), required=False)
    region = forms.ChoiceField(label=_("地区"), required=False)
    q = forms.CharField(label=_("单位名称"), max_length=100, required=False)

    def __init__(self, *args, jurisdiction: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", ANY), *GapKind.choices]
        regions = regions_below(jurisdiction)
        indent = {"city": "", "county": "\u3000"} if jurisdiction.level == "province" else {}
        self.fields["region"].choices = [
            ("", ANY),
            *[(region.code, f"{indent.get(region.level, '')}{region.name}") for region in regions],
        ]
        self.fields["region"].error_messages["invalid_choice"] = _("该地区不在您的辖区内。")
        if not regions:
            # A county has no region below it: the filter would offer nothing.
            del self.fields["region"]
        self.fields["q"].widget.attrs.update(placeholder=_("单位名称或统一社会信用代码"), type="search")
