import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangfang.equipment.filtersets import category_q
from shuangfang.orgs.filtersets import filter_region_prefix, grid_filter, grid_units_q, industry_q

from .choices import AssessmentMethod, ControlLevel, RiskLevel, RiskPointKind
from .models import Risk, RiskPoint


class RiskFilterSet(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("使用单位"))
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("设备"))
    risk_point = django_filters.NumberFilter(field_name="risk_point_id", label=_("风险点"))
    region = django_filters.CharFilter(method=filter_region_prefix, label=_("地区"))
    level = django_filters.ChoiceFilter(choices=RiskLevel.choices, label=_("风险等级"))
    method = django_filters.ChoiceFilter(choices=AssessmentMethod.choices, label=_("评价方法"))
    control_level = django_filters.ChoiceFilter(choices=ControlLevel.choices, label=_("管控层级"))
    needs_reassessment = django_filters.BooleanFilter(label=_("需重新评价"))
    graded_below_minimum = django_filters.BooleanFilter(label=_("低于模板最低等级"))
    is_active = django_filters.BooleanFilter(label=_("有效"))
    review_due = django_filters.BooleanFilter(method="filter_review_due", label=_("已到评审日期"))
    # Named by the cockpit's links; list forms keep them without showing them.
    category = django_filters.CharFilter(
        method="filter_category", label=_("设备种类（目录代码）"), widget=forms.HiddenInput
    )
    crowded_place = django_filters.BooleanFilter(
        field_name="equipment__crowded_place", label=_("人员密集场所"), widget=forms.HiddenInput
    )
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业"), widget=forms.HiddenInput)
    grid = grid_filter()
    q = django_filters.CharFilter(method="search", label=_("风险名称、危险源或风险点"))

    class Meta:
        model = Risk
        fields = ["organization", "equipment", "risk_point", "level", "method", "control_level"]

    def filter_review_due(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(next_review_on__lte=today) if value else queryset.filter(next_review_on__gt=today)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_q("equipment__category", value))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry_q("organization__industry", value))

    def filter_grid(self, queryset, name, value):
        return queryset.filter(grid_units_q("organization_id", value))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(title__contains=value) | Q(hazard_source__contains=value) | Q(risk_point__name__contains=value)
        )


class RiskPointFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RiskPointKind.choices, label=_("类型"))
    equipment = django_filters.NumberFilter(field_name="equipment_id")
    site_plan = django_filters.NumberFilter(field_name="site_plan_id")

    class Meta:
        model = RiskPoint
        fields = ["kind", "equipment", "site_plan"]
