"""Simple mode for small and micro enterprises (简便、实用、管用): a guided start in five steps and a one-screen home
for a phone.  A simpler face of the same services and rows as the full pages — nothing here keeps data of its own:
each step's state is computed from the unit's equipment, risks, appointments and plans, and every change goes
through the services the full pages call (safety.services.do_appoint, do_start_duty_cycle).

Both pages belong to a use unit's people; anyone else is told the page does not exist (404), like every object
outside their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action
from shuangfang.core.access import login_required
from shuangfang.core.dashboard import equipment_list_url, needing_inspection
from shuangfang.core.forms import submit_to_service
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.views import FULL_HOME_SESSION_KEY
from shuangfang.equipment.choices import CertificateState, EquipmentStatus
from shuangfang.equipment.models import CERTIFICATE_EXPIRING_DAYS, Equipment, OperatorCertificate, certificate_state_q
from shuangfang.equipment.rules import category_of
from shuangfang.hazards.choices import OPEN_STATUSES, TaskStatus
from shuangfang.hazards.models import Hazard, InvestigationPlan, InvestigationTask
from shuangfang.hazards.scheduling import DUTY_CYCLE, DUTY_CYCLE_KINDS, is_duty_cycle_plan
from shuangfang.hazards.views_pages import decorate_hazards
from shuangfang.hazards.views_tasks import decorate_tasks, mine_q
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization
from shuangfang.risks.models import Risk

from . import rules, services
from .choices import AppointmentRole, GapKind
from .compliance import category_label, drills_due
from .models import Appointment, ComplianceGap
from .selectors import current_appointments

# The three people the guided start confirms (Order 74: 主要负责人, 安全总监, 安全员), in the order of the form.
START_ROLES = (AppointmentRole.PRINCIPAL, AppointmentRole.SAFETY_DIRECTOR, AppointmentRole.SAFETY_OFFICER)
OPEN_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.OVERDUE)
# How many rows each part of the home shows; its heading gives the full count and links to the full list.
HOME_TASKS = 30
HOME_HAZARDS = 5
HOME_GAPS = 10
HOME_DUE = 5
# A drill is looked for this far ahead, so that the home names the next one even when it is not yet near.
DRILL_LOOKAHEAD_DAYS = 366

# Where the full pages for each kind of gap live; the first that is routed here is linked.
GAP_PAGES: dict[str, tuple[str, ...]] = {
    GapKind.STAFFING: ("safety:appointments", "safety:profile"),
    GapKind.APPOINTMENT: ("safety:simple-start",),
    GapKind.DOCUMENT: ("safety:documents",),
    GapKind.OPERATOR: ("safety:operators",),
    GapKind.EMERGENCY_PLAN: ("safety:emergency",),
    GapKind.DRILL: ("safety:emergency",),
    GapKind.TRAINING: ("safety:training", "safety:exams"),
    GapKind.MONITORING: ("safety:hazard-sources",),
}


def _url(*names: str, args=(), anchor: str = "") -> str:
    """The first of the pages that is routed in this installation (another part of the file may be left out)."""
    for name in names:
        try:
            return reverse(name, args=args) + anchor
        except NoReverseMatch:
            continue
    return ""


def _unit_of(user) -> Organization:
    """The signed-in person's own use unit; for anyone else simple mode does not exist."""
    if scope_of(user).kind != ScopeKind.UNIT or user.organization.kind not in EQUIPMENT_OWNING_KINDS:
        raise Http404(_("简易模式属于使用特种设备的单位。"))
    return user.organization


# -- the guided start's state, computed from the data ---------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    primary: bool = False


@dataclass
class RoleState:
    """One of the three people: who holds it now, and whether that covers every category in use."""

    role: str
    label: str
    holders: list[str]
    confirmed: bool
    uncovered: list[str] = field(default_factory=list)


@dataclass
class Step:
    number: int
    key: str
    title: str
    explanation: str
    done: bool
    state: str = ""
    actions: list[Link] = field(default_factory=list)
    current: bool = False


@dataclass
class StartState:
    steps: list[Step]
    roles: list[RoleState]
    tasks_today: int = 0
    tasks_today_done: int = 0
    my_tasks_today: int = 0

    @property
    def remaining(self) -> int:
        return sum(1 for step in self.steps if not step.done)

    @property
    def done_count(self) -> int:
        return len(self.steps) - self.remaining


def _categories_in_use(unit: Organization) -> list[str]:
    """The Order 74 categories (X000) of the unit's in-use equipment, as the appointment rule reads them."""
    codes = Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE).values_list(
        "category_id", flat=True
    )
    return sorted({category_of(code) for code in codes.distinct()} & set(rules.ORDER_74_CATEGORIES))


def role_states(unit: Organization, today: date) -> list[RoleState]:
    """Each of the three roles: confirmed when someone holds it today — the safety director and the safety officer
    for every category in use (SAFETY_DESIGN: exact, the same rule as the compliance panel's appointment gaps)."""
    categories = _categories_in_use(unit)
    appointments = list(current_appointments(unit.pk, None, today).select_related("person"))
    states = []
    for role in START_ROLES:
        held = [a for a in appointments if a.role == role]
        uncovered = []
        if role != AppointmentRole.PRINCIPAL:
            uncovered = [c for c in categories if not any(a.covers(c) for a in held)]
        states.append(
            RoleState(
                role=role,
                label=str(AppointmentRole(role).label),
                holders=[a.person.display_name for a in held],
                confirmed=bool(held) and not uncovered,
                uncovered=[category_label(c) for c in uncovered],
            )
        )
    return states


def _today_q(today: date) -> Q:
    return Q(period_start__lte=today, due_on__gte=today)


def start_state(user: User, unit: Organization, today: date) -> StartState:
    in_use = Equipment.objects.filter(organization=unit, status=EquipmentStatus.IN_USE)
    equipment_count = in_use.count()
    unidentified = in_use.exclude(Exists(Risk.objects.filter(equipment_id=OuterRef("pk"), is_active=True))).count()
    roles = role_states(unit, today)
    plans = [
        plan
        for plan in InvestigationPlan.objects.filter(organization=unit, kind__in=DUTY_CYCLE_KINDS)
        if is_duty_cycle_plan(plan)
    ]
    plan_kinds = {plan.kind for plan in plans}
    may_equipment = user.may(Action.MANAGE_EQUIPMENT)
    may_risks = user.may(Action.MANAGE_RISKS)
    may_safety = user.may(Action.MANAGE_SAFETY)
    ask_manager = _("请本单位主要负责人、安全总监、安全员或单位管理员办理。")

    equipment_done = equipment_count > 0
    steps = [
        Step(
            1,
            "equipment",
            _("登记设备"),
            _("把本单位在用的特种设备录入台账：有设备台账 Excel 的整表导入，设备少的逐台登记。"),
            equipment_done,
            _("在用设备 %(count)d 台。") % {"count": equipment_count} if equipment_done else _("还没有在用设备。"),
            [
                Link(_("导入设备台账"), reverse("equipment:import"), primary=not equipment_done),
                Link(_("逐台登记设备"), reverse("equipment:create")),
            ]
            if may_equipment
            else [Link(_("查看设备台账"), equipment_list_url())],
        ),
    ]
    risks_done = equipment_done and unidentified == 0
    steps.append(
        Step(
            2,
            "risks",
            _("辨识风险"),
            _("用平台的辨识模板一次为全部在用设备辨识风险、定级并生成管控措施，检查清单随之生成。"),
            risks_done,
            (
                _("每台在用设备都已辨识风险。")
                if risks_done
                else _("还有 %(count)d 台在用设备没有辨识风险。") % {"count": unidentified}
                if equipment_done
                else _("先完成第 1 步。")
            ),
            [Link(_("套用辨识模板"), reverse("risks:apply-templates") + "?unidentified=on&select=all", True)]
            if may_risks and equipment_done and not risks_done
            else [Link(_("查看风险清单"), reverse("risks:list"))],
        )
    )
    people_done = all(state.confirmed for state in roles)
    unconfirmed = "、".join(state.label for state in roles if not state.confirmed)
    steps.append(
        Step(
            3,
            "people",
            _("确认人员"),
            _("按总局令第74号任命主要负责人、安全总监和安全员：日管控、周排查、月调度的任务据此派给具体的人。"),
            people_done,
            _("三类人员都已任命。") if people_done else _("尚未任命：%(roles)s。") % {"roles": unconfirmed},
        )
    )
    plan_done = plan_kinds >= DUTY_CYCLE_KINDS
    missing_plans = [str(template.title) for template in DUTY_CYCLE if template.kind not in plan_kinds]
    steps.append(
        Step(
            4,
            "plan",
            _("生成计划"),
            _("一键生成日管控（每日检查）、周排查、月调度三项计划，今天的检查任务马上派发。"),
            plan_done,
            _("三项计划都已生成。") if plan_done else _("尚未生成：%(plans)s。") % {"plans": "、".join(missing_plans)},
            [Link(_("查看排查计划"), reverse("hazards:plans"))] if plans else [],
        )
    )
    ready = all(step.done for step in steps)
    steps.append(
        Step(
            5,
            "print",
            _("打印标签和告知卡"),
            _("打印设备二维码标签贴在设备上，扫码即可检查和报告隐患；打印风险告知卡张贴在设备旁。"),
            ready,
            _("前四步已完成，打印后张贴即可。") if ready else _("前四步完成后打印。"),
            [
                Link(
                    _("打印二维码标签"),
                    reverse("equipment:labels") + f"?status={EquipmentStatus.IN_USE}",
                    primary=ready,
                ),
                Link(_("打印风险告知卡"), reverse("risks:cards")),
            ],
        )
    )
    for step in steps:
        if not step.done:
            step.current = True
            break
    if not may_safety:
        for step in steps[2:4]:
            if not step.done:
                step.state += " " + ask_manager
    tasks = InvestigationTask.objects.filter(_today_q(today), organization=unit)
    return StartState(
        steps=steps,
        roles=roles,
        tasks_today=tasks.count(),
        tasks_today_done=tasks.filter(status=TaskStatus.DONE).count(),
        my_tasks_today=tasks.filter(mine_q(user), status__in=OPEN_TASK_STATUSES).count(),
    )


# -- the forms of steps 3 and 4 ---------------------------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class AppointPeopleForm(forms.Form):
    """The roles not yet confirmed, each with a person of the unit; each covers every equipment category."""

    service_models = (Appointment,)
    starts_on = forms.DateField(
        label=gettext_lazy("任职日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, unit: Organization, roles: list[RoleState], **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(organization=unit, is_active=True).order_by("id")
        self.open_roles = [state.role for state in roles if not state.confirmed]
        fields = {}
        for role in self.open_roles:
            fields[role] = PersonChoiceField(
                label=AppointmentRole(role).label,
                queryset=people,
                required=False,
                empty_label=_("— 选择人员 —"),
            )
        # The people before the date, in the order of the roles.
        fields["starts_on"] = self.fields.pop("starts_on")
        self.fields = fields

    def clean(self):
        cleaned = super().clean()
        if not self.open_roles:
            raise ValidationError(_("主要负责人、安全总监和安全员都已任命；调整任命请到安全管理档案办理。"))
        if not any(cleaned.get(role) for role in self.open_roles):
            raise ValidationError(_("请至少为一个岗位选择人员。"))
        return cleaned

    def chosen(self) -> list[tuple[str, User]]:
        return [(role, self.cleaned_data[role]) for role in self.open_roles if self.cleaned_data.get(role)]


def _appoint_all(user: User, unit: Organization, form: AppointPeopleForm) -> list[Appointment]:
    """All the chosen people or none: a refusal of one leaves the others unappointed, named by its role's field."""
    made = []
    with transaction.atomic():
        for role, person in form.chosen():
            try:
                made.append(
                    services.do_appoint(
                        actor=user,
                        organization=unit,
                        person=person,
                        role=role,
                        starts_on=form.cleaned_data["starts_on"],
                    )
                )
            except ValidationError as error:
                raise ValidationError({role: error.messages}) from error
    return made


# -- the guided start -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def simple_start(request):
    user = request.user
    unit = _unit_of(user)
    today = timezone.localdate()
    state = start_state(user, unit, today)
    appoint_form = AppointPeopleForm(unit=unit, roles=state.roles, initial={"starts_on": today})
    plan_form = forms.Form()
    status = 200
    if request.method == "POST":
        if not user.may(Action.MANAGE_SAFETY):
            raise PermissionDenied(_("只有本单位的主要负责人、安全总监、安全员或单位管理员可以办理。"))
        step = request.POST.get("step")
        if step == "people":
            appoint_form = AppointPeopleForm(request.POST, unit=unit, roles=state.roles)
            status = 400
            if appoint_form.is_valid():
                made, status = submit_to_service(appoint_form, lambda: _appoint_all(user, unit, appoint_form))
                if made is not None:
                    names = "、".join(f"{a.get_role_display()} {a.person.display_name}" for a in made)
                    messages.success(request, _("已任命：%(names)s。") % {"names": names})
                    return redirect(reverse("safety:simple-start") + "#step-3")
        elif step == "plan":
            plan_form = forms.Form(request.POST)
            plan_form.is_valid()  # no fields: only so that the service's refusal can be added to it
            result, status = submit_to_service(
                plan_form, lambda: services.do_start_duty_cycle(actor=user, organization=unit)
            )
            if result is not None:
                tasks = InvestigationTask.objects.filter(_today_q(today), organization=unit).count()
                messages.success(
                    request,
                    _("已生成排查计划 %(plans)d 项；今日排查任务共 %(tasks)d 项。")
                    % {"plans": result["plans_created"], "tasks": tasks},
                )
                return redirect(reverse("safety:simple-start") + "#step-4")
        else:
            status = 400
            messages.error(request, _("请从页面上的按钮提交。"))
    context = {
        "unit": unit,
        "state": state,
        "steps": state.steps,
        "appoint_form": appoint_form,
        "plan_form": plan_form,
        "may_manage": user.may(Action.MANAGE_SAFETY),
        "today": today,
    }
    return render(request, "safety/simple/start.html", context, status=status)


# -- the one-screen home ----------------------------------------------------------------------------------------------


def _gap_rows(user: User, unit: Organization) -> tuple[list[ComplianceGap], int]:
    gaps = ComplianceGap.objects.visible_to(user).filter(organization=unit, closed_at__isnull=True)
    total = gaps.count()
    rows = list(gaps.order_by("opened_at", "id")[:HOME_GAPS])
    for gap in rows:
        if gap.hazard_id:
            gap.url = reverse("hazards:detail", args=[gap.hazard_id])
        else:
            anchor = "#step-3" if gap.kind == GapKind.APPOINTMENT else ""
            gap.url = _url(*GAP_PAGES.get(gap.kind, ()), "safety:file", anchor=anchor)
    return rows, total


def _certificates(user: User, unit: Organization, today: date) -> tuple[list[OperatorCertificate], int]:
    attention = certificate_state_q(CertificateState.EXPIRED, today) | certificate_state_q(
        CertificateState.EXPIRING, today
    )
    certificates = OperatorCertificate.objects.visible_to(user).filter(attention, organization=unit)
    total = certificates.count()
    rows = list(certificates.select_related("item").order_by("expires_on", "pk")[:HOME_DUE])
    for certificate in rows:
        certificate.url = reverse("equipment:certificate-list") + f"?state={certificate.state}"
    return rows, total


def _next_drill(unit: Organization, today: date) -> dict | None:
    due = sorted(drills_due(unit, today, DRILL_LOOKAHEAD_DAYS), key=lambda pair: pair[1])
    if not due:
        return None
    category, due_on = due[0]
    return {
        "category": category_label(category),
        "due_on": due_on,
        "days_left": (due_on - today).days,
        "soon": (due_on - today).days <= rules.DRILL_REMINDER_DAYS,
        "url": _url("safety:emergency", "safety:file"),
    }


@login_required
@require_GET
def simple_home(request):
    user = request.user
    unit = _unit_of(user)
    today = timezone.localdate()
    # Opening simple mode is choosing it again: the home page sends a small or micro unit's people here once more.
    if request.session.get(FULL_HOME_SESSION_KEY):
        del request.session[FULL_HOME_SESSION_KEY]

    mine = InvestigationTask.objects.visible_to(user).filter(mine_q(user), status__in=OPEN_TASK_STATUSES)
    tasks = list(
        mine.filter(due_on__lte=today)
        .select_related("equipment", "assignee")
        .order_by("due_on", "id")[: HOME_TASKS + 1]
    )
    more_tasks = len(tasks) > HOME_TASKS
    tasks = tasks[:HOME_TASKS]
    decorate_tasks(tasks, user, today)
    later_tasks = mine.filter(period_start__lte=today, due_on__gt=today).count()

    hazards = Hazard.objects.visible_to(user).filter(organization=unit, status__in=OPEN_STATUSES)
    hazard_count = hazards.count()
    hazard_rows = list(hazards.select_related("equipment").order_by("-grade", "deadline", "-id")[:HOME_HAZARDS])
    decorate_hazards(hazard_rows)
    for hazard in hazard_rows:
        hazard.is_late = bool(hazard.deadline and hazard.deadline < today)

    gaps, gap_count = _gap_rows(user, unit)
    inspections = needing_inspection(Equipment.objects.visible_to(user).filter(organization=unit), today, HOME_DUE)
    certificates, certificate_count = _certificates(user, unit, today)
    drill = _next_drill(unit, today)
    start = start_state(user, unit, today)
    context = {
        "unit": unit,
        "today": today,
        "start": start,
        "tasks": tasks,
        "more_tasks": more_tasks,
        "later_tasks": later_tasks,
        "hazards": hazard_rows,
        "hazard_count": hazard_count,
        "gaps": gaps,
        "gap_count": gap_count,
        "inspections": inspections,
        "certificates": certificates,
        "certificate_count": certificate_count,
        "certificate_days": CERTIFICATE_EXPIRING_DAYS,
        "drill": drill,
        "nothing_due": not (gaps or inspections or certificates or drill),
        "file_url": _url("safety:file"),
    }
    return render(request, "safety/simple/home.html", context)
