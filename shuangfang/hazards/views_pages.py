"""Web pages of hidden hazards (隐患排查治理), the unit's side: the hazard board, a hazard's page with the actions of
its closed loop (SAWS Order 16: 确认定级 with the 五落实, 治理方案 for a major hazard, 整改, 验收, 延期; the regulator's
核查), reporting what one saw (随手拍), and the open hazards of one equipment for its file page.

Thin faces: read through `visible_to(user)` (outside scope is "not found"), offer exactly the actions
`services.allowed_actions` names, write through the services, render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import REGULATOR_ROLES
from shuangfang.core.access import login_required
from shuangfang.core.background_exports import ExportDefinition, deliver_export
from shuangfang.core.choices import ExportSubject
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.views import list_response, paginate
from shuangfang.equipment.models import Equipment
from shuangfang.supervision.summaries import hazard_figure_conditions, totals_under

from . import exports, rules, services, workflow
from .choices import (
    OPEN_STATUSES,
    Handling,
    HazardGrade,
    HazardSource,
    HazardStatus,
    InvestigationKind,
    ListingLevel,
    ListingStatus,
)
from .forms import (
    AcceptForm,
    ConfirmForm,
    ExtendForm,
    RectificationForm,
    RejectForm,
    ReportForm,
    VerifyForm,
    criteria_choices,
    hazard_filterset,
    upload_files,
)
from .models import Hazard, HazardAttachment

PAGE_SIZE = 30

STATUS_COLORS = {
    HazardStatus.REPORTED: "blue",
    HazardStatus.CONFIRMED: "orange",
    HazardStatus.RECTIFYING: "orange",
    HazardStatus.AWAITING_ACCEPTANCE: "yellow",
    HazardStatus.CLOSED: "green",
    HazardStatus.REJECTED: "grey",
}
GRADE_COLORS = {HazardGrade.MAJOR: "red", HazardGrade.GENERAL: "yellow"}


@dataclass(frozen=True)
class Badge:
    label: str
    color: str


def status_badge(status: str) -> Badge:
    return Badge(str(HazardStatus(status).label), STATUS_COLORS.get(status, "grey"))


def grade_badge(grade: str) -> Badge:
    return Badge(str(HazardGrade(grade).label), GRADE_COLORS.get(grade, "grey"))


def decorate_hazards(hazards) -> None:
    for hazard in hazards:
        hazard.status_badge = status_badge(hazard.status)
        hazard.grade_badge = grade_badge(hazard.grade)


def listing_url(listing_id: int) -> str:
    """The listing's page (挂牌督办), where the unit reports completion and the regulator verifies and delists."""
    return reverse("hazards:listing", args=[listing_id])


def attachment_url(attachment_id: int) -> str:
    """Files are served only through the scoped attachment download."""
    return reverse("attachment-download", args=[attachment_id])


def access_hazard(user, pk: int) -> Hazard:
    hazard = (
        Hazard.objects.visible_to(user)
        .select_related(
            "equipment__category",
            "organization",
            "reported_by",
            "responsible",
            "confirmed_by",
            "rectified_by",
            "accepted_by",
            "regulator_verified_by",
            "found_by_organization",
            "check_result__task",
        )
        .filter(pk=pk)
        .first()
    )
    if hazard is None:
        raise Http404(_("隐患不存在。"))
    return hazard


# The board -----------------------------------------------------------------------------------------------------------

# The filters of the board; with none of them in the query the board shows the open hazards.
BOARD_FILTERS = ("status", "grade", "source", "overdue", "is_open", "equipment", "organization", "listed", "q")
# Links from other pages keep naming these when a figure is followed.
KEPT_FILTERS = ("equipment", "organization")


def _kept(request) -> dict[str, str]:
    return {name: request.GET[name] for name in KEPT_FILTERS if request.GET.get(name, "").isdigit()}


# The figures above the board, by the summary cell's field names, in the order shown.
BOARD_FIGURES = (
    "hazards_reported",
    "hazards_rectifying",
    "hazards_awaiting_acceptance",
    "major_hazards_open",
    "hazards_overdue",
    "hazards_closed",
)


def _board_url(kept: dict, **params) -> str:
    return f"{reverse('hazards:board')}?{urlencode({**kept, **params})}"


def _counts(user, kept: dict) -> tuple[dict[str, int], bool, object]:
    """The board's figures by the summary cell's field names, whether they come from the summary cells, and when those
    were computed (None: never yet).

    A regulator's figures for the whole jurisdiction are the summary cells' (supervision.summaries, rebuilt every few
    minutes), the same numbers the cockpit shows: a province holds over half a million hazards, and counting them by
    stage on every page took longer than the rest of the page together. A unit's hazards, and one device's or one
    unit's under a regulator's link, are few enough to count as they are now, with the cells' own conditions."""
    scope = scope_of(user)
    if not kept and scope.kind in (ScopeKind.REGULATOR, ScopeKind.PLATFORM):
        totals, computed_at = totals_under(scope.region_prefix)
        return {name: getattr(totals, name) for name in BOARD_FIGURES}, True, computed_at
    conditions = hazard_figure_conditions(timezone.localdate())
    hazards = Hazard.objects.visible_to(user).filter(**{f"{name}_id": int(value) for name, value in kept.items()})
    # Counting the status column (never null) rather than the id keeps every column the figures read inside the
    # index on region, status, grade and deadline.
    counts = hazards.order_by().aggregate(**{name: Count("status", filter=conditions[name]) for name in BOARD_FIGURES})
    return counts, False, None


def _figures(counts: dict[str, int], kept: dict) -> list[dict]:
    return [
        {
            "value": counts["hazards_reported"],
            "label": _("待确认"),
            "color": "blue",
            "url": _board_url(kept, status=HazardStatus.REPORTED),
        },
        {
            "value": counts["hazards_rectifying"],
            "label": _("整改中"),
            "color": "orange",
            "url": _board_url(kept, status=HazardStatus.RECTIFYING),
        },
        {
            "value": counts["hazards_awaiting_acceptance"],
            "label": _("待验收"),
            "color": "yellow",
            "url": _board_url(kept, status=HazardStatus.AWAITING_ACCEPTANCE),
        },
        {
            "value": counts["major_hazards_open"],
            "label": _("未销号重大事故隐患"),
            "color": "red",
            "url": _board_url(kept, grade=HazardGrade.MAJOR, is_open="true"),
        },
        {
            "value": counts["hazards_overdue"],
            "label": _("已超期"),
            "color": "red",
            "url": _board_url(kept, overdue="true"),
        },
        {
            "value": counts["hazards_closed"],
            "label": _("已销号"),
            "color": "green",
            "url": _board_url(kept, status=HazardStatus.CLOSED),
        },
    ]


def _active_filters(request, filterset) -> int:
    return sum(1 for name in filterset.form.fields if request.GET.get(name, "").strip() and name != "is_open")


def _board_filterset(user, query, visible):
    """The board's filters over the user's hazards; with none of them named, the open ones. The export uses the
    same, so it holds exactly the rows the board shows."""
    data = query.copy()
    if not any(name in query for name in BOARD_FILTERS):
        data["is_open"] = "true"
    rows = visible.select_related("equipment", "organization", "responsible")
    return hazard_filterset(user, data, rows)


def _board_query(request) -> str:
    """The board's query string without the page, for the export link."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_GET
def board(request):
    user = request.user
    visible = Hazard.objects.visible_to(user)
    filterset = _board_filterset(user, request.GET, visible)
    page = paginate(request, filterset.qs, PAGE_SIZE)
    decorate_hazards(page.object_list)
    kept = _kept(request)
    counts, figures_from_summary, figures_computed_at = _counts(user, kept)
    context = {
        "filterset": filterset,
        "page": page,
        "figures": _figures(counts, kept),
        "figures_from_summary": figures_from_summary,
        "figures_computed_at": figures_computed_at,
        "show_unit": scope_of(user).kind != ScopeKind.UNIT,
        "may_report": scope_of(user).kind == ScopeKind.UNIT,
        "active_filters": _active_filters(request, filterset),
        "equipment": Equipment.objects.visible_to(user).filter(pk=kept["equipment"]).first()
        if "equipment" in kept
        else None,
        "query": _board_query(request),
    }
    return list_response(request, "hazards/board.html", "hazards/_hazard_rows.html", context)


def board_export_rows(user, query):
    """The hazards the board shows to `user` with the filters of `query`: the page's export and its background job
    both start here."""
    return _board_filterset(user, query, Hazard.objects.visible_to(user)).qs


HAZARD_EXPORT = ExportDefinition(
    ExportSubject.HAZARDS,
    rows=board_export_rows,
    write=lambda rows, user: exports.hazard_list_file(rows),
    filename=exports.hazard_list_filename,
)


@login_required
@require_GET
def board_export(request):
    """The hazards the board shows with the same filters, as an .xlsx (隐患清单)."""
    rows = board_export_rows(request.user, request.GET)
    count = rows.count()
    begin_export(request, "hazards", count)
    return deliver_export(request, HAZARD_EXPORT, rows, count)


# A hazard's page -----------------------------------------------------------------------------------------------------

EVENT_LABELS = {
    "hazard.reported": gettext_lazy("登记隐患"),
    "hazard.reported_to_regulator": gettext_lazy("报告监管部门"),
    "hazard.confirmed": gettext_lazy("确认定级"),
    "hazard.rejected": gettext_lazy("驳回"),
    "hazard.rectification_submitted": gettext_lazy("提交整改"),
    "hazard.accepted": gettext_lazy("验收通过"),
    "hazard.acceptance_failed": gettext_lazy("验收不通过"),
    "hazard.extended": gettext_lazy("延期"),
    "hazard.regulator_verified": gettext_lazy("监管部门核查"),
    "hazard.closed": gettext_lazy("销号"),
    "listing.created": gettext_lazy("挂牌督办"),
    "listing.completion_reported": gettext_lazy("报告整改完成（挂牌督办）"),
    "listing.verified": gettext_lazy("督办核查"),
    "listing.delisted": gettext_lazy("摘牌销号"),
}


@dataclass
class Detail:
    label: str
    text: str
    url: str = ""


@dataclass
class TimelineEntry:
    type: str
    label: str
    actor: str
    at: object
    details: list[Detail] = field(default_factory=list)


def _date_text(value) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        return value[:10]
    return date_format(value, "Y-m-d")


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _event_details(data: dict, names: dict[int, str]) -> list[Detail]:
    details = []
    status = data.get("status")
    if isinstance(status, list) and len(status) == 2 and status[0] != status[1]:
        before, after = (_choice_label(HazardStatus, value) for value in status)
        details.append(Detail(_("状态"), f"{before} → {after}"))
    if data.get("source"):
        details.append(Detail(_("来源"), _choice_label(HazardSource, data["source"])))
    if data.get("grade"):
        details.append(Detail(_("隐患等级"), _choice_label(HazardGrade, data["grade"])))
    if data.get("major_criteria"):
        details.append(Detail(_("GB 45067-2024 条款"), "、".join(data["major_criteria"])))
    if data.get("handling"):
        details.append(Detail(_("治理方式"), _choice_label(Handling, data["handling"])))
    if data.get("immediate"):
        details.append(Detail(_("治理方式"), str(Handling.IMMEDIATE.label)))
    deadline = data.get("deadline")
    if isinstance(deadline, list) and len(deadline) == 2:
        details.append(Detail(_("整改期限"), f"{_date_text(deadline[0])} → {_date_text(deadline[1])}"))
    elif deadline:
        details.append(Detail(_("整改期限"), _date_text(deadline)))
    if isinstance(data.get("responsible"), int):
        details.append(Detail(_("整改责任人"), names.get(data["responsible"], str(data["responsible"]))))
    if isinstance(data.get("passed"), bool):
        details.append(Detail(_("结论"), _("通过") if data["passed"] else _("不通过")))
    for key, label in (
        ("reason", _("理由")),
        ("comment", _("意见")),
        ("interim_measures", _("临时管控措施")),
    ):
        if data.get(key):
            details.append(Detail(label, str(data[key])))
    for key in ("photos", "evidence"):
        if data.get(key):
            details.append(Detail(_("附件"), _("%(count)d 个") % {"count": len(data[key])}))
    if data.get("level"):
        details.append(Detail(_("督办级别"), _choice_label(ListingLevel, data["level"])))
    if isinstance(data.get("task"), int):
        details.append(Detail(_("排查任务"), f"#{data['task']}", reverse("hazards:task", args=[data["task"]])))
    if data.get("item_code"):
        details.append(Detail(_("检查项"), str(data["item_code"])))
    if isinstance(data.get("listing"), int):
        details.append(Detail(_("挂牌督办"), f"#{data['listing']}", listing_url(data["listing"])))
    if data.get("serious"):
        details.append(Detail(_("严重问题"), _("是")))
    return details


def timeline_entries(hazard: Hazard) -> list[TimelineEntry]:
    events = list(services.timeline(hazard))
    people = {event.data.get("responsible") for event in events if isinstance(event.data.get("responsible"), int)}
    names = {person.pk: person.display_name for person in User.objects.filter(pk__in=people)}
    entries = []
    for event in events:
        if event.actor is not None:
            actor = event.actor.display_name
        else:
            actor = event.actor_name or (_("公众") if event.type == "hazard.reported" else _("系统"))
        entries.append(
            TimelineEntry(
                type=event.type.replace(".", "-"),
                label=str(EVENT_LABELS.get(event.type, event.type)),
                actor=actor,
                at=event.at,
                details=_event_details(event.data or {}, names),
            )
        )
    return entries


@dataclass
class FileLink:
    url: str
    name: str
    is_image: bool
    added_by: str = ""
    added_at: object = None


def attachment_groups(hazard: Hazard) -> dict[str, list[FileLink]]:
    groups: dict[str, list[FileLink]] = {stage: [] for stage in HazardAttachment.Stage.values}
    rows = hazard.attachments.select_related("attachment", "added_by").order_by("id")
    for row in rows:
        attachment = row.attachment
        groups[row.stage].append(
            FileLink(
                url=attachment_url(attachment.pk),
                name=attachment.original_name or f"{attachment.sha256[:12]}{attachment.extension}",
                is_image=attachment.content_type.startswith("image/"),
                added_by=row.added_by.display_name if row.added_by else "",
                added_at=row.added_at,
            )
        )
    return groups


def _judgement(hazard: Hazard) -> list[dict]:
    reasons = hazard.judgement_reasons or {}
    rows = []
    for clause in hazard.major_criteria or []:
        criterion = rules.CRITERIA_BY_CLAUSE.get(clause)
        rows.append(
            {
                "clause": clause,
                "text": criterion.text if criterion else "",
                "equipment": criterion.equipment if criterion else "",
                "reason": reasons.get(clause, ""),
            }
        )
    return rows


def _serious(hazard: Hazard) -> list[dict]:
    return [
        {
            "code": code,
            "text": rules.SERIOUS_HAZARD_CATEGORIES[code].text if code in rules.SERIOUS_HAZARD_CATEGORIES else "",
        }
        for code in hazard.serious_categories or []
    ]


def _plan(hazard: Hazard) -> list[dict]:
    plan = hazard.plan or {}
    if not plan:
        return []
    return [{"label": label, "text": plan.get(key, "")} for key, label in workflow.PLAN_CONTENTS.items()]


# The actions, as the page names them, and the workflow actions behind each.
FORM_ACTIONS = {
    "confirm": (workflow.CONFIRM, workflow.CONFIRM_IMMEDIATE),
    "reject": (workflow.REJECT,),
    "rectify": (workflow.SUBMIT_RECTIFICATION,),
    "accept": (workflow.ACCEPT_PASSED, workflow.ACCEPT_FAILED),
    "extend": (workflow.EXTEND,),
}
ACTION_LABELS = {
    "confirm": gettext_lazy("确认定级"),
    "reject": gettext_lazy("驳回"),
    "rectify": gettext_lazy("提交整改"),
    "accept": gettext_lazy("验收"),
    "extend": gettext_lazy("申请延期"),
    "verify": gettext_lazy("核查整改"),
}


def _new_form(name: str, request, hazard: Hazard, allowed: list[str], data=None, files=None):
    initial = {"version": hazard.version}
    if name == "confirm":
        return ConfirmForm(data, files, user=request.user, hazard=hazard)
    if name == "reject":
        return RejectForm(data, initial=initial)
    if name == "rectify":
        return RectificationForm(data, files, initial=initial)
    if name == "accept":
        return AcceptForm(data, initial=initial, offer_passed=workflow.ACCEPT_PASSED in allowed)
    if name == "extend":
        return ExtendForm(data, initial=initial)
    if name == "verify":
        return VerifyForm(data, initial=initial)
    raise Http404


def _offered_actions(hazard: Hazard, user) -> tuple[list[str], list[str]]:
    """The page's actions the user may try now, and the workflow actions allowed."""
    allowed = services.allowed_actions(hazard, user)
    if hazard.rectified_by_id == user.pk:
        # Whoever rectified does not accept their own work (the service refuses it): no button for it.
        allowed = [action for action in allowed if action not in FORM_ACTIONS["accept"]]
    names = [name for name, actions in FORM_ACTIONS.items() if set(actions) & set(allowed)]
    if services.may_verify_as_regulator(hazard, user):
        names.append("verify")
    return names, allowed


def _detail_context(request, hazard: Hazard, *, bound=None, open_action: str = "", conflict: bool = False) -> dict:
    user = request.user
    names, allowed = _offered_actions(hazard, user)
    if bound is not None and open_action and open_action not in names:
        # The action was refused in a state that no longer offers it: its form still shows what was said.
        names.append(open_action)
    action_forms = []
    for name in names:
        form = bound if name == open_action and bound is not None else _new_form(name, request, hazard, allowed)
        action_forms.append(
            {
                "name": name,
                "label": ACTION_LABELS[name],
                "form": form,
                "url": reverse(f"hazards:{name}", args=[hazard.pk]),
                "open": name == open_action,
            }
        )
    hazard.status_badge = status_badge(hazard.status)
    hazard.grade_badge = grade_badge(hazard.grade)
    listings = list(hazard.listings.select_related("listing_authority").order_by("-id"))
    for listing in listings:
        listing.url = listing_url(listing.pk)
        listing.is_current = listing.status != ListingStatus.DELISTED
    files = attachment_groups(hazard)
    equipment = hazard.equipment
    return {
        "hazard": hazard,
        "equipment": equipment,
        "investigation_kind": _choice_label(InvestigationKind, hazard.investigation_kind)
        if hazard.investigation_kind
        else "",
        "judgement": _judgement(hazard),
        "reported_clauses": [
            clause for clause in hazard.reported_clauses or [] if clause not in (hazard.major_criteria or [])
        ],
        "serious": _serious(hazard),
        "plan": _plan(hazard),
        "report_files": files[HazardAttachment.Stage.REPORT],
        "evidence_files": files[HazardAttachment.Stage.EVIDENCE],
        "completion_files": files[HazardAttachment.Stage.COMPLETION],
        "listings": listings,
        "timeline": timeline_entries(hazard),
        "action_forms": action_forms,
        "open_action": open_action,
        "conflict": conflict,
        "show_unit": scope_of(user).kind != ScopeKind.UNIT,
        "check_task": hazard.check_result.task if hazard.check_result_id else None,
        "major_open": hazard.is_major and hazard.is_open,
        "awaiting_regulator": hazard.is_major
        and hazard.status == HazardStatus.AWAITING_ACCEPTANCE
        and not hazard.regulator_verified
        and not any(listing.is_current for listing in listings),
    }


@login_required
@require_GET
def hazard_detail(request, pk: int):
    hazard = access_hazard(request.user, pk)
    return render(request, "hazards/detail.html", _detail_context(request, hazard))


def _require_may_try(hazard: Hazard, user, name: str) -> None:
    """Refuse at once a role that may never take the action (the service refuses it too); a state that does not
    allow it now is the service's to say (409)."""
    scope = scope_of(user)
    if name == "verify":
        if scope.kind != ScopeKind.REGULATOR or not user.has_role(*REGULATOR_ROLES):
            raise PermissionDenied(_("只有监管部门可以核查重大事故隐患的整改。"))
        return
    roles = set().union(*(workflow.TRANSITIONS[action].roles for action in FORM_ACTIONS[name]))
    if scope.kind != ScopeKind.UNIT or user.organization_id != hazard.organization_id or not roles & set(user.roles):
        raise PermissionDenied(_("您的角色不能%(action)s。") % {"action": ACTION_LABELS[name]})


def _perform(name: str, form, hazard: Hazard, user):
    data = form.cleaned_data
    version = data.get("version")
    if name == "confirm":
        payload = form.service_data()
        payload["evidence"] = upload_files(user, data["evidence"], "evidence")
        return services.do_confirm_hazard(actor=user, hazard=hazard, data=payload, expected_version=version)
    if name == "reject":
        return services.do_reject_hazard(actor=user, hazard=hazard, reason=data["reason"], expected_version=version)
    if name == "rectify":
        evidence = upload_files(user, data["evidence"], "evidence")
        return services.do_submit_rectification(
            actor=user, hazard=hazard, description=data["description"], evidence=evidence, expected_version=version
        )
    if name == "accept":
        return services.do_accept_hazard(
            actor=user, hazard=hazard, passed=data["passed"], comment=data["comment"], expected_version=version
        )
    if name == "extend":
        return services.do_extend_deadline(
            actor=user,
            hazard=hazard,
            new_deadline=data["new_deadline"],
            reason=data["reason"],
            interim_measures=data["interim_measures"],
            expected_version=version,
        )
    if name == "verify":
        return services.do_regulator_verify(
            actor=user, hazard=hazard, passed=data["passed"], comment=data["comment"], expected_version=version
        )
    raise Http404


def _success_message(name: str, hazard: Hazard, form) -> str:
    if name == "confirm":
        if hazard.status == HazardStatus.CLOSED:
            return _("已即查即改，隐患已销号。")
        return _("已确认为%(grade)s，进入整改，整改期限 %(deadline)s。") % {
            "grade": hazard.get_grade_display(),
            "deadline": _date_text(hazard.deadline),
        }
    if name == "reject":
        return _("已驳回：不构成事故隐患。")
    if name == "rectify":
        if hazard.is_major and not hazard.regulator_verified:
            return _("整改已提交，等待监管部门核查和主要负责人验收。")
        return _("整改已提交，等待验收。")
    if name == "accept":
        return _("验收通过，隐患已销号。") if hazard.status == HazardStatus.CLOSED else _("验收不通过，已退回整改。")
    if name == "extend":
        return _("整改期限已延至 %(deadline)s。") % {"deadline": _date_text(hazard.deadline)}
    if name == "verify":
        return _("核查通过，等待单位验收销号。") if form.cleaned_data["passed"] else _("核查不通过，已退回整改。")
    return ""


@login_required
@require_POST
def hazard_action(request, pk: int, action: str):
    user = request.user
    hazard = access_hazard(user, pk)
    _require_may_try(hazard, user, action)
    _names, allowed = _offered_actions(hazard, user)
    form = _new_form(action, request, hazard, allowed, request.POST, request.FILES)
    status = 400
    if form.is_valid():

        def perform():
            # Uploads and the action commit together: a refused action leaves no attachment behind.
            with transaction.atomic():
                return _perform(action, form, hazard, user)

        done, status = submit_to_service(form, perform)
        if done is not None:
            hazard = access_hazard(user, pk)
            messages.success(request, _success_message(action, hazard, form))
            return redirect("hazards:detail", pk=hazard.pk)
    hazard = access_hazard(user, pk)
    context = _detail_context(request, hazard, bound=form, open_action=action, conflict=status == 409)
    return render(request, "hazards/detail.html", context, status=status)


# Reporting (随手拍) ---------------------------------------------------------------------------------------------------


def _equipment_from_query(user, value: str | None) -> Equipment | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404(_("设备不存在。"))
    equipment = Equipment.objects.visible_to(user).select_related("category").filter(pk=int(value)).first()
    if equipment is None:
        raise Http404(_("设备不存在。"))
    return equipment


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """随手拍 in three taps: the equipment (from its page or its QR code), what is wrong, a photo."""
    user = request.user
    if scope_of(user).kind != ScopeKind.UNIT:
        raise PermissionDenied(_("只有使用单位的人员可以报告本单位的隐患。"))
    equipment = _equipment_from_query(user, request.GET.get("equipment"))
    posted = request.method == "POST"
    form = ReportForm(
        request.POST if posted else None, request.FILES if posted else None, user=user, equipment=equipment
    )
    status = 200
    chosen_equipment = equipment
    if posted:
        status = 400
        if form.is_valid():
            chosen_equipment = equipment or form.cleaned_data.get("equipment")

            def register():
                with transaction.atomic():
                    photos = upload_files(user, form.cleaned_data["photos"], "photos")
                    return services.do_report_hazard(
                        actor=user,
                        equipment=chosen_equipment,
                        description=form.cleaned_data["description"],
                        location=form.cleaned_data["location"],
                        photos=photos,
                        clauses=form.cleaned_data["clauses"],
                    )

            hazard, status = submit_to_service(form, register)
            if hazard is not None:
                if hazard.is_major:
                    messages.warning(
                        request,
                        _("已登记为重大事故隐患（GB 45067-2024 第 %(clauses)s 条），已报告监管部门；设备禁止使用。")
                        % {"clauses": "、".join(hazard.major_criteria) or "—"},
                    )
                else:
                    messages.success(request, _("隐患已登记，安全管理人员将确认定级。"))
                return redirect("hazards:detail", pk=hazard.pk)
    context = {
        "form": form,
        "equipment": equipment,
        "criteria": criteria_choices(chosen_equipment, request.POST.getlist("clauses") if posted else ()),
    }
    return render(request, "hazards/report.html", context, status=status)


@login_required
@require_GET
def report_clauses(request):
    """The GB 45067-2024 items of the chosen equipment's category, swapped into the report form."""
    equipment = _equipment_from_query(request.user, request.GET.get("equipment"))
    return render(request, "hazards/_report_clauses.html", {"criteria": criteria_choices(equipment)})


# The open hazards of one equipment, for its file page ----------------------------------------------------------------


@login_required
@require_GET
def equipment_hazards(request, pk: int):
    user = request.user
    equipment = Equipment.objects.visible_to(user).filter(pk=pk).first()
    if equipment is None:
        raise Http404(_("设备不存在。"))
    hazards = list(
        Hazard.objects.visible_to(user)
        .filter(equipment=equipment, status__in=OPEN_STATUSES)
        .select_related("responsible")
        .order_by("-grade", "deadline", "-id")[:50]
    )
    decorate_hazards(hazards)
    context = {
        "equipment": equipment,
        "hazards": hazards,
        "board_url": _board_url({"equipment": str(equipment.pk)}, is_open="true"),
    }
    return render(request, "hazards/_equipment_hazards.html", context)
