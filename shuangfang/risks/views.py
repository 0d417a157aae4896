"""Web pages of risk grading and control (风险分级管控): the risk list with its four-colour distribution and the
risk control list export, a risk's page with its assessment history, identifying and (re)assessing a risk,
applying the template library to many equipment at once, the library itself, and the risk points.

Thin faces: read through `visible_to(user)`, write through the services, render.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.accounts.roles import Action
from shuangfang.core.access import login_required
from shuangfang.core.background_exports import ExportDefinition, deliver_export
from shuangfang.core.choices import ExportSubject
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.views import list_response, paginate
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.models import CatalogEntry, Equipment
from shuangfang.equipment.rules import category_of

from . import exports, library, rules, selectors
from .choices import ControlLevel, IdentificationMethod, MeasureKind, RiskPointKind
from .forms import (
    MAX_APPLY_EQUIPMENT,
    ApplyFilterForm,
    ApplyTemplatesForm,
    RetireForm,
    RiskForm,
    RiskPointForm,
    id_terms,
    plain_number,
    profile,
    risk_filterset,
    risk_point_filterset,
)
from .models import Risk, RiskPoint
from .services import (
    do_apply_templates,
    do_create_risk,
    do_create_risk_point,
    do_retire_risk,
    do_update_risk,
    point_for_equipment,
)

PAGE_SIZE = 50


# Shared pieces ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    label: str
    color: str


def level_badge(level: str | None) -> Badge | None:
    """A level as the pages show it: label and colour from the rules, never from a template."""
    if not level:
        return None
    return Badge(str(rules.LEVEL_LABELS[level]), rules.LEVEL_COLORS[level])


def method_label(method: str) -> str:
    return str(rules.METHOD_LABELS.get(method, method))


def control_level_label(control_level: str) -> str:
    return str(ControlLevel(control_level).label) if control_level in ControlLevel.values else control_level


def factors_text(method: str, factors: dict) -> str:
    """ "L 6 × E 3 × C 15": the factors in the method's order."""
    names = rules.FACTOR_NAMES.get(method, tuple(factors))
    return " × ".join(f"{name} {plain_number(factors[name])}" for name in names if name in factors)


def level_rank_expression(field: str = "level"):
    return Case(
        *(When(**{field: level}, then=Value(rules.level_rank(level))) for level in rules.LEVELS),
        output_field=IntegerField(),
    )


def with_highest_level(points):
    """Each risk point with the level of its highest active risk (None: none identified yet), in the same query."""
    highest = (
        Risk.objects.filter(risk_point_id=OuterRef("pk"), is_active=True)
        .annotate(rank=level_rank_expression())
        .order_by("-rank")
        .values("level")[:1]
    )
    return points.annotate(highest_level=Subquery(highest))


def equipment_card_url(equipment_id: int) -> str:
    """The risk notification card of an equipment (风险告知卡)."""
    try:
        return reverse("risks:card-equipment", args=[equipment_id])
    except NoReverseMatch:
        return f"/risks/cards/equipment/{equipment_id}/"


def decorate_risks(risks, today=None) -> None:
    """What a row shows beside the stored values: the badge, labels and whether the review is due."""
    today = today or timezone.localdate()
    for risk in risks:
        risk.level_badge = level_badge(risk.level)
        risk.method_label = risk.method.upper()
        risk.control_level_label = control_level_label(risk.control_level)
        risk.review_due = risk.next_review_on <= today
        risk.score_text = plain_number(risk.score)


def _require(user, action: Action) -> None:
    """Refuse a page whose only purpose is an action the role may not take (the service refuses it too)."""
    if not user.may(action):
        raise PermissionDenied(_("您的角色不能维护风险分级管控信息。"))


def access_risk(user, pk: int) -> Risk:
    """One risk (retired ones too: their page keeps the history); missing and out-of-scope are the same "not found"."""
    risk = (
        Risk.objects.visible_to(user)
        .select_related("risk_point", "equipment__category", "owner", "organization")
        .filter(pk=pk)
        .first()
    )
    if risk is None:
        raise Http404(_("风险不存在。"))
    return risk


def _filter_query(request, **replace) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for name, value in replace.items():
        params.pop(name, None)
        if value:
            params[name] = value
    return params.urlencode()


def _active_filters(request, filterset) -> int:
    return sum(1 for name in filterset.form.fields if request.GET.get(name, "").strip())


# The risk list and the risk control list ------------------------------------------------------------------------------


@login_required
@require_GET
def risk_list(request):
    user = request.user
    filterset = risk_filterset(user, request.GET)
    risks = filterset.qs
    page = paginate(request, risks, PAGE_SIZE)
    decorate_risks(page.object_list)
    # Grouped counts ignore the list's ordering (an ordering would split the groups).
    counts = selectors.level_counts(risks.order_by())
    list_url = reverse("risks:list")
    figures = [
        {
            "value": counts[level],
            "label": rules.LEVEL_LABELS[level],
            "color": rules.LEVEL_COLORS[level],
            "url": f"{list_url}?{_filter_query(request, level=level)}",
        }
        for level in rules.LEVELS
    ]
    may_manage = user.may(Action.MANAGE_RISKS)
    context = {
        "filterset": filterset,
        "page": page,
        # The distribution is of active risks: the list of retired ones shows none.
        "figures": figures if request.GET.get("is_active") != "false" else [],
        "show_unit": scope_of(user).kind != ScopeKind.UNIT,
        "may_manage": may_manage,
        "query": _filter_query(request),
        "active_filters": _active_filters(request, filterset),
    }
    return list_response(request, "risks/list.html", "risks/_risk_rows.html", context)


def risk_export_rows(user, query):
    """The risks the list shows to `user` with the filters of `query`: the page's export and its background job both
    start here."""
    return risk_filterset(user, query).qs


RISK_EXPORT = ExportDefinition(
    ExportSubject.RISKS,
    rows=risk_export_rows,
    write=lambda rows, user: exports.risk_control_list_file(rows),
    filename=exports.risk_control_list_filename,
)


@login_required
@require_GET
def risk_export(request):
    """The 风险分级管控清单 of the risks the list shows with the same filters."""
    rows = risk_export_rows(request.user, request.GET)
    count = rows.count()
    begin_export(request, "risks", count)
    return deliver_export(request, RISK_EXPORT, rows, count)


# A risk's page -------------------------------------------------------------------------------------------------------


@dataclass
class MeasureGroup:
    label: str
    measures: list[dict]


def measure_groups(measures: list[dict]) -> list[MeasureGroup]:
    """The measures under their kinds, in the kinds' order (engineering first, emergency last)."""
    groups = []
    for kind in MeasureKind:
        chosen = [measure for measure in measures if measure.get("kind") == kind.value]
        if chosen:
            groups.append(MeasureGroup(str(kind.label), chosen))
    return groups


def _template_of(risk: Risk):
    if not risk.template_code:
        return None
    try:
        return library.template_by_code(risk.template_code)
    except LookupError:
        return None  # a template since withdrawn from the library: the risk keeps its code


def _assessments(risk: Risk) -> list:
    assessments = list(risk.assessments.select_related("assessed_by"))
    for assessment in assessments:
        assessment.level_badge = level_badge(assessment.level)
        assessment.method_label = assessment.method.upper()
        assessment.factors_text = factors_text(assessment.method, assessment.factors)
        assessment.score_text = plain_number(assessment.score)
        assessment.control_level_label = control_level_label(assessment.control_level)
    return assessments


def _detail_context(request, risk: Risk, *, retire_form: RetireForm | None = None) -> dict:
    user = request.user
    decorate_risks([risk])
    may_manage = user.may(Action.MANAGE_RISKS) and risk.is_active
    return {
        "risk": risk,
        "method_name": method_label(risk.method),
        "identification_label": IdentificationMethod(risk.identification_method).label
        if risk.identification_method in IdentificationMethod.values
        else risk.identification_method,
        "factors_text": factors_text(risk.method, risk.factors),
        "accident_type_name": library.ACCIDENT_TYPE_NAMES.get(risk.accident_type, "") if risk.accident_type else "",
        "measure_groups": measure_groups(risk.measures),
        "template": _template_of(risk),
        "minimum_badge": level_badge(risk.minimum_level),
        "assessments": _assessments(risk),
        "point_kind": RiskPointKind(risk.risk_point.kind).label,
        "card_url": equipment_card_url(risk.equipment_id) if risk.equipment_id else "",
        "may_manage": may_manage,
        "retire_form": retire_form or (RetireForm(initial={"version": risk.version}) if may_manage else None),
    }


@login_required
@require_GET
def risk_detail(request, pk: int):
    risk = access_risk(request.user, pk)
    return render(request, "risks/detail.html", _detail_context(request, risk))


@login_required
@require_POST
def risk_retire(request, pk: int):
    user = request.user
    risk = access_risk(user, pk)
    _require(user, Action.MANAGE_RISKS)
    form = RetireForm(request.POST)
    status = 400
    if form.is_valid():
        retired, status = submit_to_service(
            form,
            lambda: do_retire_risk(
                actor=user, risk=risk, reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"]
            ),
        )
        if retired:
            messages.success(request, _("风险“%(title)s”已撤销，保留在历史记录中。") % {"title": retired.title})
            return redirect("risks:list")
    risk = access_risk(user, pk)
    context = _detail_context(request, risk, retire_form=form)
    context["retire_open"] = True
    return render(request, "risks/detail.html", context, status=status)


# Identify, change and reassess -------------------------------------------------------------------------------------


def _subject_for(user, query) -> tuple[RiskPoint | None, Equipment | None]:
    """The risk point (or the equipment, whose point is created with its first risk) named in the query string,
    through the user's scope."""
    point_id, equipment_id = query.get("point", ""), query.get("equipment", "")
    if point_id.isdigit():
        point = (
            RiskPoint.objects.visible_to(user)
            .select_related("organization", "equipment")
            .filter(pk=int(point_id), is_active=True)
            .first()
        )
        if point is None:
            raise Http404(_("风险点不存在。"))
        return point, point.equipment
    if equipment_id.isdigit():
        equipment = (
            Equipment.objects.visible_to(user)
            .select_related("organization", "category")
            .filter(pk=int(equipment_id))
            .first()
        )
        if equipment is None:
            raise Http404(_("设备不存在。"))
        return RiskPoint.objects.filter(equipment=equipment).first(), equipment
    return None, None


def _control_hint(level: str) -> str:
    """What the level asks of its control, shown beside the live grade."""
    if level == rules.MAJOR:
        return _("须公司级管控，由主要负责人负责")
    minimum = control_level_label(rules.minimum_control_level(level, profile()))
    return _("管控层级不得低于%(minimum)s") % {"minimum": minimum}


def _form_context(form: RiskForm, **extra) -> dict:
    bands = profile().bands
    context = {
        "form": form,
        "scoring": {
            "methods": {
                method: {
                    "factors": list(rules.FACTOR_NAMES[method]),
                    "bands": [{"level": band.level, "lower": float(band.lower)} for band in bands[method]],
                }
                for method in rules.METHODS
            },
            "levels": {
                level: {
                    "label": str(rules.LEVEL_LABELS[level]),
                    "color": rules.LEVEL_COLORS[level],
                    "control": _control_hint(level),
                }
                for level in rules.LEVELS
            },
        },
    }
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request):
    user = request.user
    point, equipment = _subject_for(user, request.GET)
    _require(user, Action.MANAGE_RISKS)
    if point is None and equipment is None:
        return _choose_subject(request)
    unit = point.organization if point is not None else equipment.organization
    # The library's practice: an activity is identified by job hazard analysis and assessed by LEC, equipment and
    # sites by a safety checklist and the risk matrix.
    activity = point is not None and point.kind == RiskPointKind.ACTIVITY
    initial = (
        {"identification_method": "jha", "method": "lec"}
        if activity
        else {"identification_method": "scl", "method": "ls"}
    )
    form = RiskForm(request.POST if request.method == "POST" else None, user=user, unit=unit, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():

            def create():
                # The equipment's risk point is created with its first risk, or not at all.
                with transaction.atomic():
                    target = point if point is not None else point_for_equipment(equipment)
                    return do_create_risk(actor=user, point=target, data=form.service_data())

            risk, status = submit_to_service(form, create)
            if risk:
                messages.success(
                    request,
                    _("风险已辨识，评价为“%(level)s”（风险值 %(score)s）。")
                    % {"level": rules.LEVEL_LABELS[risk.level], "score": plain_number(risk.score)},
                )
                return redirect("risks:detail", pk=risk.pk)
    subject_name = point.name if point is not None else f"{equipment.name}（{equipment.code}）"
    context = _form_context(form, risk=None, subject_name=subject_name, equipment=equipment, point=point)
    return render(request, "risks/form.html", context, status=status)


# A select offers at most this many risk points or equipment; the lists and the equipment pages link to the form
# of any one of them.
MAX_SUBJECT_CHOICES = 1000


def _choose_subject(request):
    """Which risk point or equipment the new risk belongs to."""
    user = request.user
    points = (
        RiskPoint.objects.visible_to(user)
        .filter(organization_id=user.organization_id, is_active=True)
        .exclude(kind=RiskPointKind.EQUIPMENT)
        .order_by("kind", "name")[:MAX_SUBJECT_CHOICES]
    )
    equipment = _unit_in_use_equipment(user).order_by("code").only("pk", "code", "name")[:MAX_SUBJECT_CHOICES]
    return render(request, "risks/choose_subject.html", {"points": points, "equipment": equipment})


def _change(request, pk: int, *, reassess: bool):
    user = request.user
    risk = access_risk(user, pk)
    _require(user, Action.MANAGE_RISKS)
    if not risk.is_active:
        messages.error(request, _("该风险已撤销，不能修改。"))
        return redirect("risks:detail", pk=risk.pk)
    form = RiskForm(
        request.POST if request.method == "POST" else None,
        user=user,
        unit=risk.organization,
        risk=risk,
        reassess=reassess,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes, version, reason = form.service_changes()
            if not changes and not risk.needs_reassessment:
                messages.info(request, _("没有修改。"))
                return redirect("risks:detail", pk=risk.pk)
            updated, status = submit_to_service(
                form,
                lambda: do_update_risk(actor=user, risk=risk, changes=changes, expected_version=version, reason=reason),
            )
            if updated:
                messages.success(
                    request,
                    _("已保存，风险等级“%(level)s”（风险值 %(score)s）。")
                    % {"level": rules.LEVEL_LABELS[updated.level], "score": plain_number(updated.score)},
                )
                return redirect("risks:detail", pk=risk.pk)
    context = _form_context(
        form,
        risk=risk,
        reassess=reassess,
        subject_name=risk.risk_point.name,
        equipment=risk.equipment,
        point=risk.risk_point,
        conflict=status == 409,
    )
    return render(request, "risks/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request, pk: int):
    return _change(request, pk, reassess=False)


@login_required
@require_http_methods(["GET", "POST"])
def risk_reassess(request, pk: int):
    """The same form as editing; saving records a new assessment even when the factors stay the same (the
    periodic review)."""
    return _change(request, pk, reassess=True)


# Applying the template library -------------------------------------------------------------------------------------


@dataclass
class TemplateChoice:
    template: object
    level_badge: Badge | None
    minimum_badge: Badge | None
    equipment_count: int
    prefixes: str


def _template_choices(rows) -> list[TemplateChoice]:
    """The templates that apply to the listed equipment, each with how many of them it applies to."""
    per_category: dict[str, int] = {}
    for row in rows:
        per_category[row.category_id] = per_category.get(row.category_id, 0) + 1
    counted: dict[str, int] = {}
    templates = {}
    for category, count in per_category.items():
        for template in library.templates_for(category):
            templates.setdefault(template.code, template)
            counted[template.code] = counted.get(template.code, 0) + count
    active = profile()
    choices = []
    for code, template in sorted(templates.items()):
        level = rules.assess(template.method, template.factors, active).level
        choices.append(
            TemplateChoice(
                template=template,
                level_badge=level_badge(level),
                minimum_badge=level_badge(template.minimum_level),
                equipment_count=counted[code],
                prefixes=" ".join(template.catalog_prefixes),
            )
        )
    return choices


def _unit_in_use_equipment(user):
    organization = user.organization
    if organization is None:
        raise PermissionDenied(_("您的角色不能维护风险分级管控信息。"))
    return Equipment.objects.visible_to(user).filter(organization_id=organization.pk, status=EquipmentStatus.IN_USE)


def _preselected(request) -> set[int]:
    chosen = set()
    for value in request.GET.getlist("equipment"):
        for part in value.split(","):
            if part.strip().isdigit():
                chosen.add(int(part))
    return chosen


@login_required
@require_http_methods(["GET", "POST"])
def apply_templates(request):
    """Identify the risks of many in-use equipment at once from the template library: one submit, one service
    call, however many equipment are chosen."""
    user = request.user
    _require(user, Action.MANAGE_RISKS)
    in_use = _unit_in_use_equipment(user)
    categories = [
        (code, f"{code} {name}")
        for code, name in in_use.order_by("category_id").values_list("category_id", "category__name").distinct()
    ]
    filter_form = ApplyFilterForm(request.GET or None, categories=categories)
    rows = in_use.select_related("category").annotate(
        active_risks=Count("risks", filter=Q(risks__is_active=True, risks__deleted_at__isnull=True))
    )
    if filter_form.is_valid():
        if filter_form.cleaned_data["category"]:
            rows = rows.filter(category_id=filter_form.cleaned_data["category"])
        if filter_form.cleaned_data["unidentified"]:
            rows = rows.exclude(Exists(Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True)))
    total = rows.count()
    rows = list(rows.order_by("category_id", "code")[:MAX_APPLY_EQUIPMENT])
    form = ApplyTemplatesForm(request.POST if request.method == "POST" else None, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            chosen = form.cleaned_data["equipment"]
            risks, status = submit_to_service(
                form,
                lambda: do_apply_templates(actor=user, equipment=chosen, template_codes=form.cleaned_data["templates"]),
            )
            if risks is not None:
                return _apply_result(request, chosen, risks)
        chosen_ids = {int(value) for value in request.POST.getlist("equipment") if value.isdigit()}
        chosen_templates = set(request.POST.getlist("templates"))
    else:
        chosen_ids = {row.pk for row in rows} if request.GET.get("select") == "all" else _preselected(request)
        chosen_templates = None
    choices = _template_choices(rows)
    for row in rows:
        row.chosen = row.pk in chosen_ids
    for choice in choices:
        choice.chosen = chosen_templates is None or choice.template.code in chosen_templates
    context = {
        "filter_form": filter_form,
        "form": form,
        "rows": rows,
        "total": total,
        "limit": MAX_APPLY_EQUIPMENT,
        "choices": choices,
        "chosen_count": sum(1 for row in rows if row.chosen),
        "select_all_query": _filter_query(request, select="all", equipment=""),
        "select_none_query": _filter_query(request, select="", equipment=""),
    }
    return render(request, "risks/apply.html", context, status=status)


def _apply_result(request, chosen: list[Equipment], risks: list[Risk]):
    counts = dict.fromkeys(rules.LEVELS, 0)
    for risk in risks:
        counts[risk.level] += 1
    list_url = reverse("risks:list")
    query = urlencode({"equipment": id_terms(item.pk for item in chosen)})
    context = {
        "created": len(risks),
        "equipment_with_new_risks": len({risk.equipment_id for risk in risks}),
        "equipment_chosen": len(chosen),
        "figures": [
            {"value": counts[level], "label": rules.LEVEL_LABELS[level], "color": rules.LEVEL_COLORS[level]}
            for level in rules.LEVELS
        ],
        "list_url": f"{list_url}?{query}",
    }
    return render(request, "risks/apply_result.html", context)


# The template library ------------------------------------------------------------------------------------------------


@dataclass
class LibraryGroup:
    code: str
    name: str
    templates: list


@login_required
@require_GET
def template_library(request):
    """The shipped typical risks by equipment category, with measures, minimum level and GB 45067 clauses."""
    names = dict(CatalogEntry.objects.values_list("code", "name"))
    active = profile()
    groups: dict[str, LibraryGroup] = {}
    for template in library.RISK_TEMPLATES:
        prefixes = list(template.catalog_prefixes) or [""]
        category = category_of(prefixes[0])
        group = groups.get(category)
        if group is None:
            group = groups[category] = LibraryGroup(category, names.get(category, _("场所与作业活动")), [])
        group.templates.append(
            {
                "template": template,
                "level_badge": level_badge(rules.assess(template.method, template.factors, active).level),
                "minimum_badge": level_badge(template.minimum_level),
                "factors_text": factors_text(template.method, template.factors),
                "catalog": [
                    f"{prefix} {names.get(prefix.ljust(4, '0'), '')}".strip() for prefix in template.catalog_prefixes
                ],
                "accident_types": [library.ACCIDENT_TYPE_NAMES.get(code, code) for code in template.accident_types],
                "measure_groups": measure_groups(
                    [{"kind": m.kind, "text": m.text, "check": m.check} for m in template.measures]
                ),
            }
        )
    chosen = request.GET.get("category", "")
    shown = [group for code, group in sorted(groups.items()) if not chosen or code == chosen]
    context = {
        "groups": shown,
        "categories": [(code, group.name, len(group.templates)) for code, group in sorted(groups.items())],
        "chosen": chosen,
        "may_manage": request.user.may(Action.MANAGE_RISKS),
    }
    return render(request, "risks/templates.html", context)


# Risk points --------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def risk_points(request):
    """The unit's risk points: its equipment (created with their first risk) and the sites and activities it adds."""
    user = request.user
    may_manage = user.may(Action.MANAGE_RISKS) and scope_of(user).kind == ScopeKind.UNIT
    form = (
        RiskPointForm(request.POST if request.method == "POST" else None)
        if may_manage or request.method == "POST"
        else None
    )
    status = 200
    if request.method == "POST":
        _require(user, Action.MANAGE_RISKS)
        status = 400
        if form.is_valid():
            point, status = submit_to_service(form, lambda: do_create_risk_point(actor=user, data=form.service_data()))
            if point:
                messages.success(request, _("风险点“%(name)s”已添加，请辨识它的风险。") % {"name": point.name})
                return redirect(f"{reverse('risks:create')}?{urlencode({'point': point.pk})}")
    filterset = risk_point_filterset(user, request.GET)
    points = (
        with_highest_level(filterset.qs)
        .select_related("equipment", "organization")
        .annotate(risk_count=Count("risks", filter=Q(risks__is_active=True, risks__deleted_at__isnull=True)))
    )
    page = paginate(request, points.order_by("kind", "name", "id"), PAGE_SIZE)
    for point in page.object_list:
        point.level_badge = level_badge(point.highest_level)
        point.kind_label = RiskPointKind(point.kind).label
    context = {
        "filterset": filterset,
        "page": page,
        "form": form,
        "may_manage": may_manage,
        "show_unit": scope_of(user).kind != ScopeKind.UNIT,
        "active_filters": _active_filters(request, filterset),
    }
    if request.method == "POST":
        return render(request, "risks/points.html", context, status=status)
    return list_response(request, "risks/points.html", "risks/_point_rows.html", context)
