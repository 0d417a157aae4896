import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import OrganizationKind, RegionLevel
from .models import Industry, Organization, Region


def region_prefix_of(value: str) -> str:
    """What a region filter matches: a region's own significant prefix ("140500" → "1405", "140000" → "14",
    "130110" → "130110"), or the value as typed when it is a prefix rather than a code ("1405")."""
    code = value.strip()
    region = Region.objects.filter(code=code).only("prefix").first()
    return region.prefix if region is not None else code


def filter_region_prefix(queryset, name, value):
    return queryset.filter(region__code__startswith=region_prefix_of(value))


def industry_q(path: str, value: str) -> Q:
    """An industry filter on `path` (a foreign key to Industry): the code itself and, for a section letter ("C"), its
    divisions ("13" … "43") — the same rule as the supervision cockpit's industry filter."""
    code = value.strip().upper()
    return Q(**{f"{path}_id": code}) | Q(**{f"{path}__parent_id": code})


def grid_units_q(path: str, value) -> Q:
    """Rows whose unit (`path`: the organization id) is in grid `value` (supervision.Grid, looked up lazily: the
    grids sit above the organizations).  The caller's queryset is already scoped; this only narrows it."""
    memberships = apps.get_model("supervision", "Grid").units.through.objects.filter(grid_id=value)
    return Q(**{f"{path}__in": memberships.values("organization_id")})


def grid_filter() -> django_filters.NumberFilter:
    # Links from the cockpit and the grid pages name it; list forms keep it without showing it.
    return django_filters.NumberFilter(method="filter_grid", label=_("网格"), widget=forms.HiddenInput)


class RegionFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices)
    q = django_filters.CharFilter(method="search", label=_("名称或代码"))

    class Meta:
        model = Region
        fields = ["parent", "level"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))


class IndustryFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")

    class Meta:
        model = Industry
        fields = ["parent"]


class OrganizationFilterSet(django_filters.FilterSet):
    # One kind or several (?kind=use_unit&kind=filling_station: the units that own equipment).
    kind = django_filters.MultipleChoiceFilter(choices=OrganizationKind.choices)
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区（代码前缀）"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业"))
    grid = grid_filter()
    small_micro = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="search", label=_("名称或信用代码"))

    class Meta:
        model = Organization
        fields = ["kind", "region", "industry", "small_micro"]

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_q("industry", value))

    def filter_grid(self, queryset, name, value):
        return queryset.filter(grid_units_q("id", value))

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(uscc__startswith=value.upper()))
