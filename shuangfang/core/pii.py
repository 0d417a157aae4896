"""Who may see a personal number whole (个人信息保护法 art 28 and 51: sensitive personal information — an ID
number, a person's phone — is processed for a specific purpose and seen by as few people as that purpose
needs; GB/T 35273-2020 §6.3 去标识化 in lists; GB/T 22239-2019 §8.1.4.3 the access audited).

Every page, API answer and export shows `mask(value)` of these fields.  A user the rule below allows may ask
for one value whole — a "显示" button on the pages, an `unmask` action in the API — and each such request
is recorded as a `pii.unmasked` event naming the actor, the object and the field.

The unit's contact phone (`orgs.Organization.contact_phone`) is kept encrypted like the others but is not
masked: it is the unit's business line, printed on the risk notification card posted beside its equipment
(风险告知卡) for anyone to call, so hiding it from the people who may see the unit would protect nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.http import Http404

from .crypto import mask
from .events import record_event
from .scoping import ScopeKind, scope_of


def _certificate_id_number(user, certificate) -> bool:
    """An operator's ID number: the holder, and its organization's principal and administrator, who answer for
    the certificates being the holders' own (特种设备安全法 art 14; TSG Z6001-2019).  Regulators and agencies
    check a certificate by its number, not by the holder's ID number."""
    if certificate.holder_id is not None and certificate.holder_id == user.pk:
        return True
    own_organization = user.organization_id is not None and user.organization_id == certificate.organization_id
    return own_organization and user.has_role("org_admin", "principal")


def _user_phone(user, person) -> bool:
    """A user's phone: the user, and whoever may manage the user's account (its organization's administrator;
    the system administrator, who keeps the accounts of the platform and of the public bodies' administrators)."""
    from shuangfang.accounts.services import check_may_manage_users

    from .services import permitted

    if person.pk == user.pk:
        return True
    return permitted(check_may_manage_users, user, person.organization, person.roles)


def _reporter_contact(user, hazard) -> bool:
    """A public reporter's contact: the regulator whose jurisdiction the report falls in, who handles reports
    and keeps the reporter's identity from the unit reported on (市场监督管理投诉举报处理暂行办法,
    市场监管总局令第20号: 举报人信息保密).  Its inspectors and administrators, not the unit."""
    from shuangfang.accounts.roles import REGULATOR_WRITERS
    from shuangfang.hazards.models import Hazard

    if scope_of(user).kind != ScopeKind.REGULATOR or not (set(user.roles) & REGULATOR_WRITERS):
        return False
    return Hazard.objects.visible_to(user).filter(pk=hazard.pk).exists()


@dataclass(frozen=True)
class PersonalField:
    kind: str  # the name in the unmask URL
    model: str  # app_label.ModelName
    field: str
    may_see: Callable | None  # None: a business contact, shown whole to whoever may see the object


FIELDS = {
    ("certificate", "id_number"): PersonalField(
        "certificate", "equipment.OperatorCertificate", "id_number", _certificate_id_number
    ),
    ("user", "phone"): PersonalField("user", "accounts.User", "phone", _user_phone),
    ("hazard", "reporter_contact"): PersonalField("hazard", "hazards.Hazard", "reporter_contact", _reporter_contact),
    ("organization", "contact_phone"): PersonalField("organization", "orgs.Organization", "contact_phone", None),
}
FIELDS_BY_MODEL_FIELD = {(personal.model, personal.field): personal for personal in FIELDS.values()}
# The fields whose values never enter an event's data: a diff shows them masked.
MASKED_IN_EVENTS = frozenset({"id_number", "phone", "reporter_contact", "contact_phone"})


def _field_of(obj, field: str) -> PersonalField:
    return FIELDS_BY_MODEL_FIELD[(obj._meta.label, field)]


def may_unmask(user, obj, field: str) -> bool:
    """Whether `user` may see `obj.field` whole.  The caller has already found obj within the user's scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    personal = _field_of(obj, field)
    if personal.may_see is None:
        return False
    return bool(getattr(obj, field)) and personal.may_see(user, obj)


def shown(obj, field: str) -> str:
    """What a page, an API answer or an export shows of the field."""
    value = getattr(obj, field) or ""
    return value if _field_of(obj, field).may_see is None else mask(value)


def unmask(user, obj, field: str, request=None) -> str:
    """The value whole, for a user the rule allows; recorded.  Anyone else is told the object is not there (404),
    like everything outside a user's scope, and nothing is recorded."""
    if not may_unmask(user, obj, field):
        raise Http404
    channel = "api" if request is not None and request.path.startswith("/api/") else "web"
    with transaction.atomic():
        record_event("pii.unmasked", actor=user, obj=obj, data={"field": field, "channel": channel})
    return getattr(obj, field)


def find(user, kind: str, pk: int, field: str):
    """The object of an unmask request, looked up within the user's scope (404 outside it)."""
    personal = FIELDS.get((kind, field))
    if personal is None or personal.may_see is None:
        raise Http404
    model = apps.get_model(personal.model)
    manager = model.objects
    obj = manager.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def masked_diff(diff: dict) -> dict:
    """An event's {field: [before, after]} with the personal numbers replaced by "***" (or "" for none): the event
    log is kept for years and read by auditors across the platform, and must not become a plaintext copy of the
    encrypted columns.  That the number changed is recorded; what it was is not."""
    return {
        field: ["***" if value else "" for value in values] if field in MASKED_IN_EVENTS else values
        for field, values in diff.items()
    }
