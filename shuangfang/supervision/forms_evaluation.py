"""Forms of the evaluation and demonstration-enterprise pages: they parse types only; services_evaluation validates."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shuangfang.core.forms import FilterForm, unit_search_field, with_empty_choice
from shuangfang.equipment.choices import CatalogLevel
from shuangfang.equipment.models import CatalogEntry
from shuangfang.orgs.models import unit_named

from . import rules_evaluation as rules
from .choices import EvaluationKind
from .models import DemonstrationEnterprise, Evaluation

ALL = "all"
REVOKED = "revoked"


def category_choices():
    return [
        (code, f"{code} {name}")
        for code, name in CatalogEntry.objects.filter(level=CatalogLevel.CATEGORY)
        .order_by("code")
        .values_list("code", "name")
    ]


class EvaluationForm(forms.Form):
    """The scoring table: one points field per item (and a 不适用 box where the table allows it), the veto items, and
    for a regulator the unit by its USCC."""

    unit = forms.CharField(
        label=gettext_lazy("单位统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("18 位统一社会信用代码；只能评价本辖区的使用单位。"),
    )
    year = forms.IntegerField(label=gettext_lazy("评价年度"), required=False)
    vetoes = forms.MultipleChoiceField(
        label=gettext_lazy("否决项"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(veto.code, gettext_lazy(veto.description)) for veto in rules.VETO_ITEMS],
        help_text=gettext_lazy(
            "勾选存在的否决项；平台记录中已有的（事故、未销号的重大事故隐患、黑名单、超期未检、"
            "重大风险未由公司级管控）保存时自动加上。"
        ),
    )
    service_models = (Evaluation,)

    def __init__(self, *args, regulator: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.regulator = regulator
        if not regulator:
            del self.fields["unit"]
        else:
            self.fields["unit"].widget.attrs.update(autocomplete="off", spellcheck="false", maxlength="18")
            self.fields["unit"].needed = True
        self.fields["year"].initial = timezone.localdate().year
        self.fields["year"].widget.attrs.update(min=2018, max=timezone.localdate().year)
        for item in rules.EVALUATION_ITEMS:
            field = forms.DecimalField(
                label=f"{item.number}. {gettext_lazy(item.element)}",
                required=False,
                help_text=gettext_lazy(item.checks),
            )
            field.widget.attrs.update(min=0, max=item.points, step="0.1", inputmode="decimal")
            field.item = item
            self.fields[f"score_{item.code}"] = field
            if item.may_be_na:
                self.fields[f"na_{item.code}"] = forms.BooleanField(
                    label=gettext_lazy("不适用（%(when)s）") % {"when": gettext_lazy(item.na_when)}, required=False
                )

    def item_rows(self):
        """(item, points field, not-applicable field or None) for the template's table."""
        for item in rules.EVALUATION_ITEMS:
            na = self[f"na_{item.code}"] if item.may_be_na else None
            yield item, self[f"score_{item.code}"], na

    def scores(self) -> dict:
        """The table for the service: a number, None where marked not applicable, absent where left empty."""
        data = self.cleaned_data
        scores: dict = {}
        for item in rules.EVALUATION_ITEMS:
            if item.may_be_na and data.get(f"na_{item.code}"):
                scores[item.code] = None
            elif data.get(f"score_{item.code}") is not None:
                scores[item.code] = data[f"score_{item.code}"]
        return scores


class EvaluationFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("评价类型"),
        required=False,
        choices=with_empty_choice(EvaluationKind.choices, gettext_lazy("全部")),
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False)
    unit = unit_search_field()

    def filter(self, evaluations):
        data = self.values()
        if data.get("kind"):
            evaluations = evaluations.filter(kind=data["kind"])
        if data.get("year"):
            evaluations = evaluations.filter(year=data["year"])
        if (data.get("unit") or "").strip():
            evaluations = evaluations.filter(unit_named(data["unit"]))
        return evaluations


class DemonstrationFilterForm(FilterForm):
    """Without a status the demonstration enterprises in force are listed."""

    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("有效")), (REVOKED, gettext_lazy("已撤销")), (ALL, gettext_lazy("全部"))],
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False)
    equipment_category = forms.ChoiceField(label=gettext_lazy("设备种类"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment_category"].choices = with_empty_choice(category_choices(), gettext_lazy("全部"))

    def filter(self, demonstrations):
        data = self.values()
        status = data.get("status") or ""
        if status == "":
            demonstrations = demonstrations.filter(revoked_at__isnull=True)
        elif status == REVOKED:
            demonstrations = demonstrations.filter(revoked_at__isnull=False)
        if data.get("year"):
            demonstrations = demonstrations.filter(year=data["year"])
        if data.get("equipment_category"):
            demonstrations = demonstrations.filter(equipment_category=data["equipment_category"])
        return demonstrations


class NominateForm(forms.Form):
    unit = forms.CharField(
        label=gettext_lazy("单位统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("本市辖区内的使用单位。"),
    )
    equipment_category = forms.ChoiceField(label=gettext_lazy("设备种类"), required=False)
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False)
    service_models = (DemonstrationEnterprise,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment_category"].choices = with_empty_choice(category_choices(), "—")
        self.fields["year"].initial = timezone.localdate().year
        self.fields["unit"].widget.attrs.update(autocomplete="off", spellcheck="false", maxlength="18")
        for name in ("unit", "equipment_category"):
            self.fields[name].needed = True


class RevokeForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("撤销理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("如发生事故、出现重大事故隐患或评价不再达标。"),
    )
    service_models = (DemonstrationEnterprise,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].needed = True


class PublicDemonstrationForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=2018, max_value=9999)
    q = forms.CharField(label=gettext_lazy("单位名称"), required=False, max_length=100)
