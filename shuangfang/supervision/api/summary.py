"""`GET /api/v1/supervision/summary/?region=` (contract, Supervision): the jurisdiction figures of a region and of each
of its next-level regions, read from the summary cells (supervision.summaries), never from the raw rows."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ..forms_cockpit import CockpitFilterForm
from ..selectors_cockpit import cockpit_grid, cockpit_region
from ..summaries import Figures, GridFigures, figures_for


class FiguresSerializer(serializers.Serializer):
    units = serializers.IntegerField(help_text="使用单位数（按行业、设备种类、人员密集场所筛选时为持有相应设备的单位）")
    equipment = serializers.IntegerField(help_text="登记设备数（各状态）")
    equipment_in_use = serializers.IntegerField(help_text="在用设备数")
    equipment_by_category = serializers.DictField(
        child=serializers.IntegerField(), help_text="按设备种类（目录代码，如 3000）的设备数，仅列非零项"
    )
    risks_by_level = serializers.DictField(
        child=serializers.IntegerField(), help_text="有效风险按等级：major、significant、general、low"
    )
    inspection_overdue = serializers.IntegerField(help_text="超期未检的在用设备数")
    hazards_open = serializers.IntegerField(help_text="未销号隐患数")
    major_hazards_open = serializers.IntegerField(help_text="未销号重大事故隐患数")
    hazards_overdue = serializers.IntegerField(help_text="超过整改期限的未销号隐患数")
    listings_open = serializers.IntegerField(help_text="挂牌督办中的隐患数")
    daily_tasks_due = serializers.IntegerField(help_text="近 30 日应完成的日管控任务数")
    daily_tasks_done = serializers.IntegerField(help_text="其中已完成的")
    daily_check_compliance = serializers.FloatField(
        allow_null=True, help_text="日管控完成率（0–1；无应完成任务时为 null）"
    )
    units_fully_identified = serializers.IntegerField(help_text="在用设备全部完成风险辨识的单位数")
    units_fully_identified_share = serializers.FloatField(
        allow_null=True, help_text="在用设备全部完成风险辨识的单位占比（0–1；无单位时为 null）"
    )


class ChildSerializer(FiguresSerializer):
    region = serializers.CharField(
        required=False, help_text="下级行政区划代码（县区的下级为网格时没有此字段，而是 grid）"
    )
    grid = serializers.IntegerField(
        required=False, allow_null=True, help_text="网格 id（仅县区的下级；null 为未划入网格的单位）"
    )
    name = serializers.CharField(help_text="地区名称或网格名称")


class GridRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SummarySerializer(FiguresSerializer):
    region = serializers.CharField(help_text="行政区划代码")
    name = serializers.CharField()
    level = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True, help_text="统计数据的计算时间（每 5 分钟刷新）")
    filters = serializers.DictField(help_text="生效的筛选条件")
    grid = GridRefSerializer(allow_null=True, help_text="按网格筛选时的网格（?grid=），否则为 null")
    children = ChildSerializer(many=True)


def figures_data(figures: Figures) -> dict:
    return {
        "units": figures.units,
        "equipment": figures.equipment,
        "equipment_in_use": figures.equipment_in_use,
        "equipment_by_category": dict(sorted(figures.equipment_by_category.items())),
        "risks_by_level": figures.risks_by_level,
        "inspection_overdue": figures.inspection_overdue,
        "hazards_open": figures.hazards_open,
        "major_hazards_open": figures.major_hazards_open,
        "hazards_overdue": figures.hazards_overdue,
        "listings_open": figures.listings_open,
        "daily_tasks_due": figures.daily_tasks_due,
        "daily_tasks_done": figures.daily_tasks_done,
        "daily_check_compliance": figures.daily_check_compliance,
        "units_fully_identified": figures.units_fully_identified,
        "units_fully_identified_share": figures.units_fully_identified_share,
    }


def child_data(child) -> dict:
    if isinstance(child, GridFigures):
        return {"grid": child.grid.pk if child.grid else None, "name": child.name, **figures_data(child.figures)}
    return {"region": child.region.code, "name": child.region.name, **figures_data(child.figures)}


class SupervisionSummaryView(APIView):
    """The jurisdiction figures for regulators; any other caller, and a region outside the jurisdiction, get 404."""

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="行政区划代码（默认：本部门辖区）"),
            OpenApiParameter("industry", str, description="行业代码（门类字母含其下各大类）"),
            OpenApiParameter("category", str, description="设备种类代码，如 3000"),
            OpenApiParameter("crowded", str, enum=["true", "false"], description="人员密集场所"),
            OpenApiParameter("grid", int, description="网格 id：只统计该网格（须为可见且在所选地区内的网格）"),
        ],
        responses={200: SummarySerializer},
    )
    def get(self, request):
        try:
            _jurisdiction, region = cockpit_region(request.user, request.query_params.get("region"))
            region, grid = cockpit_grid(request.user, region, request.query_params.get("grid"))
        except Http404 as error:
            raise NotFound(str(error)) from error
        form = CockpitFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {name: [str(message) for message in messages] for name, messages in form.errors.items()}
            )
        filters = form.filters()
        summary = figures_for(region, filters, grid)
        data = {
            "region": region.code,
            "name": region.name,
            "level": region.level,
            "computed_at": summary.computed_at,
            "filters": {name: value for name, value in vars(filters).items() if value is not None},
            "grid": {"id": grid.pk, "name": grid.name} if grid else None,
            **figures_data(summary.figures),
            "children": [child_data(child) for child in summary.children],
        }
        return Response(SummarySerializer(data).data)
