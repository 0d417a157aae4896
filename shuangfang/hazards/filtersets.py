import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangfang.core.search import any_of
from shuangfang.equipment.filtersets import catalog_prefix
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.filtersets import filter_region_prefix, grid_filter, grid_units_q, industry_q

from .choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus, ListingLevel, ListingStatus
from .models import Hazard, Listing


class HazardFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("使用单位"))
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("设备"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    status = django_filters.MultipleChoiceFilter(choices=HazardStatus.choices, label=_("状态"))
    grade = django_filters.ChoiceFilter(choices=HazardGrade.choices, label=_("隐患等级"))
    source = django_filters.ChoiceFilter(choices=HazardSource.choices, label=_("来源"))
    is_open = django_filters.BooleanFilter(method="filter_open", label=_("未销号"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已超期"))
    listed = django_filters.BooleanFilter(method="filter_listed", label=_("挂牌督办中"))
    reported_to_regulator = django_filters.BooleanFilter(
        field_name="reported_to_regulator_at", lookup_expr="isnull", exclude=True, label=_("已报告监管部门")
    )
    found_after = django_filters.DateFilter(field_name="found_at", lookup_expr="date__gte", label=_("发现日期起"))
    found_before = django_filters.DateFilter(field_name="found_at", lookup_expr="date__lte", label=_("发现日期止"))
    # Named by the cockpit's links; list forms keep them without showing them.
    category = django_filters.CharFilter(
        method="filter_category", label=_("设备种类（目录代码）"), widget=forms.HiddenInput
    )
    crowded_place = django_filters.BooleanFilter(
        field_name="equipment__crowded_place", label=_("人员密集场所"), widget=forms.HiddenInput
    )
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业"), widget=forms.HiddenInput)
    grid = grid_filter()
    q = django_filters.CharFilter(method="search", label=_("隐患描述或设备代码"))

    class Meta:
        model = Hazard
        fields = ["organization", "equipment", "status", "grade", "source"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_category(self, queryset, name, value):
        return queryset.filter(catalog_code__startswith=catalog_prefix(value))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_q("organization__industry", value))

    def filter_grid(self, queryset, name, value):
        return queryset.filter(grid_units_q("organization_id", value))

    def filter_listed(self, queryset, name, value):
        listed = Q(listings__status__in=[s for s in ListingStatus.values if s != ListingStatus.DELISTED])
        return queryset.filter(listed).distinct() if value else queryset.exclude(listed)

    def search(self, queryset, name, value):
        value = value.strip()
        # The description through its character-pair index (core.search); the device by its 设备代码's beginning, as
        # the equipment list's search box finds it (a device's name — 乘客电梯, 叉车 — names thousands of devices, and
        # a hazard's description names its device).
        # Each arm keeps the caller's scope, so a county's search reads the county's matches only.
        devices = Equipment.all_objects.filter(code__startswith=value.upper()).values("pk")
        return queryset.filter(
            any_of([queryset.filter(description__finds=value), queryset.filter(equipment_id__in=devices)])
        )


class ListingFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("使用单位"))
    hazard = django_filters.NumberFilter(field_name="hazard_id", label=_("隐患"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    status = django_filters.MultipleChoiceFilter(choices=ListingStatus.choices, label=_("状态"))
    level = django_filters.ChoiceFilter(choices=ListingLevel.choices, label=_("督办级别"))
    is_open = django_filters.BooleanFilter(method="filter_open", label=_("督办中"))

    class Meta:
        model = Listing
        fields = ["organization", "hazard", "status", "level"]

    def filter_open(self, queryset, name, value):
        delisted = Q(status=ListingStatus.DELISTED)
        return queryset.exclude(delisted) if value else queryset.filter(delisted)
