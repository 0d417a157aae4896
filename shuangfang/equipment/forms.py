"""Web forms of the equipment pages.

The forms only parse types (text, dates, numbers, references resolved through the user's scope);
every rule lives in the services, whose ValidationError messages are put back next to the fields.
Each form accepts what the API accepts for the same action, so the two faces never disagree.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shuangfang.core import pii
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.orgs.models import Organization, Region

from . import selectors
from .choices import CertificateState, Conclusion, EquipmentStatus, InspectionKind, InspectionState, RiskLevel
from .filtersets import CertificateFilterSet, EquipmentFilterSet, PeriodicInspectionFilterSet
from .models import CatalogEntry, CertificateItem, Equipment, OperatorCertificate, PeriodicInspection

ANY = _("全部")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), input_formats=["%Y-%m-%d"], **kwargs)


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _text(model, name: str, *, required=False, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=_label(model, name), max_length=model._meta.get_field(name).max_length, required=required, **kwargs
    )


class ReferenceChoiceField(forms.ModelChoiceField):
    """A reference resolved against one queryset but offered from a narrower list.

    The API accepts any catalog code, region code or visible organization and lets the service say
    why one does not fit; the form does the same, while its select only offers the sensible ones.
    """

    def __init__(self, queryset, *, offered, empty_label, **kwargs):
        super().__init__(queryset=queryset, **kwargs)
        self.widget.choices = [("", empty_label), *offered]


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, min_value=1, required=False, **kwargs)


# Equipment -----------------------------------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "code",
    "registration_no",
    "category",
    "name",
    "model",
    "serial_no",
    "manufacturer",
    "manufactured_on",
    "commissioned_on",
    "design_life_years",
    "region",
    "site",
    "crowded_place",
    "quick_opening",
    "signaller_required",
    "last_inspected_on",
    "inspection_due_on",
    "inspection_agency",
)


class EquipmentForm(forms.Form):
    """Register (no instance) or edit (with instance and its version) one equipment."""

    # Labels for service messages about fields this form does not show.
    service_models = (Equipment,)

    def __init__(self, *args, user, equipment: Equipment | None = None, **kwargs):
        self.equipment = equipment
        if equipment is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(equipment)
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        fields = self.fields
        if equipment is None and scope.kind != ScopeKind.UNIT:
            fields["organization"] = ReferenceChoiceField(
                Organization.objects.visible_to(user),
                offered=[(unit.pk, unit.name) for unit in selectors.equipment_owning_units(user)],
                empty_label=_("请选择使用单位"),
                label=_label(Equipment, "organization"),
                required=False,
            )
        fields["code"] = _text(Equipment, "code", required=True)
        fields["code"].widget.attrs.update(autocapitalize="characters", spellcheck="false")
        fields["name"] = _text(Equipment, "name", required=True)
        fields["category"] = ReferenceChoiceField(
            CatalogEntry.objects.all(),
            offered=selectors.registrable_catalog_groups(),
            empty_label=_("请选择设备类别"),
            label=_label(Equipment, "category"),
        )
        fields["registration_no"] = _text(Equipment, "registration_no")
        fields["model"] = _text(Equipment, "model")
        fields["serial_no"] = _text(Equipment, "serial_no")
        fields["manufacturer"] = _text(Equipment, "manufacturer")
        fields["manufactured_on"] = _date_field(_label(Equipment, "manufactured_on"), required=False)
        fields["commissioned_on"] = _date_field(_label(Equipment, "commissioned_on"), required=False)
        fields["design_life_years"] = forms.IntegerField(
            label=_label(Equipment, "design_life_years"), min_value=0, max_value=32767, required=False
        )
        fields["region"] = ReferenceChoiceField(
            Region.objects.all(),
            offered=[(region.code, f"{region.name}（{region.code}）") for region in self._region_offer(user)],
            empty_label=_("使用单位所在地区"),
            label=_label(Equipment, "region"),
            to_field_name="code",
            required=False,
        )
        fields["site"] = _text(Equipment, "site")
        fields["crowded_place"] = forms.BooleanField(label=_label(Equipment, "crowded_place"), required=False)
        fields["quick_opening"] = forms.BooleanField(label=_label(Equipment, "quick_opening"), required=False)
        fields["signaller_required"] = forms.BooleanField(label=_label(Equipment, "signaller_required"), required=False)
        fields["last_inspected_on"] = _date_field(_label(Equipment, "last_inspected_on"), required=False)
        fields["inspection_due_on"] = _date_field(_label(Equipment, "inspection_due_on"), required=False)
        fields["inspection_agency"] = ReferenceChoiceField(
            Organization.objects.visible_to(user),
            offered=[(agency.pk, agency.name) for agency in selectors.inspection_agencies(user)],
            empty_label=_("未委托"),
            label=_label(Equipment, "inspection_agency"),
            required=False,
        )
        if equipment is not None:
            fields["version"] = VersionField()
            fields["modification"] = forms.CharField(
                label=_("设备改造或重大修理"),
                max_length=200,
                required=False,
                help_text=_("本次修改对应设备改造或重大修理时填写其内容；该设备的风险将标记为需重新评价。"),
            )
        if equipment is None and scope.kind == ScopeKind.UNIT:
            # The region defaults to the unit's: show it chosen.
            self.initial.setdefault("region", user.organization.region_id)

    @staticmethod
    def initial_for(equipment: Equipment) -> dict:
        initial = {name: getattr(equipment, name) for name in EDITABLE_FIELDS}
        initial["category"] = equipment.category_id
        initial["region"] = equipment.region_id
        initial["inspection_agency"] = equipment.inspection_agency_id
        initial["version"] = equipment.version
        return initial

    def _region_offer(self, user):
        scope = scope_of(user)
        if scope.kind == ScopeKind.REGULATOR:
            return selectors.regions_within(scope.region_prefix)
        organization = self.equipment.organization if self.equipment is not None else user.organization
        if organization is not None:
            return selectors.regions_within(organization.region.prefix)
        return Region.objects.none()

    def service_data(self) -> dict:
        """The values for do_register_equipment: what the user filled in (an empty region means the unit's)."""
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
        if data["region"] is None:
            del data["region"]
        if "organization" in self.cleaned_data:
            data["organization"] = self.cleaned_data["organization"]
        return data

    def service_changes(self) -> tuple[dict, int | None]:
        """The changed fields for do_update_equipment, and the version the user read (the modification
        text, if any, is `cleaned_data["modification"]`)."""
        changes = {}
        for name in EDITABLE_FIELDS:
            value = self.cleaned_data[name]
            if name == "region" and value is None:
                continue
            if value != getattr(self.equipment, name):
                changes[name] = value
        return changes, self.cleaned_data.get("version")


class StatusChangeForm(forms.Form):
    """停用 / 恢复使用 / 报废: a reason (the service requires it) and the version read."""

    # Labels for service messages about fields this form does not show.
    service_models = (Equipment,)

    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )
    version = VersionField()


# Problems of one inspection registered as hazards from the form; more go through the API.
HAZARD_FINDING_ROWS = 5


class InspectionForm(forms.Form):
    """A periodic inspection record, for do_record_inspection."""

    # Labels for service messages about fields this form does not show.
    service_models = (PeriodicInspection, Equipment)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if scope_of(user).kind != ScopeKind.AGENCY:
            # An agency always records as itself; a unit names the agency whose report it enters.
            self.fields["agency"] = ReferenceChoiceField(
                Organization.objects.visible_to(user),
                offered=[(agency.pk, agency.name) for agency in selectors.inspection_agencies(user)],
                empty_label=_("请选择检验机构"),
                label=_("检验机构"),
                required=False,
            )
        self.order_fields(["agency"])
        self._add_finding_rows()

    kind = forms.ChoiceField(
        label=_("检验类别"), choices=InspectionKind.choices, initial=InspectionKind.PERIODIC, required=False
    )
    inspected_on = _date_field(_("检验日期"))
    conclusion = forms.ChoiceField(label=_("检验结论"), choices=[("", _("请选择")), *Conclusion.choices])
    safety_grade = forms.IntegerField(label=_("安全状况等级"), min_value=1, max_value=5, required=False)
    next_due_on = _date_field(_("下次检验日期"), required=False, help_text=_("留空则按检验周期规则自动计算"))
    report_no = forms.CharField(label=_("报告编号"), max_length=64, required=False)
    findings = forms.CharField(label=_("检验发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def _add_finding_rows(self) -> None:
        """The problems to register as hazards of the unit (检验意见), one row each: the description, and whether it
        is serious enough to report to the regulator at once (特种设备安全法 art 53)."""
        for number in range(1, HAZARD_FINDING_ROWS + 1):
            self.fields[f"hazard_{number}_description"] = forms.CharField(
                label=_("问题 %(n)d") % {"n": number},
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"hazard_{number}_serious"] = forms.BooleanField(
                label=_("严重，立即报告监管部门"), required=False
            )

    @property
    def main_fields(self):
        return [field for field in self if not field.name.startswith("hazard_")]

    @property
    def finding_rows(self):
        return [
            (self[f"hazard_{number}_description"], self[f"hazard_{number}_serious"])
            for number in range(1, HAZARD_FINDING_ROWS + 1)
        ]

    @property
    def findings_given(self) -> bool:
        """Whether the rows were filled in (the page then shows them open)."""
        return self.is_bound and any(
            self.data.get(f"hazard_{number}_description", "").strip() for number in range(1, HAZARD_FINDING_ROWS + 1)
        )

    def clean(self):
        data = super().clean()
        for number in range(1, HAZARD_FINDING_ROWS + 1):
            if data.get(f"hazard_{number}_serious") and not (data.get(f"hazard_{number}_description") or "").strip():
                self.add_error(f"hazard_{number}_description", _("请描述该问题。"))
        return data

    def service_data(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if not name.startswith("hazard_")}
        data["kind"] = data.get("kind") or InspectionKind.PERIODIC
        data["hazard_findings"] = [
            {
                "description": self.cleaned_data[f"hazard_{number}_description"].strip(),
                "serious": bool(self.cleaned_data.get(f"hazard_{number}_serious")),
            }
            for number in range(1, HAZARD_FINDING_ROWS + 1)
            if (self.cleaned_data.get(f"hazard_{number}_description") or "").strip()
        ]
        return data


# Certificates --------------------------------------------------------------------------------------------------------

CERTIFICATE_FORM_FIELDS = ("holder_name", "id_number", "item", "cert_no", "issued_on", "expires_on")


class CertificateForm(forms.Form):
    """Add or edit an operator certificate.  The ID number of a recorded certificate is never written into the
    page (core.pii: it is seen whole only through the audited "显示"): left empty, it stays as it is."""

    # Labels for service messages about fields this form does not show.
    service_models = (OperatorCertificate,)

    holder_name = forms.CharField(label=_("持证人"), max_length=100)
    id_number = forms.CharField(label=_("身份证号"), max_length=32)
    item = forms.ModelChoiceField(
        label=_("作业项目"), queryset=CertificateItem.objects.all(), to_field_name="code", empty_label=_("请选择")
    )
    cert_no = forms.CharField(label=_("证书编号"), max_length=64)
    issued_on = _date_field(_("发证日期"))
    expires_on = _date_field(_("有效期至"))

    def __init__(self, *args, user, certificate: OperatorCertificate | None = None, **kwargs):
        self.certificate = certificate
        self.id_number_hidden = certificate is not None
        if certificate is not None and "initial" not in kwargs:
            initial = {name: getattr(certificate, name) for name in CERTIFICATE_FORM_FIELDS}
            initial["item"] = certificate.item_id
            initial["version"] = certificate.version
            if self.id_number_hidden:
                initial["id_number"] = ""
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["item"].label_from_instance = lambda item: f"{item.code} {item.name}"
        if certificate is not None:
            self.fields["version"] = VersionField()
        if self.id_number_hidden:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空则不修改。") % {
                "masked": pii.shown(certificate, "id_number")
            }

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CERTIFICATE_FORM_FIELDS}

    def service_changes(self) -> tuple[dict, int | None]:
        changes = {}
        for name in CERTIFICATE_FORM_FIELDS:
            value = self.cleaned_data[name]
            if name == "id_number" and self.id_number_hidden and not value:
                continue
            if value != getattr(self.certificate, name):
                changes[name] = value
        return changes, self.cleaned_data.get("version")


# Ledger import -------------------------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("台账文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    dry_run = forms.BooleanField(label=_("仅校验，不导入 (dry run)"), required=False)


# Filters: the FilterSets of filtersets.py with widgets fit for a person ----------------------------------------------


def _choice_field(field, choices, label) -> None:
    field.label = label
    field.empty_label = ANY
    field.choices = choices


# Beyond this many units a select is no help (a province has tens of thousands): the region and
# the search narrow the list instead, and a unit named in a link (?organization=) still applies.
MAX_UNIT_CHOICES = 500


def unit_filter(field, user) -> None:
    """A select of the units in the regulator's scope, or a hidden field (set by links) when they are too many."""
    units = selectors.equipment_owning_units(user)
    # Asked of at most MAX_UNIT_CHOICES + 1 rows in any order: sorting a province's 150,000 units by name only to
    # find them too many cost ≈ 100 ms a page.
    if units.order_by().values("pk")[: MAX_UNIT_CHOICES + 1].count() > MAX_UNIT_CHOICES:
        field.widget = forms.HiddenInput()
    else:
        field.widget = forms.Select(choices=[("", ANY), *units.values_list("pk", "name")])
    field.label = _("使用单位")


def equipment_filterset(user, data) -> EquipmentFilterSet:
    """The equipment list's filters: the API's FilterSet, with selects for what the user may pick."""
    filterset = EquipmentFilterSet(data, queryset=selectors.visible_equipment(user))
    fields = filterset.form.fields
    scope = scope_of(user)
    if scope.kind == ScopeKind.UNIT:
        # A unit sees only its own equipment in its own place: these filters would say nothing.
        del fields["organization"], fields["region"]
    else:
        unit_filter(fields["organization"], user)
        regions = selectors.jurisdiction_regions(user)
        if regions is not None:
            fields["region"].widget = forms.Select(
                choices=[("", ANY)]
                + [
                    (region.code, ("　" * (len(region.prefix) // 2 - 1)) + region.name)
                    for region in regions.exclude(prefix=scope.region_prefix)
                ]
            )
        else:
            fields["region"].widget.attrs.update(inputmode="numeric", placeholder=_("区划代码，如 140525"))
        fields["region"].label = _("地区")
    fields["category"].widget = forms.Select(choices=[("", ANY), *selectors.catalog_filter_choices()])
    fields["category"].label = _("设备类别")
    _choice_field(fields["status"], EquipmentStatus.choices, _("状态"))
    _choice_field(fields["inspection_state"], InspectionState.choices, _("检验状态"))
    _choice_field(fields["risk_level"], RiskLevel.choices, _("风险等级"))
    fields["crowded_place"].widget = forms.Select(choices=[("", ANY), ("true", _("是")), ("false", _("否"))])
    fields["crowded_place"].label = _("人员密集场所")
    fields["q"].label = _("搜索")
    fields["q"].widget.attrs.update(placeholder=_("设备代码、名称或地点"), type="search")
    return filterset


class InspectionListFilterSet(PeriodicInspectionFilterSet):
    equipment_code = django_filters.CharFilter(method="filter_equipment_code", label=_("设备代码"))

    def filter_equipment_code(self, queryset, name, value):
        return queryset.filter(equipment__code__startswith="".join(value.split()).upper())


def inspection_filterset(user, data) -> InspectionListFilterSet:
    filterset = InspectionListFilterSet(data, queryset=selectors.visible_inspections(user))
    fields = filterset.form.fields
    for name in ("equipment", "agency", "kind", "region"):
        del fields[name]
    _choice_field(fields["conclusion"], Conclusion.choices, _("检验结论"))
    fields["inspected_after"].widget = DateInput()
    fields["inspected_after"].label = _("检验日期自")
    fields["inspected_before"].widget = DateInput()
    fields["inspected_before"].label = _("至")
    fields["equipment_code"].widget.attrs.update(spellcheck="false", autocapitalize="characters")
    return filterset


def certificate_filterset(user, data) -> CertificateFilterSet:
    filterset = CertificateFilterSet(data, queryset=selectors.visible_certificates(user))
    fields = filterset.form.fields
    if scope_of(user).kind == ScopeKind.UNIT:
        del fields["organization"]
    else:
        unit_filter(fields["organization"], user)
    fields["item"].widget = forms.Select(
        choices=[("", ANY), *((item.code, f"{item.code} {item.name}") for item in CertificateItem.objects.all())]
    )
    fields["item"].label = _("作业项目")
    _choice_field(fields["state"], CertificateState.choices, _("状态"))
    fields["q"].label = _("搜索")
    fields["q"].widget.attrs.update(placeholder=_("持证人或证书编号"), type="search")
    return filterset
