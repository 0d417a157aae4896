"""Forms of the supervision-class and random-plan pages: they parse types only; the services validate."""

from django import forms
from django.utils.translation import gettext_lazy

from shuangfang.core.forms import FilterForm, unit_search_field, with_empty_choice
from shuangfang.orgs.models import Region

from . import rules_classes as rules
from .choices import SupervisionClass


def jurisdiction_regions(prefix: str):
    return Region.objects.filter(code__startswith=prefix).order_by("code")


class ClassFilterForm(FilterForm):
    supervision_class = forms.ChoiceField(
        label=gettext_lazy("监管类别"),
        required=False,
        choices=with_empty_choice(SupervisionClass.choices, gettext_lazy("全部")),
    )
    region = forms.ChoiceField(label=gettext_lazy("地区"), required=False)
    rule = forms.ChoiceField(label=gettext_lazy("判定依据"), required=False)
    unit = unit_search_field()

    def __init__(self, *args, region_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = with_empty_choice(
            [(r.code, r.name) for r in jurisdiction_regions(region_prefix)], gettext_lazy("全部")
        )
        self.fields["rule"].choices = with_empty_choice(
            [(rule.code, gettext_lazy(rule.description)) for rule in rules.CLASS_RULES], gettext_lazy("全部")
        )


class RandomPlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("计划名称"), max_length=200, required=False)
    region = forms.ChoiceField(label=gettext_lazy("抽查范围"), required=False)
    period_start = forms.DateField(
        label=gettext_lazy("抽查期间自"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label=gettext_lazy("抽查期间至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ratio_A = forms.IntegerField(label=gettext_lazy("A 类抽查比例（%）"), required=False)
    ratio_B = forms.IntegerField(label=gettext_lazy("B 类抽查比例（%）"), required=False)
    ratio_C = forms.IntegerField(label=gettext_lazy("C 类抽查比例（%）"), required=False)
    ratio_D = forms.IntegerField(label=gettext_lazy("D 类抽查比例（%）"), required=False)
    inspectors_per_unit = forms.IntegerField(label=gettext_lazy("每户执法人员数"), required=False, initial=2)
    seed = forms.IntegerField(
        label=gettext_lazy("随机种子"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("留空时由系统随机生成并记录；填写已有计划的种子可复现同一抽取结果。"),
    )

    def __init__(self, *args, region_prefix: str = "", ranges=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in jurisdiction_regions(region_prefix)]
        for klass, (low, high) in (ranges or {}).items():
            field = self.fields[f"ratio_{klass}"]
            field.help_text = gettext_lazy("可选 %(low)d%%–%(high)d%%") % {"low": low, "high": high}
            field.widget.attrs.update(min=low, max=high)

    def ratios(self) -> dict:
        return {
            klass: self.cleaned_data[f"ratio_{klass}"]
            for klass in rules.CLASSES
            if self.cleaned_data.get(f"ratio_{klass}") is not None
        }


class PublishForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
