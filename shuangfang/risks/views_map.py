"""The risk pages people read from a wall, a plan or a region rather than edit row by row: the risk notification
card (风险告知卡) of an equipment or a risk point, the four-colour map (四色图) drawn on a unit's site plans, and the
overview of risk grading across a regulator's jurisdiction.

Thin faces: scoped reads, the services for every change, render.  The map is an inline SVG whose markers are placed
by attributes and coloured by CSS classes, because the Content-Security-Policy forbids inline styles and scripts.
"""

import struct
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Substr
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.accounts.roles import Action
from shuangfang.core.access import login_required
from shuangfang.core.attachments import ATTACHMENT_CSP, do_upload_attachment
from shuangfang.core.forms import submit_to_service
from shuangfang.core.models import Attachment
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.views import list_response, paginate
from shuangfang.equipment import selectors as equipment_selectors
from shuangfang.equipment.models import Equipment
from shuangfang.orgs.choices import RegionLevel
from shuangfang.orgs.models import Organization, Region

from . import library, rules, selectors
from .choices import ControlLevel, MeasureKind, RiskPointKind
from .models import Risk, RiskPoint, SitePlan
from .services import do_add_site_plan, do_place_risk_point

SITE_PLANS_PER_PAGE = 30
UNPLACED_PER_PAGE = 40
# An overview table lists at most this many units or risks; the heading gives the full count.
OVERVIEW_ROWS = 50
# Emergency numbers every card shows (火警, 急救); elevators add the 96333 rescue line.
FIRE_NUMBER = "119"
AMBULANCE_NUMBER = "120"


def _require(user, action: Action) -> None:
    """Refuse a request whose only purpose is an action the role may not take (the service refuses it too)."""
    if not user.may(action):
        raise PermissionDenied(_("您的角色不能维护风险分级管控信息。"))


def _risk_list_url(**filters) -> str:
    """The risk list filtered the same way as the figure that links to it, so it lists exactly the rows counted."""
    query = {key: value for key, value in filters.items() if value not in ("", None)}
    url = reverse("risks:list")
    return f"{url}?{urlencode(query)}" if query else url


def _level_rank():
    return Case(
        *(When(level=level, then=Value(rules.level_rank(level))) for level in rules.LEVELS),
        output_field=IntegerField(),
    )


def _with_highest_level(points):
    """Each point with the level of its highest active risk (None: no risk identified yet), in the same query."""
    highest = (
        Risk.objects.filter(risk_point_id=OuterRef("pk"), is_active=True)
        .annotate(rank=_level_rank())
        .order_by("-rank")
        .values("level")[:1]
    )
    return points.annotate(highest_level=Subquery(highest))


@dataclass(frozen=True)
class LevelStyle:
    """How a level shows: its label and colour come from the rules, never from a template."""

    code: str
    label: str
    color: str


def level_style(level: str | None) -> LevelStyle:
    if not level:
        return LevelStyle("", _("未辨识风险"), "grey")
    return LevelStyle(level, str(rules.LEVEL_LABELS[level]), rules.LEVEL_COLORS[level])


# --------------------------------------------------------------------------------------------------------------------
# The risk notification card (风险告知卡)
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class MeasureGroup:
    label: str
    texts: list[str]


@dataclass(frozen=True)
class EmergencyPhone:
    label: str
    number: str


def _measure_groups(measures: list[dict]) -> list[MeasureGroup]:
    """The measures under their kinds, in the order of the kinds (engineering first, emergency last)."""
    groups = []
    for kind in MeasureKind:
        texts = [measure["text"] for measure in measures if measure.get("kind") == kind.value and measure.get("text")]
        if texts:
            groups.append(MeasureGroup(str(kind.label), texts))
    return groups


def _decorate_card_risks(risks: list[Risk]) -> None:
    for risk in risks:
        risk.style = level_style(risk.level)
        risk.measure_groups = _measure_groups(risk.measures)
        risk.accident_type_label = library.ACCIDENT_TYPE_NAMES.get(risk.accident_type, "") if risk.accident_type else ""
        risk.control_level_label = ControlLevel(risk.control_level).label if risk.control_level else ""


def _emergency_phones(unit: Organization, elevator: bool) -> list[EmergencyPhone]:
    phones = []
    if elevator:
        phones.append(EmergencyPhone(_("电梯应急救援"), equipment_selectors.ELEVATOR_EMERGENCY_NUMBER))
    phones.append(EmergencyPhone(_("火警"), FIRE_NUMBER))
    phones.append(EmergencyPhone(_("急救"), AMBULANCE_NUMBER))
    if unit.contact_phone:
        phones.append(EmergencyPhone(_("单位联系电话"), unit.contact_phone))
    return phones


def _card_context(*, unit, point: RiskPoint | None, equipment: Equipment | None, risks: list[Risk]) -> dict:
    risks.sort(key=lambda risk: -rules.level_rank(risk.level))
    _decorate_card_risks(risks)
    if equipment is not None:
        name, code = equipment.name, equipment.code
        location = equipment.site or (point.location if point else "")
        kind = equipment.category.name
    else:
        name, code, location = point.name, "", point.location
        kind = RiskPointKind(point.kind).label
    return {
        "unit": unit,
        "point": point,
        "equipment": equipment,
        "subject": {"name": name, "code": code, "location": location, "kind": kind},
        "risks": risks,
        "highest": level_style(rules.highest_level(risk.level for risk in risks)),
        "phones": _emergency_phones(unit, equipment is not None and equipment_selectors.is_elevator(equipment)),
        "map_url": reverse("risks:map-plan", args=[point.site_plan_id]) if point and point.site_plan_id else "",
    }


@login_required
@require_GET
def equipment_card(request, pk: int):
    """The card of an equipment, for whoever may see the equipment — the unit, its regulators and the agency it
    engaged.  The card is the notice posted beside the equipment (风险告知), so it is read through the
    equipment's scope, just checked, rather than the risk rows' own (which an agency does not hold)."""
    equipment = equipment_selectors.access_equipment(request.user, pk)
    point = RiskPoint.objects.filter(equipment_id=equipment.pk).first()
    risks = list(Risk.objects.filter(equipment_id=equipment.pk, is_active=True).select_related("owner").order_by("id"))
    context = _card_context(unit=equipment.organization, point=point, equipment=equipment, risks=risks)
    return render(request, "risks/card.html", context)


def _access_card_point(user, pk: int) -> RiskPoint:
    """A risk point the user may see: its own scope, or for an equipment's point the equipment's (an engaged
    inspection agency sees the equipment but owns no risk rows)."""
    visible = Q(pk__in=RiskPoint.objects.visible_to(user).values("pk")) | Q(
        equipment__in=Equipment.objects.visible_to(user).values("pk")
    )
    point = (
        RiskPoint.objects.filter(visible, pk=pk)
        .select_related("organization", "equipment__category", "equipment__organization")
        .first()
    )
    if point is None:
        raise Http404(_("风险点不存在。"))
    return point


@login_required
@require_GET
def point_card(request, pk: int):
    point = _access_card_point(request.user, pk)
    risks = list(Risk.objects.filter(risk_point_id=point.pk, is_active=True).select_related("owner").order_by("id"))
    context = _card_context(unit=point.organization, point=point, equipment=point.equipment, risks=risks)
    return render(request, "risks/card.html", context)


@login_required
@require_GET
def unit_cards(request):
    """Every risk card of the signed-in unit in one document, one card per printed page: the unit posts them all
    at once when it starts (the simple mode's last step) and after a round of reassessment."""
    unit = request.user.organization
    if scope_of(request.user).kind != ScopeKind.UNIT or unit is None:
        raise Http404(_("风险点不存在。"))
    points = list(
        RiskPoint.objects.visible_to(request.user)
        .filter(organization=unit)
        .select_related("equipment__category")
        .order_by("equipment__code", "pk")
    )
    risks_by_point: dict[int, list[Risk]] = {}
    for risk in Risk.objects.filter(risk_point__in=points, is_active=True).select_related("owner").order_by("id"):
        risks_by_point.setdefault(risk.risk_point_id, []).append(risk)
    cards = []
    for point in points:
        risks = risks_by_point.get(point.pk, [])
        cards.append(_card_context(unit=unit, point=point, equipment=point.equipment, risks=risks))
    return render(request, "risks/cards.html", {"unit": unit, "cards": cards})


# --------------------------------------------------------------------------------------------------------------------
# Image size from the file header (PNG and JPEG): the map's viewBox is the image's own pixel size
# --------------------------------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length: TEM and the restart markers.
JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
EXIF_ORIENTATION_TAG = 0x0112
# EXIF orientations 5 to 8 turn the picture a quarter: a browser shows it with width and height swapped.
QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})


def image_size(stream) -> tuple[int, int] | None:
    """(width, height) in pixels as a browser shows a PNG or JPEG, read from the header; None when unreadable.

    Reads only the header segments, never the picture data.  A JPEG photo taken on a turned phone is shown
    turned by its EXIF orientation, so its displayed width is its stored height."""
    head = stream.read(24)
    if head.startswith(PNG_SIGNATURE):
        if len(head) < 24 or head[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", head[16:24])
        return (width, height) if width and height else None
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(_Reader(head[2:], stream))
    return None


class _Reader:
    """Bytes already read, then the rest of the stream."""

    def __init__(self, buffered: bytes, stream):
        self.buffered = buffered
        self.stream = stream

    def read(self, size: int) -> bytes:
        taken, self.buffered = self.buffered[:size], self.buffered[size:]
        if len(taken) < size:
            taken += self.stream.read(size - len(taken))
        if len(taken) < size:
            raise EOFError
        return taken


def _jpeg_size(reader: _Reader) -> tuple[int, int] | None:
    orientation = 1
    try:
        while True:
            if reader.read(1) != b"\xff":
                return None
            marker = reader.read(1)[0]
            while marker == 0xFF:  # fill bytes before a marker
                marker = reader.read(1)[0]
            if marker in JPEG_STANDALONE_MARKERS:
                continue
            if marker in (0xD9, 0xDA):  # end of image, or the scan began without a frame header
                return None
            (length,) = struct.unpack(">H", reader.read(2))
            if length < 2:
                return None
            segment = reader.read(length - 2)
            if marker in JPEG_FRAME_MARKERS:
                if len(segment) < 5:
                    return None
                height, width = struct.unpack(">HH", segment[1:5])
                if not width or not height:
                    return None
                return (height, width) if orientation in QUARTER_TURN_ORIENTATIONS else (width, height)
            if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
                orientation = _exif_orientation(segment[6:]) or orientation
    except EOFError:
        return None


def _exif_orientation(tiff: bytes) -> int | None:
    """The Orientation tag of the first image directory of an EXIF (TIFF) block."""
    if tiff[:4] == b"II*\x00":
        order = "<"
    elif tiff[:4] == b"MM\x00*":
        order = ">"
    else:
        return None
    try:
        (directory,) = struct.unpack(order + "I", tiff[4:8])
        (entries,) = struct.unpack(order + "H", tiff[directory : directory + 2])
        for index in range(entries):
            start = directory + 2 + index * 12
            tag, value_type = struct.unpack(order + "HH", tiff[start : start + 4])
            if tag == EXIF_ORIENTATION_TAG and value_type == 3:  # SHORT, stored in the entry itself
                (value,) = struct.unpack(order + "H", tiff[start + 8 : start + 10])
                return value
    except struct.error:
        return None
    return None


def attachment_image_size(attachment: Attachment) -> tuple[int, int] | None:
    try:
        with attachment.file.open("rb") as stream:
            return image_size(stream)
    except OSError:
        return None


# --------------------------------------------------------------------------------------------------------------------
# The four-colour map (四色图)
# --------------------------------------------------------------------------------------------------------------------


class SitePlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    image = forms.FileField(
        label=gettext_lazy("平面图图片"),
        help_text=gettext_lazy("JPEG 或 PNG 图片，例如厂区总平面图、楼层平面图。"),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class PlacePointForm(forms.Form):
    """Where a risk point sits on a site plan, in percent of the plan's width and height (the no-script way)."""

    site_plan = forms.TypedChoiceField(label=gettext_lazy("平面图"), coerce=int, empty_value=None, required=False)
    plan_x = forms.DecimalField(
        label=gettext_lazy("距左边（%）"), min_value=0, max_value=100, decimal_places=3, required=False
    )
    plan_y = forms.DecimalField(
        label=gettext_lazy("距上边（%）"), min_value=0, max_value=100, decimal_places=3, required=False
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, plans: list[SitePlan], **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from a list read once: a page holds one form per point, and a queryset would be read per form.
        self.fields["site_plan"].choices = [("", _("（不放在平面图上）"))] + [(plan.pk, plan.name) for plan in plans]
        for name in ("plan_x", "plan_y"):
            self.fields[name].widget.attrs.update({"step": "0.1", "inputmode": "decimal"})

    def clean(self):
        data = super().clean()
        if data.get("site_plan") is not None:
            for name in ("plan_x", "plan_y"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("请填写位置（0 到 100）。"))
        return data


def _access_site_plan(user, pk: int) -> SitePlan:
    plan = SitePlan.objects.visible_to(user).select_related("organization", "image").filter(pk=pk).first()
    if plan is None:
        raise Http404(_("平面图不存在。"))
    return plan


def _may_add_site_plans(user) -> bool:
    return scope_of(user).kind == ScopeKind.UNIT and user.may(Action.MANAGE_RISKS)


def _add_site_plan(user, name: str, uploaded) -> SitePlan:
    """Upload the image and add the plan together: a refused plan leaves no attachment behind."""
    with transaction.atomic():
        try:
            attachment = do_upload_attachment(actor=user, uploaded=uploaded)
        except ValidationError as error:
            # The upload names its field "file"; on this form the file is the plan's image.
            raise ValidationError({"image": error.messages}) from error
        return do_add_site_plan(actor=user, name=name, image=attachment)


@login_required
@require_http_methods(["GET", "POST"])
def site_plan_list(request):
    """The unit's site plans (a regulator: the plans of the units in its jurisdiction, by unit), and adding one."""
    user = request.user
    may_add = _may_add_site_plans(user)
    form = None
    status = 200
    if may_add:
        form = SitePlanForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_add:
            _require(user, Action.MANAGE_RISKS)
            raise PermissionDenied(_("只有使用单位可以添加平面图。"))
        status = 400
        if form.is_valid():
            plan, status = submit_to_service(
                form, lambda: _add_site_plan(user, form.cleaned_data["name"], form.cleaned_data["image"])
            )
            if plan:
                messages.success(request, _("平面图“%(name)s”已添加，请在图上标注风险点。") % {"name": plan.name})
                return redirect("risks:map-plan", pk=plan.pk)

    plans = SitePlan.objects.visible_to(user)
    show_units = scope_of(user).kind != ScopeKind.UNIT
    units, unit = [], None
    if show_units:
        units = list(
            Organization.objects.filter(pk__in=plans.values("organization_id")).order_by("name").values("pk", "name")
        )
        unit = _int_or_none(request.GET.get("unit"))
        if unit is not None:
            plans = plans.filter(organization_id=unit)
    plans = plans.select_related("organization").annotate(point_count=Count("points", filter=Q(points__is_active=True)))
    page = paginate(request, plans.order_by("organization__name", "id"), SITE_PLANS_PER_PAGE)
    context = {"page": page, "form": form, "show_units": show_units, "units": units, "unit": unit}
    if request.method == "POST":
        return render(request, "risks/map_list.html", context, status=status)
    return list_response(request, "risks/map_list.html", "risks/map_list_rows.html", context)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Marker:
    """A risk point drawn on the plan, at its position in the image's own pixels (as text: SVG attributes)."""

    point: RiskPoint
    number: int
    x: str
    y: str
    style: LevelStyle
    card_url: str


@dataclass
class LegendEntry:
    style: LevelStyle
    count: int


@dataclass
class PlacingRow:
    """A risk point in the list beside the plan, with its form when the reader may place it."""

    point: RiskPoint
    style: LevelStyle
    card_url: str
    place_url: str
    api_url: str
    form: PlacePointForm | None = None
    number: int | None = None
    position: str = ""


def _place_form(point: RiskPoint, plans: list[SitePlan], current: SitePlan, data=None) -> PlacePointForm:
    on_plan = point.site_plan_id is not None
    initial = {
        "site_plan": point.site_plan_id if on_plan else current.pk,
        "plan_x": _percent(point.plan_x) if on_plan else None,
        "plan_y": _percent(point.plan_y) if on_plan else None,
        "version": point.version,
    }
    return PlacePointForm(data, plans=plans, initial=initial, auto_id=f"id_place_{point.pk}_%s")


def _svg_number(value: float) -> str:
    """A coordinate for an SVG attribute, never localized (a decimal comma would break it)."""
    return f"{value:.1f}"


def _percent(fraction) -> Decimal | None:
    return None if fraction is None else (Decimal(fraction) * 100).quantize(Decimal("0.1"))


def _plan_context(request, plan: SitePlan, *, bound: PlacePointForm | None = None, bound_point: int | None = None):
    user = request.user
    may_place = user.may(Action.MANAGE_RISKS) and scope_of(user).kind == ScopeKind.UNIT
    size = attachment_image_size(plan.image)
    width, height = size or (1000, 750)
    points = RiskPoint.objects.visible_to(user).filter(organization_id=plan.organization_id, is_active=True)
    placed = list(_with_highest_level(points.filter(site_plan=plan)).order_by("id"))
    unplaced_page = paginate(
        request, _with_highest_level(points.filter(site_plan__isnull=True)).order_by("name", "id"), UNPLACED_PER_PAGE
    )
    plans = list(SitePlan.objects.visible_to(user).filter(organization_id=plan.organization_id).order_by("id"))
    radius = max(width, height) / 75

    def row(point: RiskPoint, number: int | None = None) -> PlacingRow:
        form = None
        if may_place:
            form = bound if bound is not None and bound_point == point.pk else _place_form(point, plans, plan)
        return PlacingRow(
            point=point,
            style=level_style(point.highest_level),
            card_url=reverse("risks:card-point", args=[point.pk]),
            place_url=reverse("risks:map-place", args=[plan.pk, point.pk]),
            api_url=reverse("risk-point-place", args=[point.pk]),
            form=form,
            number=number,
            position=f"{_percent(point.plan_x)}%, {_percent(point.plan_y)}%" if point.site_plan_id else "",
        )

    markers = []
    placed_rows = []
    for number, point in enumerate(placed, start=1):
        style = level_style(point.highest_level)
        markers.append(
            Marker(
                point=point,
                number=number,
                x=_svg_number(float(point.plan_x) * width),
                y=_svg_number(float(point.plan_y) * height),
                style=style,
                card_url=reverse("risks:card-point", args=[point.pk]),
            )
        )
        placed_rows.append(row(point, number))
    legend_counts = {}
    for marker in markers:
        legend_counts[marker.style.code] = legend_counts.get(marker.style.code, 0) + 1
    legend = [LegendEntry(level_style(level), legend_counts.get(level, 0)) for level in rules.LEVELS]
    legend.append(LegendEntry(level_style(None), legend_counts.get("", 0)))
    counts = selectors.level_counts(Risk.objects.visible_to(user).filter(organization_id=plan.organization_id))
    distribution = [LegendEntry(level_style(level), counts[level]) for level in rules.LEVELS]
    chart = {
        "title": str(_("风险等级分布")),
        "items": [
            {"name": entry.style.label, "value": entry.count, "color": entry.style.color} for entry in distribution
        ],
    }
    return {
        "plan": plan,
        "plans": plans,
        "image_url": reverse("risks:map-image", args=[plan.pk]),
        "width": str(width),
        "height": str(height),
        "size_known": size is not None,
        "radius": _svg_number(radius),
        "label_size": _svg_number(radius * 1.1),
        "markers": markers,
        "legend": legend,
        "placed_rows": placed_rows,
        "unplaced_page": unplaced_page,
        "unplaced_rows": [row(point) for point in unplaced_page.object_list],
        "distribution": distribution,
        "distribution_total": sum(counts.values()),
        "chart": chart,
        "may_place": may_place,
        "risk_list_url": _risk_list_url(organization=plan.organization_id),
    }


@login_required
@require_GET
def site_plan_detail(request, pk: int):
    plan = _access_site_plan(request.user, pk)
    return render(request, "risks/map_plan.html", _plan_context(request, plan))


@login_required
@require_GET
def site_plan_image(request, pk: int):
    """The plan's picture, for the map's <image>: uploaded files are served only through a scope check."""
    plan = _access_site_plan(request.user, pk)
    attachment = Attachment.objects.visible_to(request.user).filter(pk=plan.image_id).first()
    if attachment is None or not attachment.content_type.startswith("image/"):
        raise Http404(_("平面图不存在。"))
    try:
        stream = attachment.file.open("rb")
    except OSError as missing:
        raise Http404(_("平面图不存在。")) from missing
    # A picture in the map's <image> is shown whatever the disposition; opened on its own it is downloaded.
    response = FileResponse(
        stream,
        as_attachment=True,
        content_type=attachment.content_type,
        filename=f"{attachment.sha256[:16]}{attachment.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    # An attachment never changes (its name is its digest): the browser may keep it for the session.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def place_point(request, pk: int, point_pk: int):
    """Place a risk point on a site plan, move it, or take it off — the form that works without the script."""
    user = request.user
    plan = _access_site_plan(user, pk)
    point = RiskPoint.objects.visible_to(user).filter(pk=point_pk, organization_id=plan.organization_id).first()
    if point is None:
        raise Http404(_("风险点不存在。"))
    _require(user, Action.MANAGE_RISKS)
    plans = list(SitePlan.objects.visible_to(user).filter(organization_id=point.organization_id).order_by("id"))
    form = _place_form(point, plans, plan, data=request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        target = next((candidate for candidate in plans if candidate.pk == data["site_plan"]), None)
        if data["site_plan"] is not None and target is None:
            raise Http404(_("平面图不存在。"))
        placed, status = submit_to_service(
            form,
            lambda: do_place_risk_point(
                actor=user,
                point=point,
                site_plan=target,
                x=data["plan_x"] / 100 if target else None,
                y=data["plan_y"] / 100 if target else None,
                expected_version=data["version"],
            ),
        )
        if placed:
            if target is None:
                messages.success(request, _("“%(point)s”已从平面图上取下。") % {"point": point.name})
            else:
                messages.success(
                    request, _("“%(point)s”已标注在“%(plan)s”上。") % {"point": point.name, "plan": target.name}
                )
            return redirect("risks:map-plan", pk=(target or plan).pk)
    context = _plan_context(request, plan, bound=form, bound_point=point.pk)
    context["open_point"] = point.pk
    return render(request, "risks/map_plan.html", context, status=status)


# --------------------------------------------------------------------------------------------------------------------
# The overview of risk grading across a jurisdiction
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    """One line of the breakdown: a child region, or at county level a unit."""

    name: str
    url: str = ""
    counts: dict = field(default_factory=lambda: dict.fromkeys(rules.LEVELS, 0))
    links: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[tuple[int, str, str]]:
        """(count, colour, link) in level order, for the table."""
        return [(self.counts[level], rules.LEVEL_COLORS[level], self.links.get(level, "")) for level in rules.LEVELS]


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str


def _overview_url(region_code: str | None = None) -> str:
    url = reverse("risks:overview")
    return f"{url}?{urlencode({'region': region_code})}" if region_code else url


def _region_within(code: str | None, jurisdiction: Region) -> Region:
    """The jurisdiction, or a region inside it; a region outside is "not found" like every object outside scope."""
    if not code:
        return jurisdiction
    region = Region.objects.filter(code=code.strip()).first()
    if region is None or not region.code.startswith(jurisdiction.prefix):
        raise Http404(_("该地区不在您的辖区内。"))
    return region


def _trail(jurisdiction: Region, region: Region) -> list[Crumb]:
    """From the jurisdiction down to the region shown (one query)."""
    codes = [
        region.prefix[:length].ljust(6, "0")
        for length in (2, 4, 6)
        if len(region.prefix) >= length >= len(jurisdiction.prefix)
    ]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [Crumb(names[code], _overview_url(code)) for code in codes if code in names]


def _risk_list_links(**filters) -> dict:
    links = {level: _risk_list_url(**filters, level=level) for level in rules.LEVELS}
    links["total"] = _risk_list_url(**filters)
    return links


def _region_rows(risks, region: Region) -> list[OverviewRow]:
    """One row per child region from one query grouped by the leading digits of the region code and the level.

    A province's children are cities ("1405") and sometimes counties it administers directly ("429004"): group on
    the longest prefix among them and roll each group up to the child whose prefix it starts with."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if not children:
        return []
    key_length = max(len(child.prefix) for child in children)
    groups = (
        risks.annotate(key=Substr("region_id", 1, key_length)).values("key", "level").annotate(n=Count("pk")).order_by()
    )
    rows = {child.prefix: OverviewRow(child.name, _overview_url(child.code)) for child in children}
    for child in children:
        rows[child.prefix].links = _risk_list_links(region=child.code)
    lengths = sorted({len(prefix) for prefix in rows}, reverse=True)
    own_level = OverviewRow(
        _("%(region)s（本级）") % {"region": region.name}, links=_risk_list_links(region=region.code)
    )
    for group in groups:
        row = next((rows[group["key"][:n]] for n in lengths if group["key"][:n] in rows), own_level)
        row.counts[group["level"]] += group["n"]
    result = list(rows.values())
    if own_level.total:
        result.append(own_level)
    return result


def _unit_rows(risks) -> tuple[list[OverviewRow], int]:
    """At county level the rows are units: those with the most major, then significant… risks, from one grouped
    query and one name lookup; and how many units have risks at all."""
    per_level = {level: Count("pk", filter=Q(level=level)) for level in rules.LEVELS}
    groups = list(
        risks.values("organization_id")
        .annotate(**per_level)
        .order_by(*(f"-{level}" for level in rules.LEVELS), "organization_id")[:OVERVIEW_ROWS]
    )
    names = dict(
        Organization.objects.filter(pk__in=[group["organization_id"] for group in groups]).values_list("pk", "name")
    )
    rows = []
    for group in groups:
        organization_id = group["organization_id"]
        row = OverviewRow(
            names.get(organization_id, str(organization_id)),
            reverse("orgs:detail", args=[organization_id]),
            {level: group[level] for level in rules.LEVELS},
        )
        row.links = _risk_list_links(organization=organization_id)
        rows.append(row)
    total = risks.values("organization_id").distinct().count()
    return rows, total


def _chart(rows: list[OverviewRow]) -> dict:
    return {
        "names": [row.name for row in rows],
        "series": [
            {
                "key": level,
                "name": str(rules.LEVEL_LABELS[level]),
                "color": rules.LEVEL_COLORS[level],
                "data": [row.counts[level] for row in rows],
            }
            for level in rules.LEVELS
        ],
    }


@login_required
@require_GET
def overview(request):
    """Active risks by level for a regulator's jurisdiction, drilled down region by region to the units; the units
    that have not identified the risks of their in-use equipment; and the risks graded below their template's
    minimum.  A unit sees the same for itself."""
    user = request.user
    scope = scope_of(user)
    risks = Risk.objects.visible_to(user).filter(is_active=True)
    units_pending = selectors.units_without_identified_risks(user)
    if scope.kind == ScopeKind.REGULATOR:
        jurisdiction = user.organization.jurisdiction
        region = _region_within(request.GET.get("region"), jurisdiction)
        risks = risks.filter(region__code__startswith=region.prefix)
        units_pending = units_pending.filter(region__code__startswith=region.prefix)
        link_filters = {"region": region.code}
    elif scope.kind == ScopeKind.UNIT:
        if request.GET.get("region"):
            raise Http404(_("该地区不在您的辖区内。"))
        jurisdiction = region = None
        link_filters = {}
    else:
        raise PermissionDenied(_("风险概况供监管部门和使用单位查看。"))

    counts = selectors.level_counts(risks)
    links = _risk_list_links(**link_filters)
    figures = [{"style": level_style(level), "value": counts[level], "url": links[level]} for level in rules.LEVELS]
    children, child_kind, unit_total = [], "", 0
    if region is not None:
        if region.level == RegionLevel.COUNTY:
            children, unit_total = _unit_rows(risks)
            child_kind = "units"
        else:
            children = _region_rows(risks, region)
            child_kind = "regions"
    below_minimum = risks.filter(graded_below_minimum=True)
    below_rows = list(
        below_minimum.select_related("organization", "risk_point").order_by("organization__name", "id")[:OVERVIEW_ROWS]
    )
    for risk in below_rows:
        risk.style = level_style(risk.level)
        risk.minimum_style = level_style(risk.minimum_level) if risk.minimum_level else None
        risk.url = reverse("risks:detail", args=[risk.pk])
    pending_rows = list(units_pending.select_related("region")[:OVERVIEW_ROWS])
    pending_total = units_pending.count() if len(pending_rows) == OVERVIEW_ROWS else len(pending_rows)
    below_total = below_minimum.count() if len(below_rows) == OVERVIEW_ROWS else len(below_rows)
    for unit in pending_rows:
        unit.url = reverse("orgs:detail", args=[unit.pk])
    context = {
        "region": region,
        "jurisdiction": jurisdiction,
        "trail": _trail(jurisdiction, region) if region is not None else [],
        "figures": figures,
        "total": sum(counts.values()),
        "total_url": links["total"],
        "children": children,
        "child_kind": child_kind,
        "unit_total": unit_total,
        "children_totals": [sum(row.counts[level] for row in children) for level in rules.LEVELS],
        "levels": [level_style(level) for level in rules.LEVELS],
        "chart": _chart(children),
        "pending_rows": pending_rows,
        "pending_total": pending_total,
        "below_rows": below_rows,
        "below_total": below_total,
        "row_limit": OVERVIEW_ROWS,
        "below_list_url": _risk_list_url(**link_filters, graded_below_minimum="true"),
        "apply_templates_url": reverse("risks:apply-templates") if user.may(Action.MANAGE_RISKS) else "",
    }
    return render(request, "risks/overview.html", context)
