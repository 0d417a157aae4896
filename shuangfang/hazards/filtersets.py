import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangfang.orgs.filtersets import filter_region_prefix

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
    q = django_filters.CharFilter(method="search", label=_("隐患描述、设备代码或名称"))

    class Meta:
        model = Hazard
        fields = ["organization", "equipment", "status", "grade", "source"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_listed(self, queryset, name, value):
        listed = Q(listings__status__in=[s for s in ListingStatus.values if s != ListingStatus.DELISTED])
        return queryset.filter(listed).distinct() if value else queryset.exclude(listed)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(description__contains=value) | Q(equipment__code__contains=value) | Q(equipment__name__contains=value)
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
