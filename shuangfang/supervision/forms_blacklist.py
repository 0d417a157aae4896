"""Forms of the blacklist pages: they parse types only; services_blacklist validates."""

from django import forms
from django.utils.translation import gettext_lazy

from shuangfang.core.forms import FilterForm, unit_search_field, with_empty_choice
from shuangfang.orgs.models import unit_named

from .choices import BlacklistReason, BlacklistStatus
from .models import BlacklistEntry

ALL = "all"


class BlacklistFilterForm(FilterForm):
    """Without a status the entries in force are listed."""

    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=with_empty_choice([*BlacklistStatus.choices, (ALL, gettext_lazy("全部"))], gettext_lazy("在列")),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("列入事由"),
        required=False,
        choices=with_empty_choice(BlacklistReason.choices, gettext_lazy("全部")),
    )
    unit = unit_search_field()

    def filter(self, entries):
        data = self.values()
        status = data.get("status") or ""
        if status == "":
            entries = entries.filter(status=BlacklistStatus.ACTIVE)
        elif status != ALL:
            entries = entries.filter(status=status)
        if data.get("reason"):
            entries = entries.filter(reason=data["reason"])
        if (data.get("unit") or "").strip():
            entries = entries.filter(unit_named(data["unit"]))
        return entries


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("单位名称或统一社会信用代码"), required=False, max_length=100)


class ListUnitForm(forms.Form):
    """列入黑名单.  The unit is named by its USCC (a province has too many units for a drop-down); a candidate's
    button fills it in, with the accident or hazard it rests on."""

    unit = forms.CharField(
        label=gettext_lazy("单位统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("18 位统一社会信用代码；只能列入本辖区的使用单位。"),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("列入事由"), required=False, choices=with_empty_choice(BlacklistReason.choices, "—")
    )
    detail = forms.CharField(
        label=gettext_lazy("事实和依据"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("写明发生的事故或逾期未整改的重大事故隐患、处理经过和所依据的文件。"),
    )
    listed_on = forms.DateField(
        label=gettext_lazy("列入日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=gettext_lazy("默认今天。"),
    )
    until = forms.DateField(
        label=gettext_lazy("列入期限至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=gettext_lazy("留空则按列入事由的默认期限（可由省级配置）。"),
    )
    accident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    hazard = forms.IntegerField(required=False, widget=forms.HiddenInput)
    service_models = (BlacklistEntry,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.attrs.update(autocomplete="off", spellcheck="false", maxlength="18")
        # Required by the service; the mark tells the user before it does.
        for name in ("unit", "reason", "detail"):
            self.fields[name].needed = True


class LiftForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("移出理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("信用修复：写明单位已履行的整改或处罚、消除影响的情况和依据；或撤销列入的理由。"),
    )
    service_models = (BlacklistEntry,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].needed = True
