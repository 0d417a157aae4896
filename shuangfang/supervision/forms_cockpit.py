"""The cockpit's filters, shared by the page and the API: industry, catalog category, crowded place."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangfang.equipment.choices import CatalogLevel
from shuangfang.equipment.models import CatalogEntry
from shuangfang.orgs.models import Industry

from .summaries import Filters

CROWDED_CHOICES = [("", _("全部")), ("true", _("是")), ("false", _("否"))]


class CockpitFilterForm(forms.Form):
    industry = forms.CharField(label=_("行业"), required=False, max_length=4)
    category = forms.CharField(label=_("设备种类"), required=False, max_length=4)
    crowded = forms.ChoiceField(label=_("人员密集场所"), required=False, choices=CROWDED_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(CatalogEntry.objects.filter(level=CatalogLevel.CATEGORY).order_by("code"))

    def clean_industry(self):
        code = self.cleaned_data["industry"].strip().upper()
        if code and not Industry.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("没有代码为“%(code)s”的行业（国民经济行业分类 GB/T 4754-2017 的门类字母或大类代码）。"),
                params={"code": code},
            )
        return code

    def clean_category(self):
        code = self.cleaned_data["category"].strip()
        if code and code not in {entry.code for entry in self.categories}:
            raise forms.ValidationError(
                _("设备种类须为特种设备目录的种类代码（如电梯 3000），而不是“%(code)s”。"), params={"code": code}
            )
        return code

    def filters(self) -> Filters:
        data = self.cleaned_data
        crowded = {"true": True, "false": False}.get(data.get("crowded") or "")
        return Filters(industry=data.get("industry") or None, category=data.get("category") or None, crowded=crowded)
