"""Web forms of the hazard pages: the board's filters, reporting (随手拍), the closed loop's actions, executing a task,
and the unit's plans and own check items.

The forms only parse types; the services judge (五落实 missing, a grade below the GB 45067 judgement, a deadline in
the past, an item left unanswered), so that the browser shows the same messages as the API. Files are uploaded as
attachments in the same transaction as the action they serve, so that a refused action leaves no upload behind.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import role_label
from shuangfang.core.attachments import do_upload_attachment
from shuangfang.core.models import Attachment
from shuangfang.equipment.choices import EquipmentStatus
from shuangfang.equipment.forms import ReferenceChoiceField, VersionField
from shuangfang.equipment.models import Equipment

from . import rules, workflow
from .choices import (
    Cycle,
    Handling,
    HazardGrade,
    HazardSource,
    HazardStatus,
    InvestigationKind,
    Outcome,
    TaskStatus,
    WorkDays,
)
from .filtersets import HazardFilterSet
from .investigation import ASSIGNABLE_ROLES, ChecklistItem
from .models import CheckItem, Hazard, InvestigationPlan, InvestigationTask

ANY = _("全部")
YES_NO_ANY = [("", ANY), ("true", _("是")), ("false", _("否"))]
PHOTO_TYPES = "image/jpeg,image/png"
EVIDENCE_TYPES = "image/jpeg,image/png,application/pdf"


def person_label(person: User) -> str:
    roles = "、".join(person.role_labels)
    return f"{person.display_name}（{roles}）" if roles else person.display_name


def unit_people(organization_id: int):
    return User.objects.filter(organization_id=organization_id, is_active=True).order_by("id")


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Files ---------------------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (photos taken one after another); none is fine."""

    def __init__(self, *, accept: str, camera: bool = False, **kwargs):
        attrs = {"accept": accept, "multiple": True}
        if camera:
            # On a phone the input opens the rear camera.
            attrs["capture"] = "environment"
        kwargs.setdefault("required", False)
        super().__init__(widget=MultipleFileInput(attrs=attrs), **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        single = super().clean
        return [single(uploaded, initial) for uploaded in files if uploaded]


def upload_files(actor, files, field: str) -> list[Attachment]:
    """Upload the files as the actor's attachments; a refused file is reported on the form's field that sent it."""
    attachments = []
    for uploaded in files or []:
        try:
            attachments.append(do_upload_attachment(actor=actor, uploaded=uploaded))
        except ValidationError as refused:
            name = uploaded.name or ""
            raise ValidationError({field: [f"{name}：{message}" if name else message for message in refused.messages]})
    return attachments


class ListSelect(forms.Select):
    """A single select for a filter that takes a list (the status filter): one choice on a phone is enough."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value]


# The board -----------------------------------------------------------------------------------------------------------


def hazard_filterset(user, data, queryset) -> HazardFilterSet:
    filterset = HazardFilterSet(data, queryset=queryset)
    fields = filterset.form.fields
    for name in ("reported_to_regulator", "found_after", "found_before"):
        fields.pop(name, None)
    # Links name these (an equipment's hazards, a unit's, the listed ones, the cockpit's region and filters); the form
    # keeps them without showing them.
    for name in ("equipment", "organization", "listed", "region", "industry", "category", "crowded_place"):
        fields[name].widget = forms.HiddenInput()
    fields["status"].widget = ListSelect(choices=[("", ANY), *HazardStatus.choices])
    fields["status"].label = _("状态")
    for name, choices, label in (
        ("grade", HazardGrade.choices, _("隐患等级")),
        ("source", HazardSource.choices, _("来源")),
    ):
        fields[name].empty_label = ANY
        fields[name].choices = choices
        fields[name].label = label
    fields["is_open"].widget = forms.Select(choices=[("", ANY), ("true", _("未销号")), ("false", _("已销号或驳回"))])
    fields["is_open"].label = _("是否销号")
    fields["overdue"].widget = forms.Select(choices=YES_NO_ANY)
    fields["overdue"].label = _("已超期")
    fields["q"].label = _("搜索")
    fields["q"].widget.attrs.update(placeholder=_("隐患描述或设备代码"), type="search")
    return filterset


# Reporting (随手拍) ---------------------------------------------------------------------------------------------------


class ClauseField(forms.MultipleChoiceField):
    """GB 45067-2024 clauses: any clause of the standard parses; whether it applies to the equipment is the service's
    to judge. The page offers only those of the equipment's category."""

    widget = forms.MultipleHiddenInput

    def valid_value(self, value):
        return value in rules.CRITERIA_BY_CLAUSE


class ReportForm(forms.Form):
    service_models = (Hazard,)

    description = forms.CharField(
        label=_("发现了什么问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：安全阀铅封损坏；电梯门锁回路被短接")}),
    )
    location = forms.CharField(label=_("部位"), max_length=200, required=False)
    photos = MultipleFileField(label=_("照片"), accept="image/*", camera=True, help_text=_("可拍多张，选填。"))
    clauses = ClauseField(required=False)

    def __init__(self, *args, user, equipment: Equipment | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].needed = True
        if equipment is None and user.organization_id:
            offered = (
                Equipment.objects.visible_to(user)
                .filter(organization_id=user.organization_id)
                .exclude(status=EquipmentStatus.SCRAPPED)
                .order_by("code")
                .values_list("pk", "code", "name")[:1000]
            )
            self.fields["equipment"] = ReferenceChoiceField(
                Equipment.objects.visible_to(user),
                offered=[(pk, f"{name}（{code}）") for pk, code, name in offered],
                empty_label=_("不涉及具体设备"),
                label=_("设备"),
                required=False,
            )
            # Choosing the equipment brings in the GB 45067-2024 items of its category.
            self.fields["equipment"].widget.attrs.update(
                {"hx-get": reverse("hazards:report-clauses"), "hx-target": "#report-clauses", "hx-trigger": "change"}
            )
            self.order_fields(["equipment", "description", "photos", "location", "clauses"])


def criteria_choices(equipment: Equipment | None, chosen=()) -> list[dict]:
    """The GB 45067-2024 items a reporter may name for this equipment, each with whether it is ticked."""
    if equipment is None:
        return []
    chosen = set(chosen)
    return [
        {"clause": criterion.clause, "text": criterion.text, "checked": criterion.clause in chosen}
        for criterion in rules.criteria_for(equipment.category_id)
    ]


# The closed loop -----------------------------------------------------------------------------------------------------


class PassedField(forms.TypedChoiceField):
    def __init__(self, *, label, passed_label, failed_label, offer_passed: bool = True, **kwargs):
        choices = [("true", passed_label)] if offer_passed else []
        choices.append(("false", failed_label))
        super().__init__(
            label=label,
            choices=choices,
            coerce=lambda value: value == "true",
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            **kwargs,
        )


PLAN_FIELD_PREFIX = "plan_"


class ConfirmForm(forms.Form):
    """确认定级 with the 五落实 (SAWS Order 16 art 15); the six contents of the 治理方案 for a major hazard; evidence
    photos for a general hazard fixed on the spot (即查即改), which closes it at once."""

    service_models = (Hazard,)

    grade = forms.ChoiceField(label=_("隐患等级"), choices=HazardGrade.choices, required=False)
    handling = forms.ChoiceField(
        label=_("治理方式"), choices=Handling.choices, required=False, widget=forms.RadioSelect
    )
    deadline = forms.DateField(label=_("整改期限"), required=False, widget=_date_input())
    measures = forms.CharField(label=_("整改措施"), required=False, widget=_textarea(3))
    funds = forms.CharField(label=_("整改资金"), max_length=200, required=False)
    contingency = forms.CharField(label=_("应急预案"), required=False, widget=_textarea(2))
    evidence = MultipleFileField(
        label=_("现场整改照片"),
        accept=EVIDENCE_TYPES,
        help_text=_("即查即改的一般事故隐患：附上整改后的照片，确认即销号。"),
    )
    version = VersionField()

    def __init__(self, *args, user, hazard: Hazard, **kwargs):
        kwargs.setdefault("initial", {"grade": hazard.grade, "handling": Handling.DEADLINE, "version": hazard.version})
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["responsible"] = ReferenceChoiceField(
            User.objects.visible_to(user),
            offered=[(person.pk, person_label(person)) for person in unit_people(hazard.organization_id)],
            empty_label=_("请选择"),
            label=_("整改责任人"),
            required=False,
        )
        self.order_fields(["grade", "handling", "responsible", "measures", "funds", "deadline", "contingency"])
        fields = self.fields
        for name in ("grade", "handling", "responsible", "measures", "funds", "deadline", "contingency"):
            fields[name].needed = True
        fields["grade"].widget.attrs["data-grade-select"] = ""
        for key, label in workflow.PLAN_CONTENTS.items():
            fields[PLAN_FIELD_PREFIX + key] = forms.CharField(label=label, required=False, widget=_textarea(2))

    def plan_fields(self):
        return [self[PLAN_FIELD_PREFIX + key] for key in workflow.PLAN_CONTENTS]

    def five_fields(self):
        return [self[name] for name in ("responsible", "measures", "funds", "deadline", "contingency")]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "grade": data["grade"],
            "handling": data["handling"],
            "deadline": data["deadline"],
            "responsible": data["responsible"],
            "measures": data["measures"],
            "funds": data["funds"],
            "contingency": data["contingency"],
            "plan": {key: data[PLAN_FIELD_PREFIX + key] for key in workflow.PLAN_CONTENTS},
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("驳回理由"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("说明为什么不构成事故隐患。"),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].needed = True


class RectificationForm(forms.Form):
    service_models = (Hazard,)

    description = forms.CharField(label=_("整改情况说明"), max_length=4000, required=False, widget=_textarea(3))
    evidence = MultipleFileField(
        label=_("整改证据"), accept=EVIDENCE_TYPES, help_text=_("整改后的照片或检测报告（JPEG、PNG、PDF）。")
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].needed = True
        self.fields["evidence"].needed = True


class AcceptForm(forms.Form):
    """验收; a major hazard passes only after the regulator's verification, so before it only "not passed" is
    offered."""

    comment = forms.CharField(label=_("验收意见"), max_length=2000, required=False, widget=_textarea(2))
    version = VersionField()

    def __init__(self, *args, offer_passed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passed"] = PassedField(
            label=_("验收结论"),
            passed_label=_("验收通过，销号"),
            failed_label=_("不通过，退回整改"),
            offer_passed=offer_passed,
        )
        self.fields["passed"].needed = True
        self.fields["comment"].needed = True
        self.order_fields(["passed", "comment", "version"])


class ExtendForm(forms.Form):
    new_deadline = forms.DateField(label=_("新的整改期限"), required=False, widget=_date_input())
    reason = forms.CharField(label=_("延期理由"), max_length=2000, required=False, widget=_textarea(2))
    interim_measures = forms.CharField(
        label=_("临时管控措施"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("延期期间保证安全的措施。"),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("new_deadline", "reason", "interim_measures"):
            self.fields[name].needed = True


class VerifyForm(forms.Form):
    """核查 by the regulator of the region (SAWS Order 16 art 18)."""

    comment = forms.CharField(label=_("核查意见"), max_length=2000, required=False, widget=_textarea(2))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passed"] = PassedField(
            label=_("核查结论"), passed_label=_("核查通过"), failed_label=_("不通过，退回整改")
        )
        self.fields["passed"].needed = True
        self.fields["comment"].needed = True
        self.order_fields(["passed", "comment", "version"])


# Tasks ---------------------------------------------------------------------------------------------------------------


TASK_STATUS_CHOICES = [("open", _("待执行（含逾期）")), *TaskStatus.choices, ("all", ANY)]


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=TASK_STATUS_CHOICES, required=False)
    kind = forms.ChoiceField(label=_("排查类型"), choices=[("", ANY), *InvestigationKind.choices], required=False)
    whose = forms.ChoiceField(
        label=_("范围"), choices=[("all", _("本单位全部任务")), ("mine", _("我的任务"))], required=False
    )

    def __init__(self, *args, manager: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not manager:
            del self.fields["whose"]


def item_prefix(item: ChecklistItem) -> str:
    """The field names of one checklist item: its equipment and its code, so that an answer always reaches the item
    it was given for, whatever else the checklist gained since the page was loaded."""
    return f"r{item.equipment_id or 0}_{item.item_code}"


class TaskExecutionForm(forms.Form):
    """Every checklist item with its outcome (none chosen in advance: the checker decides each), a note and photos;
    the task's note; the monthly meeting's attendees and decisions."""

    note = forms.CharField(label=_("情况说明"), required=False, widget=_textarea(2))
    version = VersionField()

    def __init__(self, *args, task: InvestigationTask, checklist: list[ChecklistItem], **kwargs):
        kwargs.setdefault("initial", {"version": task.version})
        super().__init__(*args, **kwargs)
        self.task = task
        self.checklist = checklist
        if task.kind == InvestigationKind.MONTHLY:
            self.fields["attendees"] = forms.CharField(label=_("参会人员"), max_length=500, required=False)
            self.fields["decisions"] = forms.CharField(
                label=_("调度会议决定和下月工作安排"), required=False, widget=_textarea(5)
            )
            self.fields["attendees"].needed = True
            self.fields["decisions"].needed = True
            self.order_fields(["attendees", "decisions", "note", "version"])
        for item in checklist:
            prefix = item_prefix(item)
            self.fields[f"{prefix}-outcome"] = forms.ChoiceField(
                label=_("结论"), choices=Outcome.choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"{prefix}-note"] = forms.CharField(
                label=_("说明"),
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("不符合时写明发现的问题")}),
            )
            self.fields[f"{prefix}-photos"] = MultipleFileField(label=_("照片"), accept="image/*", camera=True)

    def rows(self):
        """The checklist items with their bound fields, for the page."""
        for item in self.checklist:
            prefix = item_prefix(item)
            outcome = self[f"{prefix}-outcome"]
            yield {
                "item": item,
                "outcome": outcome,
                "note": self[f"{prefix}-note"],
                "photos": self[f"{prefix}-photos"],
                # After a refused submit: the items still without an answer are marked.
                "unanswered": self.is_bound and not outcome.value(),
                "criterion": rules.CRITERIA_BY_CLAUSE.get(item.gb45067_clause) if item.gb45067_clause else None,
            }

    def service_results(self, actor) -> list[dict]:
        """The answered items (the service names the ones left without an answer)."""
        results = []
        for item in self.checklist:
            prefix = item_prefix(item)
            if not self.cleaned_data[f"{prefix}-outcome"]:
                continue
            results.append(
                {
                    "equipment": item.equipment_id,
                    "item_code": item.item_code,
                    "outcome": self.cleaned_data[f"{prefix}-outcome"],
                    "note": self.cleaned_data[f"{prefix}-note"],
                    "photos": upload_files(actor, self.cleaned_data[f"{prefix}-photos"], "results"),
                }
            )
        return results


# Plans and own check items -------------------------------------------------------------------------------------------


def _assignee_field(user, organization_id: int) -> ReferenceChoiceField:
    return ReferenceChoiceField(
        User.objects.visible_to(user),
        offered=[(person.pk, person_label(person)) for person in unit_people(organization_id)],
        empty_label=_("按执行角色自动指派"),
        label=_("执行人"),
        required=False,
    )


ROLE_CHOICES = [(role, role_label(role)) for role in ASSIGNABLE_ROLES]


class PlanForm(forms.Form):
    """A new plan of the unit (the Order 74 duty-cycle plans are made by the platform)."""

    service_models = (InvestigationPlan,)

    kind = forms.ChoiceField(
        label=_("排查类型"), choices=[("", _("请选择")), *InvestigationKind.choices], required=False
    )
    title = forms.CharField(label=_("计划名称"), max_length=200, required=False)
    cycle = forms.ChoiceField(label=_("周期"), choices=[("", _("请选择")), *Cycle.choices], required=False)
    work_days = forms.ChoiceField(label=_("执行日"), choices=WorkDays.choices, required=False)
    catalog_prefix = forms.CharField(
        label=_("设备类别"),
        max_length=8,
        required=False,
        help_text=_("特种设备目录代码，如 3000（电梯）、2100（固定式压力容器）；留空为本单位全部在用设备。"),
    )
    assignee_role = forms.ChoiceField(label=_("执行角色"), choices=ROLE_CHOICES, required=False)
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=_date_input())
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=_date_input())
    due_on = forms.DateField(
        label=_("完成期限（一次性排查）"), required=False, widget=_date_input(), help_text=_("周期性排查不填。")
    )
    description = forms.CharField(label=_("排查内容和要求"), required=False, widget=_textarea(3))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _assignee_field(user, user.organization_id)
        self.order_fields(
            ["kind", "title", "cycle", "work_days", "catalog_prefix", "assignee_role", "assignee", "starts_on"]
        )
        for name in ("kind", "title", "cycle", "assignee_role", "starts_on"):
            self.fields[name].needed = True

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["work_days"] = data["work_days"] or WorkDays.EVERY_DAY
        return data


class PlanEditForm(forms.Form):
    service_models = (InvestigationPlan,)

    title = forms.CharField(label=_("计划名称"), max_length=200, required=False)
    work_days = forms.ChoiceField(label=_("执行日"), choices=WorkDays.choices, required=False)
    assignee_role = forms.ChoiceField(label=_("执行角色"), choices=ROLE_CHOICES, required=False)
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=_date_input())
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=_date_input())
    due_on = forms.DateField(label=_("完成期限（一次性排查）"), required=False, widget=_date_input())
    description = forms.CharField(label=_("排查内容和要求"), required=False, widget=_textarea(3))
    is_active = forms.BooleanField(label=_("有效"), required=False)
    version = VersionField()

    FIELDS = ("title", "work_days", "assignee_role", "assignee", "starts_on", "ends_on", "due_on", "description")

    def __init__(self, *args, user, plan: InvestigationPlan, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(plan, name) for name in self.FIELDS if name != "assignee"}
            kwargs["initial"].update(assignee=plan.assignee_id, is_active=plan.is_active, version=plan.version)
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["assignee"] = _assignee_field(user, plan.organization_id)
        self.order_fields([*self.FIELDS, "is_active", "version"])

    def service_changes(self) -> tuple[dict, int | None]:
        data = self.cleaned_data
        changes = {name: data[name] for name in self.FIELDS}
        changes["work_days"] = changes["work_days"] or self.plan.work_days
        changes["is_active"] = data["is_active"]
        return changes, data["version"]


class CheckItemForm(forms.Form):
    """An item of the unit's own checklist: for one equipment, for a catalog prefix, or for the unit."""

    service_models = (CheckItem,)

    text = forms.CharField(label=_("检查内容"), max_length=500, required=False, widget=_textarea(2))
    standard = forms.CharField(label=_("检查标准"), max_length=500, required=False, widget=_textarea(2))
    catalog_prefix = forms.CharField(
        label=_("适用设备类别"),
        max_length=8,
        required=False,
        help_text=_("目录代码，如 3000；每台该类设备每日检查。与“适用设备”二选一，都不填则在每周排查中检查。"),
    )
    gb45067_clause = forms.ChoiceField(label=_("对应 GB 45067-2024 条款"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offered = (
            Equipment.objects.visible_to(user)
            .filter(organization_id=user.organization_id)
            .exclude(status=EquipmentStatus.SCRAPPED)
            .order_by("code")
            .values_list("pk", "code", "name")[:1000]
        )
        self.fields["equipment"] = ReferenceChoiceField(
            Equipment.objects.visible_to(user),
            offered=[(pk, f"{name}（{code}）") for pk, code, name in offered],
            empty_label=_("不限设备"),
            label=_("适用设备"),
            required=False,
        )
        self.fields["gb45067_clause"].choices = clause_choices()
        self.fields["gb45067_clause"].help_text = _("仅当该项不符合即构成重大事故隐患时选择。")
        self.fields["text"].needed = True
        self.order_fields(["text", "standard", "equipment", "catalog_prefix", "gb45067_clause"])

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class CheckItemEditForm(forms.Form):
    service_models = (CheckItem,)

    text = forms.CharField(label=_("检查内容"), max_length=500, required=False, widget=_textarea(2))
    standard = forms.CharField(label=_("检查标准"), max_length=500, required=False, widget=_textarea(2))
    gb45067_clause = forms.ChoiceField(label=_("对应 GB 45067-2024 条款"), required=False)
    is_active = forms.BooleanField(label=_("有效"), required=False, help_text=_("取消勾选即停用该检查项。"))
    version = VersionField()

    def __init__(self, *args, item: CheckItem, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "text": item.text,
                "standard": item.standard,
                "gb45067_clause": item.gb45067_clause,
                "is_active": item.is_active,
                "version": item.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["gb45067_clause"].choices = clause_choices()
        self.fields["text"].needed = True

    def service_changes(self) -> tuple[dict, int | None]:
        data = dict(self.cleaned_data)
        version = data.pop("version")
        return data, version


def clause_choices() -> list[tuple[str, str]]:
    return [("", _("无"))] + [
        (criterion.clause, f"{criterion.clause} {criterion.equipment}：{criterion.text}")
        for criterion in rules.CRITERIA_BY_CLAUSE.values()
    ]
