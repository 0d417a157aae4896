import django_filters
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
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices)
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区（代码前缀）"))
    industry = django_filters.CharFilter(field_name="industry__code", lookup_expr="startswith", label=_("行业"))
    small_micro = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="search", label=_("名称或信用代码"))

    class Meta:
        model = Organization
        fields = ["kind", "region", "industry", "small_micro"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(uscc__startswith=value.upper()))
