"""The grid form: name, scope description, the county's use units and the regulator's inspectors.

The form offers the county's use units and the regulator's inspectors; the service judges the rest (a unit already in
another grid, a name taken), so that the browser shows the same messages as the API.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Role
from shuangfang.equipment.forms import VersionField
from shuangfang.notifications.recipients import has_any_role
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization

from .models import Grid


def _label(name: str) -> str:
    return str(Grid._meta.get_field(name).verbose_name)


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, grid_of: dict[int, str], **kwargs):
        self.grid_of = grid_of
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        placed = self.grid_of.get(obj.pk)
        return f"{obj.name}（{_('现属')} {placed}）" if placed else obj.name


class InspectorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class GridForm(forms.Form):
    service_models = (Grid,)

    name = forms.CharField(label=gettext_lazy("网格名称"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("范围说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("如所辖乡镇、街道、园区。"),
    )
    units = forms.ModelMultipleChoiceField(queryset=Organization.objects.none())
    inspectors = forms.ModelMultipleChoiceField(queryset=User.objects.none())
    version = VersionField()

    def __init__(self, *args, owner: Organization, grid: Grid | None = None, **kwargs):
        if grid is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": grid.name,
                "description": grid.description,
                "units": [unit.pk for unit in grid.units.all()],
                "inspectors": [person.pk for person in grid.inspectors.all()],
                "version": grid.version,
            }
        super().__init__(*args, **kwargs)
        county = owner.jurisdiction
        # Where each of the county's units sits now: the label tells the user before the service refuses.
        placed = Grid.units.through.objects.filter(grid__region_id=county.code).values_list(
            "organization_id", "grid__name", "grid_id"
        )
        grid_of = {unit_id: name for unit_id, name, grid_id in placed if grid is None or grid_id != grid.pk}
        self.fields["units"] = UnitChoiceField(
            label=_label("units"),
            queryset=Organization.objects.filter(
                kind__in=EQUIPMENT_OWNING_KINDS, region__code__startswith=county.prefix, is_active=True
            ).order_by("name", "pk"),
            required=False,
            grid_of=grid_of,
            widget=forms.SelectMultiple(attrs={"size": 12}),
            help_text=_("按住 Ctrl（Mac 为 Command）可多选。一个单位只能属于本县的一个网格。"),
        )
        self.fields["inspectors"] = InspectorChoiceField(
            label=_label("inspectors"),
            queryset=User.objects.filter(has_any_role([Role.INSPECTOR]), organization=owner, is_active=True).order_by(
                "full_name", "username"
            ),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        for name in ("name", "description"):
            self.fields[name].label = _label(name)

    def service_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "description", "units", "inspectors")}
