"""Validation of equipment facts, shared by the form, the API and the ledger import.

It works on plain values and on reference data handed in, so that the import can validate a
hundred thousand rows without a query per row.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

MAX_DESIGN_LIFE_YEARS = 100


@dataclass(frozen=True)
class CatalogFacts:
    """The catalog as the validator needs it: code → registrable."""

    registrable_by_code: dict[str, bool]

    @classmethod
    def load(cls) -> "CatalogFacts":
        from .models import CatalogEntry

        return cls(dict(CatalogEntry.objects.values_list("code", "registrable")))


def normalise_code(value: str) -> str:
    return "".join((value or "").split()).upper()


def equipment_field_errors(
    values: dict, *, catalog: CatalogFacts, organization_region_prefix: str, today: date
) -> dict:
    """Field → message for every problem in one equipment's facts (empty when valid).

    `values` holds the model's field values: category and region as codes, dates as date objects.
    """
    errors: dict[str, str] = {}
    code = values.get("code") or ""
    if not code:
        errors["code"] = _("请填写设备代码。")
    elif len(code) > 32:
        errors["code"] = _("设备代码不能超过 32 个字符。")
    elif not code.isascii() or not code.replace("-", "").isalnum():
        errors["code"] = _("设备代码只能包含字母、数字和连字符（-）。")
    if not (values.get("name") or "").strip():
        errors["name"] = _("请填写设备名称。")
    category = values.get("category")
    if not category:
        errors["category"] = _("请填写设备类别（目录代码）。")
    elif category not in catalog.registrable_by_code:
        errors["category"] = _("设备类别 %(code)s 不在《特种设备目录》中。") % {"code": category}
    elif not catalog.registrable_by_code[category]:
        errors["category"] = _(
            "%(code)s 是产品类目录项（如压力管道元件、安全附件），不办理使用登记，不能作为设备登记。"
        ) % {"code": category}
    region = values.get("region")
    if region and organization_region_prefix and not region.startswith(organization_region_prefix):
        errors["region"] = _("设备所在地区须在使用单位所在地区 %(prefix)s 之内。") % {
            "prefix": organization_region_prefix
        }
    manufactured_on = values.get("manufactured_on")
    commissioned_on = values.get("commissioned_on")
    last_inspected_on = values.get("last_inspected_on")
    inspection_due_on = values.get("inspection_due_on")
    if manufactured_on and manufactured_on > today:
        errors["manufactured_on"] = _("制造日期不能晚于今天。")
    if commissioned_on and commissioned_on > today:
        errors["commissioned_on"] = _("投入使用日期不能晚于今天。")
    if manufactured_on and commissioned_on and commissioned_on < manufactured_on:
        errors["commissioned_on"] = _("投入使用日期不能早于制造日期。")
    if last_inspected_on and last_inspected_on > today:
        errors["last_inspected_on"] = _("上次检验日期不能晚于今天。")
    if last_inspected_on and manufactured_on and last_inspected_on < manufactured_on:
        errors["last_inspected_on"] = _("上次检验日期不能早于制造日期。")
    if inspection_due_on and last_inspected_on and inspection_due_on <= last_inspected_on:
        errors["inspection_due_on"] = _("下次检验日期须晚于上次检验日期。")
    design_life = values.get("design_life_years")
    if design_life is not None and not (1 <= design_life <= MAX_DESIGN_LIFE_YEARS):
        errors["design_life_years"] = _("设计使用年限须在 1 到 %(max)d 年之间。") % {"max": MAX_DESIGN_LIFE_YEARS}
    return errors
