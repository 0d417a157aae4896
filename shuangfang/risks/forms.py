"""Web forms of the risk pages.

The forms only parse types: the factor selects and the measure rows hand over what the user chose, and the
services judge it (a factor value outside its table, a measure without a kind, a major risk not controlled at
company level), so that the browser shows the same messages as the API.
"""

import re
from decimal import Decimal

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.template import loader
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from shuangfang.accounts.models import User
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.equipment import selectors as equipment_selectors
from shuangfang.equipment.forms import ReferenceChoiceField, VersionField, unit_filter
from shuangfang.equipment.models import Equipment

from . import library, rules
from .choices import AssessmentMethod, ControlLevel, IdentificationMethod, MeasureKind, RiskLevel, RiskPointKind
from .filtersets import RiskFilterSet, RiskPointFilterSet
from .models import Risk, RiskPoint

ANY = _("全部")
YES_NO_ANY = [("", ANY), ("true", _("是")), ("false", _("否"))]


def profile() -> rules.ProvinceProfile:
    return rules.profile(settings.PROVINCE_PROFILE)


def plain_number(value) -> str:
    """A factor as its select offers it: 6, 0.5, 1 (never 6.0 or 1E+1)."""
    text = format(Decimal(str(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# The risk list's filters -------------------------------------------------------------------------------------------

# How many equipment ids (or id ranges) one list link may name: the result of applying templates to a few hundred
# equipment links to their risks as "1-250,300,302-310".
MAX_ID_TERMS = 1000
ID_TERM = re.compile(r"^(\d{1,12})(?:-(\d{1,12}))?$")


def id_terms(ids) -> str:
    """Ids as short as a link can carry them: runs of consecutive ids become ranges ("3-7,9")."""
    terms = []
    ordered = sorted(set(ids))
    start = previous = None
    for pk in ordered:
        if previous is not None and pk == previous + 1:
            previous = pk
            continue
        if start is not None:
            terms.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = pk
    if start is not None:
        terms.append(str(start) if start == previous else f"{start}-{previous}")
    return ",".join(terms)


def id_terms_q(field: str, value: str) -> Q | None:
    """The rows whose `field` is one of the ids or ranges in `value`; None when `value` is not such a list."""
    terms = [term.strip() for term in value.split(",") if term.strip()]
    if not terms or len(terms) > MAX_ID_TERMS:
        return None
    singles, condition = [], Q()
    for term in terms:
        match = ID_TERM.match(term)
        if match is None:
            return None
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if low == high:
            singles.append(low)
        else:
            # A foreign key takes gte/lte but not range.
            condition |= Q(**{f"{field}__gte": min(low, high), f"{field}__lte": max(low, high)})
    if singles:
        condition |= Q(**{f"{field}__in": singles})
    return condition


class RiskListFilterSet(RiskFilterSet):
    """The API's filters, with the equipment filter taking several ids (a link from the template result page)."""

    equipment = django_filters.CharFilter(method="filter_equipment_ids", label=_("设备"))

    def filter_equipment_ids(self, queryset, name, value):
        condition = id_terms_q("equipment_id", value)
        return queryset.none() if condition is None else queryset.filter(condition)


def visible_risks(user):
    """The risks a user may see, with what a list row shows in the same query."""
    return Risk.objects.visible_to(user).select_related("risk_point", "equipment", "owner", "organization")


def _choice(field, choices, label) -> None:
    field.label = label
    field.empty_label = ANY
    field.choices = choices


def _yes_no(field, label) -> None:
    field.widget = forms.Select(choices=YES_NO_ANY)
    field.label = label


def risk_filterset(user, data) -> RiskListFilterSet:
    """The list's filters.  The list holds the active risks unless retired ones are asked for (is_active=false)."""
    risks = visible_risks(user).order_by("risk_point__name", "risk_point_id", "id")
    if not (data or {}).get("is_active"):
        risks = risks.filter(is_active=True)
    filterset = RiskListFilterSet(data, queryset=risks)
    fields = filterset.form.fields
    # Links name these (an equipment's risks, a point's risks); the form keeps them without showing them.
    fields["equipment"].widget = forms.HiddenInput()
    fields["risk_point"].widget = forms.HiddenInput()
    if scope_of(user).kind == ScopeKind.REGULATOR:
        unit_filter(fields["organization"], user)
        regions = equipment_selectors.jurisdiction_regions(user)
        prefix = scope_of(user).region_prefix
        fields["region"].widget = forms.Select(
            choices=[("", ANY)]
            + [
                (region.code, ("　" * (len(region.prefix) // 2 - 1)) + region.name)
                for region in regions.exclude(prefix=prefix)
            ]
        )
        fields["region"].label = _("地区")
    else:
        # A unit sees only its own risks in its own place: these filters would say nothing.
        fields["organization"].widget = forms.HiddenInput()
        del fields["region"]
    _choice(fields["level"], RiskLevel.choices, _("风险等级"))
    _choice(fields["method"], [(value, value.upper()) for value in rules.METHODS], _("评价方法"))
    _choice(fields["control_level"], ControlLevel.choices, _("管控层级"))
    _yes_no(fields["needs_reassessment"], _("需重新评价"))
    _yes_no(fields["graded_below_minimum"], _("低于模板最低等级"))
    _yes_no(fields["review_due"], _("已到评审日期"))
    fields["is_active"].widget = forms.Select(choices=[("", _("有效")), ("false", _("已撤销"))])
    fields["is_active"].label = _("状态")
    fields["q"].label = _("搜索")
    fields["q"].widget.attrs.update(placeholder=_("风险名称、危险源或风险点"), type="search")
    return filterset


def risk_point_filterset(user, data) -> RiskPointFilterSet:
    filterset = RiskPointFilterSet(data, queryset=RiskPoint.objects.visible_to(user).filter(is_active=True))
    fields = filterset.form.fields
    _choice(fields["kind"], RiskPointKind.choices, _("类型"))
    fields["equipment"].widget = forms.HiddenInput()
    fields["site_plan"].widget = forms.HiddenInput()
    return filterset


# The factor selects -------------------------------------------------------------------------------------------------


class ProjectTemplateWidget(forms.Widget):
    """A widget drawn by a template of the project's templates directory, which the default form renderer does
    not search."""

    def _render(self, template_name, context, renderer=None):
        # The template escapes every value itself (autoescape), as the form renderer's templates do.
        return mark_safe(loader.render_to_string(template_name, context))  # noqa: S308


# Criteria longer than this are cut off in a closed select: the chosen one is repeated in full under it.
LONG_CRITERION = 40


class FactorSelects(ProjectTemplateWidget):
    """One select per factor of every method, grouped by method.  The value is {method: {factor: chosen text}};
    every group is sent, and the method select decides which one the service reads."""

    template_name = "risks/widgets/factor_selects.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.profile = profile()

    def subname(self, name: str, method: str, factor: str) -> str:
        return f"{name}_{method}_{factor}"

    def value_from_datadict(self, data, files, name):
        return {
            method: {factor: data.get(self.subname(name, method, factor), "") for factor in rules.FACTOR_NAMES[method]}
            for method in rules.METHODS
        }

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}_") for key in data)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {}
        base_id = (attrs or {}).get("id") or f"id_{name}"
        groups = []
        for method in rules.METHODS:
            chosen = value.get(method) or {}
            selects = []
            for factor in rules.FACTOR_NAMES[method]:
                current = chosen.get(factor)
                current = "" if current in (None, "") else str(current)
                options = [
                    {"value": plain_number(option.value), "label": f"{plain_number(option.value)} — {option.label}"}
                    for option in rules.factor_options(method, factor, self.profile)
                ]
                known = {option["value"]: option["label"] for option in options}
                criterion = known.get(current, "")
                selects.append(
                    {
                        "name": self.subname(name, method, factor),
                        "id": f"{base_id}_{method}_{factor}",
                        "factor": factor,
                        "label": rules.FACTOR_LABELS[method][factor],
                        "options": options,
                        "current": current,
                        # A value the table does not hold (a forged request) stays visible with the service's
                        # message rather than silently becoming "not chosen".
                        "unknown": current if current and current not in known else "",
                        "criterion": criterion if len(criterion) > LONG_CRITERION else "",
                    }
                )
            groups.append({"method": method, "label": rules.METHOD_LABELS[method], "selects": selects})
        context["widget"]["groups"] = groups
        context["widget"]["long_criterion"] = LONG_CRITERION
        return context

    def id_for_label(self, id_):
        return ""


class FactorsField(forms.Field):
    widget = FactorSelects

    def to_python(self, value):
        return value if isinstance(value, dict) else {}

    def factors_for(self, value: dict, method: str) -> dict:
        return {factor: text.strip() for factor, text in (value.get(method) or {}).items()}


# The measure rows ---------------------------------------------------------------------------------------------------

# More rows than any risk needs; rows past it are ignored rather than read from an oversized request.
MAX_MEASURE_ROWS = 60
MEASURE_KEY = re.compile(r"^(?P<name>\w+)-(?P<index>\d{1,3})-(?:kind|text)$")


class MeasureRows(ProjectTemplateWidget):
    """Rows of kind, text and "daily check item": existing measures first, then empty rows to fill in
    (the script adds more from a template row)."""

    template_name = "risks/widgets/measure_rows.html"

    def __init__(self, attrs=None, empty_rows: int = 5):
        super().__init__(attrs)
        self.empty_rows = empty_rows

    def value_from_datadict(self, data, files, name):
        indexes = sorted(
            {
                int(match.group("index"))
                for key in data
                if (match := MEASURE_KEY.match(key)) and match.group("name") == name
            }
        )[:MAX_MEASURE_ROWS]
        return [
            {
                "kind": data.get(f"{name}-{index}-kind", ""),
                "text": data.get(f"{name}-{index}-text", ""),
                "check": bool(data.get(f"{name}-{index}-check")),
            }
            for index in indexes
        ]

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Rows sent back empty are not shown again: the empty rows to fill in follow the filled ones.
        rows = [
            dict(row)
            for row in (value or [])
            if isinstance(row, dict) and ((row.get("kind") or "").strip() or (row.get("text") or "").strip())
        ]
        rows += [{"kind": "", "text": "", "check": False} for _index in range(self.empty_rows)]
        for index, row in enumerate(rows):
            row["prefix"] = f"{name}-{index}"
        context["widget"].update(
            rows=rows,
            kinds=MeasureKind.choices,
            next_index=len(rows),
            template_prefix=f"{name}-__index__",
        )
        return context

    def id_for_label(self, id_):
        return ""


class MeasuresField(forms.Field):
    """The filled-in rows as the service takes them; wholly empty rows are left out, half-filled ones are the
    service's to judge."""

    widget = MeasureRows

    def to_python(self, value):
        measures = []
        for row in value or []:
            kind, text = (row.get("kind") or "").strip(), (row.get("text") or "").strip()
            if not kind and not text:
                continue
            measures.append({"kind": kind, "text": text, "check": bool(row.get("check"))})
        return measures

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)


# Create, edit, reassess ----------------------------------------------------------------------------------------------

RISK_FORM_FIELDS = (
    "title",
    "hazard_source",
    "consequence",
    "accident_type",
    "identification_method",
    "method",
    "factors",
    "control_level",
    "owner",
    "measures",
    "emergency_actions",
    "below_minimum_justification",
)


# The model's verbose names are the stored (Chinese) column names; the form shows translated labels.
RISK_LABELS = {
    "title": _("风险名称"),
    "hazard_source": _("危险源（危险有害因素）"),
    "consequence": _("可能导致的事故及后果"),
    "identification_method": _("辨识方法"),
    "method": _("评价方法"),
    "factors": _("评价因子"),
    "control_level": _("管控层级"),
    "owner": _("责任人"),
    "emergency_actions": _("应急处置措施"),
    "below_minimum_justification": _("低于模板最低等级的理由"),
}


def _label(name: str) -> str:
    return RISK_LABELS[name]


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def owner_label(user: User) -> str:
    roles = "、".join(user.role_labels)
    return f"{user.display_name}（{roles}）" if roles else user.display_name


class RiskForm(forms.Form):
    """Identify and assess a risk (no instance), or change or reassess one (with its version)."""

    def __init__(self, *args, user, unit, risk: Risk | None = None, reassess: bool = False, **kwargs):
        self.risk = risk
        self.reassess = reassess
        if risk is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(risk)
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["title"] = forms.CharField(label=_label("title"), max_length=200, required=False)
        fields["title"].needed = True
        fields["hazard_source"] = forms.CharField(label=_label("hazard_source"), widget=_textarea(3), required=False)
        fields["hazard_source"].needed = True
        fields["consequence"] = forms.CharField(label=_label("consequence"), widget=_textarea(2), required=False)
        fields["accident_type"] = forms.CharField(
            label=_("事故类型（GB 6441-1986）"),
            required=False,
            widget=forms.Select(choices=[("", _("请选择")), *library.ACCIDENT_TYPES]),
        )
        fields["identification_method"] = forms.CharField(
            label=_label("identification_method"),
            required=False,
            widget=forms.Select(choices=IdentificationMethod.choices),
        )
        fields["method"] = forms.CharField(
            label=_label("method"),
            required=False,
            widget=forms.Select(choices=AssessmentMethod.choices, attrs={"data-method-select": ""}),
        )
        fields["factors"] = FactorsField(label=_label("factors"), required=False)
        fields["control_level"] = forms.CharField(
            label=_label("control_level"),
            required=False,
            widget=forms.Select(choices=[("", _("请选择")), *ControlLevel.choices]),
        )
        fields["control_level"].needed = True
        people = User.objects.filter(organization=unit, is_active=True).order_by("id")
        fields["owner"] = ReferenceChoiceField(
            User.objects.visible_to(user),
            offered=[(person.pk, owner_label(person)) for person in people],
            empty_label=_("请选择"),
            label=_label("owner"),
            required=False,
        )
        fields["owner"].needed = True
        fields["measures"] = MeasuresField(
            label=_("管控措施"),
            required=False,
            widget=MeasureRows(empty_rows=2 if risk is not None else 5),
            help_text=_("勾选“日常检查项”的措施列入日常排查清单。"),
        )
        fields["measures"].needed = True
        fields["emergency_actions"] = forms.CharField(
            label=_label("emergency_actions"), widget=_textarea(3), required=False
        )
        if risk is not None and risk.minimum_level:
            fields["below_minimum_justification"] = forms.CharField(
                label=_label("below_minimum_justification"),
                widget=_textarea(2),
                required=False,
                help_text=_("辨识模板要求至少为“%(minimum)s”；评价低于该等级时须说明理由，理由报送辖区监管部门。")
                % {"minimum": rules.LEVEL_LABELS[risk.minimum_level]},
            )
        if risk is not None:
            fields["reason"] = forms.CharField(
                label=_("变更原因"),
                max_length=500,
                required=False,
                widget=_textarea(2),
                help_text=_("重新评价时写明依据；风险已标记为需重新评价时必填。"),
            )
            fields["reason"].needed = risk.needs_reassessment
            fields["version"] = VersionField()

    @staticmethod
    def initial_for(risk: Risk) -> dict:
        initial = {name: getattr(risk, name) for name in RISK_FORM_FIELDS if name not in ("factors", "owner")}
        initial["factors"] = {risk.method: {name: plain_number(value) for name, value in risk.factors.items()}}
        initial["owner"] = risk.owner_id
        initial["version"] = risk.version
        return initial

    def service_data(self) -> dict:
        """The values for do_create_risk: the factors of the chosen method only."""
        data = {name: self.cleaned_data[name] for name in RISK_FORM_FIELDS if name in self.cleaned_data}
        data["factors"] = self.fields["factors"].factors_for(data["factors"], data["method"])
        return data

    def service_changes(self) -> tuple[dict, int | None, str]:
        """The changed fields for do_update_risk, the version read and the reason.  A reassessment hands over the
        method and factors even when unchanged: the service records the new assessment and its date."""
        data = self.service_data()
        risk = self.risk
        changes = {}
        for name, value in data.items():
            if name == "owner":
                if (value.pk if value else None) != risk.owner_id:
                    changes[name] = value
            elif name == "factors":
                if value != {key: plain_number(number) for key, number in risk.factors.items()}:
                    changes[name] = value
            elif value != getattr(risk, name):
                changes[name] = value
        if self.reassess:
            changes.setdefault("method", data["method"])
            changes.setdefault("factors", data["factors"])
        return changes, self.cleaned_data.get("version"), self.cleaned_data.get("reason", "")


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        help_text=_("例如：设备已报废拆除、作业活动已取消。风险保留在历史中，不再列入清单。"),
    )
    version = VersionField()


# Risk points --------------------------------------------------------------------------------------------------------


class RiskPointForm(forms.Form):
    kind = forms.CharField(
        label=_("类型"),
        required=False,
        widget=forms.Select(
            choices=[(kind.value, kind.label) for kind in (RiskPointKind.SITE, RiskPointKind.ACTIVITY)]
        ),
    )
    name = forms.CharField(
        label=_("风险点名称"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：叉车作业区域、吊装作业、气瓶充装作业")}),
    )
    location = forms.CharField(label=_("区域位置"), max_length=200, required=False)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


# Applying templates -------------------------------------------------------------------------------------------------

# The most equipment one submit may name; the service works set-based, the page lists at most this many.
MAX_APPLY_EQUIPMENT = 2000


class ApplyFilterForm(forms.Form):
    category = forms.CharField(label=_("设备类别"), required=False)
    unidentified = forms.BooleanField(label=_("仅未辨识风险的设备"), required=False)

    def __init__(self, *args, categories: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget = forms.Select(choices=[("", ANY), *categories])


class ApplyTemplatesForm(forms.Form):
    """The chosen equipment (resolved through the user's scope in one query) and the chosen templates."""

    equipment = forms.ModelMultipleChoiceField(
        queryset=Equipment.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={"invalid_choice": _("所选设备不存在：%(value)s")},
    )
    templates = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple, label=_("辨识模板")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"].queryset = Equipment.objects.visible_to(user)
        self.fields["templates"].choices = [(template.code, template.title) for template in library.RISK_TEMPLATES]

    def clean_equipment(self):
        chosen = list(self.cleaned_data["equipment"])
        if len(chosen) > MAX_APPLY_EQUIPMENT:
            raise forms.ValidationError(
                _("一次最多为 %(max)d 台设备辨识风险，请按设备类别分批。") % {"max": MAX_APPLY_EQUIPMENT}
            )
        return chosen

    def clean_templates(self):
        chosen = self.cleaned_data["templates"]
        if not chosen:
            raise forms.ValidationError(_("请至少选择一个辨识模板。"))
        return chosen
