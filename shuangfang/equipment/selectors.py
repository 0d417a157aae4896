"""Scoped reads for the equipment pages: lists, the equipment file (一设备一档), its history and QR code.

Every read of a tenant row starts from `visible_to(user)`; a row outside it is "not found".
"""

from dataclasses import dataclass, field
from datetime import datetime

import segno
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS, OrganizationKind
from shuangfang.orgs.models import Organization, Region
from shuangfang.risks.models import Risk
from shuangfang.risks.rules import level_rank

from .choices import CatalogLevel
from .models import CatalogEntry, Equipment, OperatorCertificate, PeriodicInspection

ELEVATOR_CATEGORY_PREFIX = "3"
ELEVATOR_EMERGENCY_NUMBER = "96333"


# Equipment -----------------------------------------------------------------------------------------------------------


def visible_equipment(user) -> QuerySet[Equipment]:
    """The equipment a user may see, with what a list row shows loaded in the same query."""
    return (
        Equipment.objects.visible_to(user)
        .with_inspection_state(timezone.localdate())
        .select_related("category", "organization")
    )


def access_equipment(user, pk: int) -> Equipment:
    """One equipment for its file page; missing and out-of-scope are the same "not found"."""
    equipment = (
        visible_equipment(user).select_related("region", "inspection_agency", "category__parent").filter(pk=pk).first()
    )
    if equipment is None:
        raise Http404(_("设备不存在。"))
    return equipment


def may_see_equipment(user, equipment: Equipment) -> bool:
    return Equipment.objects.visible_to(user).filter(pk=equipment.pk).exists()


def equipment_by_public_token(token: str) -> Equipment:
    """The equipment behind a QR code.  The token is the only key: ids are never exposed publicly."""
    equipment = Equipment.objects.select_related("category", "organization").filter(public_token=token).first()
    if equipment is None:
        raise Http404(_("二维码无效。"))
    return equipment


def is_elevator(equipment: Equipment) -> bool:
    return equipment.category_id.startswith(ELEVATOR_CATEGORY_PREFIX)


def qr_svg(url: str) -> str:
    """An inline SVG QR code for the URL, sized by CSS (no width/height attributes, no inline styles)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True, light="#fff")


# History: the equipment's events as a timeline ------------------------------------------------------------------------

EVENT_LABELS = {
    "equipment.registered": pgettext_lazy("equipment history", "登记"),
    "equipment.updated": pgettext_lazy("equipment history", "修改"),
    "equipment.suspended": pgettext_lazy("equipment history", "停用"),
    "equipment.resumed": pgettext_lazy("equipment history", "恢复使用"),
    "equipment.scrapped": pgettext_lazy("equipment history", "报废"),
}


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    seq: int
    at: datetime
    type: str
    label: str
    actor: str
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    # Fields a ledger import changed: its event names them without their old values.
    fields: list[str] = field(default_factory=list)


def _field_label(name: str) -> str:
    try:
        return str(Equipment._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field renamed since the event was written keeps its stored name
        return name


class _ValueNames:
    """Readable names for the codes and ids stored in event data, looked up once per page."""

    def __init__(self, changes: list[dict]):
        codes: dict[str, set] = {"category": set(), "region": set(), "inspection_agency": set()}
        for diff in changes:
            for name, values in diff.items():
                if name in codes:
                    codes[name].update(value for value in values if value not in (None, ""))
        self.names = {
            "category": {
                entry.code: f"{entry.code} {entry.name}"
                for entry in CatalogEntry.objects.filter(pk__in=codes["category"])
            },
            "region": {
                region.code: f"{region.name}（{region.code}）"
                for region in Region.objects.filter(pk__in=codes["region"])
            },
            "inspection_agency": dict(
                Organization.objects.filter(
                    pk__in=codes["inspection_agency"], kind=OrganizationKind.INSPECTION_AGENCY
                ).values_list("pk", "name")
            ),
        }

    def show(self, name: str, value) -> str:
        if value is None or value == "":
            return "—"
        if name in self.names:
            return str(self.names[name].get(value, value))
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return str(value)  # dates are stored as ISO text already


def _actor_name(event: Event) -> str:
    return event.actor.display_name if event.actor else (event.actor_name or _("系统"))


def equipment_history(equipment: Equipment) -> list[HistoryEntry]:
    """Registration, edits, status changes and ledger imports of one equipment, newest first.

    The caller has already been granted the equipment, and its history is part of its file.
    """
    events = list(
        Event.objects.filter(object_type="equipment.equipment", object_id=str(equipment.pk)).select_related("actor")
    )
    names = _ValueNames([event.data.get("changes") or {} for event in events])
    entries = []
    for event in events:
        changes = [
            FieldChange(_field_label(name), names.show(name, before), names.show(name, after))
            for name, (before, after) in (event.data.get("changes") or {}).items()
        ]
        entries.append(
            HistoryEntry(
                seq=event.seq,
                at=event.at,
                type=event.type.rpartition(".")[2],
                label=str(EVENT_LABELS.get(event.type, event.type)),
                actor=_actor_name(event),
                reason=event.data.get("reason", ""),
                changes=changes,
            )
        )
    entries.extend(_import_history(equipment))
    entries.sort(key=lambda entry: entry.seq, reverse=True)
    return entries


def _import_history(equipment: Equipment) -> list[HistoryEntry]:
    """The ledger imports that created or changed this equipment.

    An import appends one event per unit and chunk of rows, listing the equipment it touched; the
    code narrows the search in the database, the id in the list decides.
    """
    events = Event.objects.filter(
        type="equipment.imported", organization_id=equipment.organization_id, data__icontains=equipment.code
    ).select_related("actor")
    entries = []
    for event in events:
        for outcome, label in (("created", _("台账导入登记")), ("updated", _("台账导入更新"))):
            for item in event.data.get(outcome) or []:
                if item.get("id") != equipment.pk:
                    continue
                entries.append(
                    HistoryEntry(
                        seq=event.seq,
                        at=event.at,
                        type="registered" if outcome == "created" else "updated",
                        label=label,
                        actor=_actor_name(event),
                        fields=[_field_label(name) for name in item.get("fields") or []],
                    )
                )
    return entries


# Inspections and certificates ----------------------------------------------------------------------------------------


def visible_inspections(user) -> QuerySet[PeriodicInspection]:
    return PeriodicInspection.objects.visible_to(user).select_related("equipment", "organization", "agency")


def equipment_inspections(user, equipment: Equipment) -> QuerySet[PeriodicInspection]:
    return PeriodicInspection.objects.visible_to(user).filter(equipment=equipment).select_related("agency")


def visible_certificates(user) -> QuerySet[OperatorCertificate]:
    return OperatorCertificate.objects.visible_to(user).select_related("item", "organization")


def access_certificate(user, pk: int) -> OperatorCertificate:
    certificate = visible_certificates(user).filter(pk=pk).first()
    if certificate is None:
        raise Http404(_("作业人员证不存在。"))
    return certificate


def relevant_certificates(user, equipment: Equipment) -> list[OperatorCertificate] | None:
    """The unit's certificates for this kind of equipment (and general safety management, item A).

    None when the user's side does not see the unit's people at all (an inspection agency), so that
    the page says nothing rather than "none".
    """
    if scope_of(user).kind == ScopeKind.AGENCY:
        return None
    category = equipment.category.category_code
    return list(
        visible_certificates(user).filter(
            organization_id=equipment.organization_id, item__equipment_category__in=[category, ""]
        )
    )


# Risks ---------------------------------------------------------------------------------------------------------------


def equipment_risks(user, equipment: Equipment) -> list | None:
    """The equipment's active risks, highest level first.

    None when the user's side holds no risk rows of the unit (an inspection agency), so that the page says
    nothing rather than "none identified"."""
    if scope_of(user).kind == ScopeKind.AGENCY:
        return None
    risks = list(
        Risk.objects.visible_to(user).filter(equipment_id=equipment.pk, is_active=True).select_related("owner")
    )
    risks.sort(key=lambda risk: (-level_rank(risk.level), risk.pk))
    return risks


# Choices for the forms -----------------------------------------------------------------------------------------------


def equipment_owning_units(user) -> QuerySet[Organization]:
    return (
        Organization.objects.visible_to(user).filter(kind__in=EQUIPMENT_OWNING_KINDS, is_active=True).order_by("name")
    )


def inspection_agencies(user) -> QuerySet[Organization]:
    return (
        Organization.objects.visible_to(user)
        .filter(kind=OrganizationKind.INSPECTION_AGENCY, is_active=True)
        .order_by("name")
    )


def regions_within(prefix: str) -> QuerySet[Region]:
    """A region and everything below it, in code order (a city, then its counties)."""
    return Region.objects.filter(code__startswith=prefix).order_by("code")


def jurisdiction_regions(user) -> QuerySet[Region] | None:
    """The regions a regulator may pick from; None for the other sides."""
    scope = scope_of(user)
    if scope.kind != ScopeKind.REGULATOR:
        return None
    return regions_within(scope.region_prefix)


def registrable_catalog_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Registrable catalog entries grouped under their category: [(category label, [(code, label)])]."""
    entries = list(CatalogEntry.objects.all())
    categories = {entry.code: entry for entry in entries if entry.level == CatalogLevel.CATEGORY}
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in entries:
        if not entry.registrable:
            continue
        category = categories.get(entry.category_code)
        if category is None or not category.registrable:
            continue
        indent = "" if entry.level == CatalogLevel.CATEGORY else "　" if entry.level == CatalogLevel.CLASS else "　　"
        groups.setdefault(f"{category.code} {category.name}", []).append(
            (entry.code, f"{indent}{entry.code} {entry.name}")
        )
    return list(groups.items())


def catalog_filter_choices() -> list[tuple[str, str]]:
    """Categories and classes of the catalog, for filtering by prefix."""
    return [
        (entry.code, ("" if entry.level == CatalogLevel.CATEGORY else "　") + f"{entry.code} {entry.name}")
        for entry in CatalogEntry.objects.filter(level__in=[CatalogLevel.CATEGORY, CatalogLevel.CLASS])
    ]
