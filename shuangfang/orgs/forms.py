"""The organization form.

Like the API's serializer it only parses: text within the same lengths, region and industry codes
turned into rows (a code that does not exist is refused with the API's words), the version as a
number.  Whether a unit may sit in that region, whether the USCC is valid and unused, who may
create which kind: the organization service decides, and its messages appear next to the fields.
"""

from itertools import groupby
from operator import attrgetter

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import OrganizationKind, RegionLevel
from .models import Industry, Organization, Region


class CodeField(forms.CharField):
    """A reference-data row given by its code; blank means none."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        row = self.model.objects.filter(code=code).first()
        if row is None:
            raise forms.ValidationError(_("代码 %(code)s 不存在。") % {"code": code})
        return row


def county_choices(prefix: str) -> list:
    """The counties under a jurisdiction prefix, grouped by city: one query."""
    counties = (
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=prefix)
        .select_related("parent")
        .order_by("code")
    )
    choices: list = [("", "---------")]
    for parent, members in groupby(counties, key=attrgetter("parent")):
        options = [(county.code, f"{county.name}（{county.code}）") for county in members]
        if parent is not None and parent.level == RegionLevel.CITY:
            choices.append((parent.name, options))
        else:
            # Municipalities' districts and the counties a province runs directly have no city above them.
            choices.extend(options)
    return choices


def industry_choices() -> list:
    """GB/T 4754 divisions grouped by their section."""
    rows = list(Industry.objects.order_by("code"))
    sections = {row.code: row.name for row in rows if row.parent_id is None}
    grouped = []
    for section, members in groupby(
        sorted((row for row in rows if row.parent_id), key=lambda row: (row.parent_id, row.code)),
        key=lambda row: row.parent_id,
    ):
        grouped.append(
            (f"{section} {sections.get(section, '')}", [(row.code, f"{row.code} {row.name}") for row in members])
        )
    return [("", "---------"), *grouped]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    uscc = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=OrganizationKind.choices)
    region = CodeField(Region, label=gettext_lazy("所在地区"))
    jurisdiction = CodeField(
        Region, label=gettext_lazy("监管辖区"), help_text=gettext_lazy("仅监管部门：其监管的行政区划代码")
    )
    industry = CodeField(Industry, label=gettext_lazy("行业"), max_length=4)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=255, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False)
    small_micro = forms.BooleanField(label=gettext_lazy("小微企业"), required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        kinds: list[str] | None = None,
        region_prefix: str = "",
        with_jurisdiction: bool = False,
        instance: Organization | None = None,
        **kwargs,
    ):
        """`kinds`: the kinds offered (creation only; an existing organization keeps its kind);
        `region_prefix`: offer the counties under it in a list instead of a code box;
        `with_jurisdiction`: whether the jurisdiction can be set here (system administrators)."""
        if instance is not None:
            kwargs.setdefault("initial", initial_of(instance))
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            del self.fields["kind"]
        else:
            del self.fields["version"]
            offered = set(kinds or OrganizationKind.values)
            self.fields["kind"].widget.choices = [
                (code, label) for code, label in OrganizationKind.choices if code in offered
            ]
        if not with_jurisdiction:
            del self.fields["jurisdiction"]
        if region_prefix:
            self.fields["region"].widget = forms.Select(choices=county_choices(region_prefix))
        else:
            self.fields["region"].help_text = _("县级行政区划代码，6 位数字，例如 140525")
        self.fields["industry"].widget = forms.Select(choices=industry_choices())
        # Blank parses (the service says what is missing, in its own words), but the region is needed.
        self.fields["region"].needed = True

    def data_for_service(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


def initial_of(organization: Organization) -> dict:
    return {
        "name": organization.name,
        "uscc": organization.uscc,
        "region": organization.region_id,
        "jurisdiction": organization.jurisdiction_id or "",
        "industry": organization.industry_id or "",
        "address": organization.address,
        "contact_phone": organization.contact_phone,
        "small_micro": organization.small_micro,
        "version": organization.version,
    }


class OrganizationFilterForm(forms.Form):
    """The filter bar of the organization list (the OrganizationFilterSet does the filtering)."""

    q = forms.CharField(label=gettext_lazy("名称或信用代码"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), required=False, choices=[("", gettext_lazy("全部类型")), *OrganizationKind.choices]
    )
    region = forms.CharField(label=gettext_lazy("地区代码"), required=False, max_length=6)
