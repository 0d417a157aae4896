"""One FilterSet per list, shared by the web list, the API and the exports."""

import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangfang.core.crypto import blind_index
from shuangfang.core.search import any_of
from shuangfang.orgs.filtersets import filter_region_prefix, grid_filter, grid_units_q, industry_q

from .choices import (
    CatalogLevel,
    CertificateState,
    Conclusion,
    EquipmentStatus,
    InspectionKind,
    InspectionState,
    RiskLevel,
)
from .models import (
    CatalogEntry,
    Equipment,
    OperatorCertificate,
    PeriodicInspection,
    certificate_state_q,
    inspection_state_q,
)


class CatalogFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    level = django_filters.ChoiceFilter(choices=CatalogLevel.choices)
    registrable = django_filters.BooleanFilter()

    class Meta:
        model = CatalogEntry
        fields = ["parent", "level", "registrable"]


def catalog_prefix(value: str) -> str:
    # "3000" means the whole elevator category, "3100" its class: compare on the significant characters.
    return value.strip().upper().rstrip("0") or value


def category_q(path: str, value: str) -> Q:
    """A catalog filter on `path` (a foreign key to CatalogEntry): "3000" is the whole category, "3100" its class."""
    return Q(**{f"{path}__code__startswith": catalog_prefix(value)})


class EquipmentFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("使用单位"))
    region = django_filters.CharFilter(method="filter_region", label=_("地区（代码前缀）"))
    category = django_filters.CharFilter(method="filter_category", label=_("设备类别（目录代码前缀）"))
    status = django_filters.ChoiceFilter(choices=EquipmentStatus.choices, label=_("状态"))
    inspection_state = django_filters.ChoiceFilter(
        choices=InspectionState.choices, method="filter_inspection_state", label=_("检验状态")
    )
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices, label=_("风险等级"))
    crowded_place = django_filters.BooleanFilter(label=_("人员密集场所"))
    # Named by the cockpit's links; the list's form keeps it without showing it.
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业"), widget=forms.HiddenInput)
    grid = grid_filter()
    q = django_filters.CharFilter(method="search", label=_("设备代码、名称或地点"))

    class Meta:
        model = Equipment
        fields = ["organization", "region", "category", "status", "inspection_state", "risk_level", "crowded_place"]

    def filter_region(self, queryset, name, value):
        # A county code matches itself; "140500" (a city) or "140000" (a province) their prefixes.
        return filter_region_prefix(queryset, name, value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_q("category", value))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_q("organization__industry", value))

    def filter_grid(self, queryset, name, value):
        return queryset.filter(grid_units_q("organization_id", value))

    def filter_inspection_state(self, queryset, name, value):
        return queryset.filter(inspection_state_q(value, timezone.localdate()))

    def search(self, queryset, name, value):
        value = value.strip()
        # Each arm keeps the caller's scope, so a county's search reads the county's matches only.
        return queryset.filter(
            any_of(
                [
                    queryset.filter(code__startswith=value.upper()),
                    queryset.filter(name__finds=value),
                    queryset.filter(site__finds=value),
                ]
            )
        )


class PeriodicInspectionFilterSet(django_filters.FilterSet):
    equipment = django_filters.NumberFilter(field_name="equipment_id")
    agency = django_filters.NumberFilter(field_name="agency_id")
    conclusion = django_filters.ChoiceFilter(choices=Conclusion.choices)
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices)
    region = django_filters.CharFilter(method=filter_region_prefix)
    inspected_after = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte")
    inspected_before = django_filters.DateFilter(field_name="inspected_on", lookup_expr="lte")

    class Meta:
        model = PeriodicInspection
        fields = ["equipment", "agency", "conclusion", "kind", "region"]


# A resident ID number (GB 11643-1999): 18 characters, the last a digit or X; or the old 15 digits.
ID_NUMBER_PATTERN = re.compile(r"\d{17}[\dXx]|\d{15}")


class CertificateFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    item = django_filters.CharFilter(field_name="item_id")
    state = django_filters.ChoiceFilter(choices=CertificateState.choices, method="filter_state")
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = OperatorCertificate
        fields = ["organization", "item", "state"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(certificate_state_q(value))

    def search(self, queryset, name, value):
        # A whole ID number finds its holder's certificates through the blind index (the column is encrypted):
        # checking that the person on site holds one (持证上岗) without the number ever being shown.
        matches = Q(holder_name__contains=value) | Q(cert_no__startswith=value)
        if ID_NUMBER_PATTERN.fullmatch("".join(value.split())):
            matches |= Q(id_number_index=blind_index(value))
        return queryset.filter(matches)
