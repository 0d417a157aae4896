"""Organization services: a regulator registers the use units of its jurisdiction; the system
administrator registers regulators and inspection agencies; each organization keeps its own facts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action
from shuangfang.core.events import record_event
from shuangfang.core.pii import masked_diff
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import PermissionDenied, apply_changes, check_version, display_diff, lock_for_update

from .choices import OrganizationKind, RegionLevel
from .models import Organization
from .uscc import InvalidUSCC, validate_uscc

ORGANIZATION_FIELDS = (
    "name",
    "uscc",
    "kind",
    "region",
    "jurisdiction",
    "industry",
    "address",
    "contact_phone",
    "small_micro",
)
PUBLIC_BODY_KINDS = {OrganizationKind.REGULATOR, OrganizationKind.INSPECTION_AGENCY}


def _validate(organization: Organization, actor: User | None) -> None:
    errors = {}
    if not (organization.name or "").strip():
        errors["name"] = _("请填写单位名称。")
    try:
        organization.uscc = validate_uscc(organization.uscc or "")
    except InvalidUSCC as error:
        errors["uscc"] = str(error)
    else:
        if Organization.objects.filter(uscc=organization.uscc).exclude(pk=organization.pk).exists():
            errors["uscc"] = _("统一社会信用代码 %(code)s 已被其他单位使用。") % {"code": organization.uscc}
    region = organization.region if organization.region_id else None
    if region is None:
        errors["region"] = _("请选择所在地区。")
    elif organization.kind != OrganizationKind.REGULATOR and region.level != RegionLevel.COUNTY:
        errors["region"] = _("单位所在地区须为县级行政区划。")
    if organization.kind == OrganizationKind.REGULATOR:
        if organization.jurisdiction_id is None:
            errors["jurisdiction"] = _("监管部门须指定监管辖区。")
        elif region is not None and not organization.jurisdiction.contains(region.code):
            errors["region"] = _("监管部门所在地区须在其辖区内。")
    elif organization.jurisdiction_id is not None:
        errors["jurisdiction"] = _("只有监管部门有监管辖区。")
    scope = scope_of(actor) if actor is not None else None
    regulated_here = (
        scope is not None and scope.kind == ScopeKind.REGULATOR and organization.kind not in PUBLIC_BODY_KINDS
    )
    if regulated_here and region is not None and not region.code.startswith(scope.region_prefix):
        errors["region"] = _("单位所在地区不在您的辖区内。")
    if errors:
        raise ValidationError(errors)


def check_may_create_organization(actor: User, kind: str) -> None:
    if kind in PUBLIC_BODY_KINDS:
        if not actor.may(Action.CREATE_PUBLIC_BODY):
            raise PermissionDenied(_("只有系统管理员能新建监管部门和检验机构。"))
    elif not (actor.may(Action.CREATE_USE_UNIT) or actor.may(Action.CREATE_PUBLIC_BODY)):
        raise PermissionDenied(_("只有监管部门能新建使用单位。"))


def do_create_organization(*, actor: User | None, data: dict) -> Organization:
    kind = data.get("kind") or OrganizationKind.USE_UNIT
    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": _("未知的单位类型。")})
    if actor is not None:
        check_may_create_organization(actor, kind)
    organization = Organization(**{field: data[field] for field in ORGANIZATION_FIELDS if field in data})
    organization.kind = kind
    _validate(organization, actor)
    with transaction.atomic():
        organization.save()
        record_event(
            "organization.created",
            actor=actor,
            obj=organization,
            organization=organization,
            data={"name": organization.name, "uscc": organization.uscc, "kind": kind},
        )
    return organization


def check_may_change_organization(actor: User, organization: Organization) -> None:
    """Its own admins keep an organization's facts; the system administrator those of public bodies;
    a regulator (or the system administrator) those of the units it may see."""
    own = organization.pk == actor.organization_id and actor.may(Action.MANAGE_OWN_ORGANIZATION)
    public_body = organization.kind in PUBLIC_BODY_KINDS
    if own or actor.may(Action.CREATE_PUBLIC_BODY):
        return
    if not public_body and scope_of(actor).kind == ScopeKind.REGULATOR and actor.may(Action.CREATE_USE_UNIT):
        return
    raise PermissionDenied(_("您的角色不能修改该单位。"))


def _check_may_move(actor: User, organization: Organization, changes: dict) -> None:
    """The fields that decide who supervises whom change only by the supervisors' hand."""
    jurisdiction = getattr(changes.get("jurisdiction"), "pk", None)
    widens = "jurisdiction" in changes and jurisdiction != organization.jurisdiction_id
    # The jurisdiction is the regulator's scope: its own admin widening it would see what it may not.
    if widens and not actor.may(Action.CREATE_PUBLIC_BODY):
        raise PermissionDenied(_("只有系统管理员能变更监管辖区。"))
    region = getattr(changes.get("region"), "pk", None)
    moves_unit = "region" in changes and region != organization.region_id and organization.kind not in PUBLIC_BODY_KINDS
    # A unit's region decides which regulator supervises it: the regulator moves it, not the unit itself.
    if moves_unit and not (actor.may(Action.CREATE_USE_UNIT) or actor.may(Action.CREATE_PUBLIC_BODY)):
        raise PermissionDenied(_("单位所在地区只能由监管部门变更。"))


def do_update_organization(
    *, actor: User, organization: Organization, changes: dict, expected_version: int | None
) -> Organization:
    check_may_change_organization(actor, organization)
    unknown = set(changes) - set(ORGANIZATION_FIELDS) - {"is_active"}
    if "kind" in changes and changes["kind"] != organization.kind:
        unknown.add("kind")
    if unknown:
        raise ValidationError({field: _("该字段不能修改。") for field in unknown})
    changes.pop("kind", None)
    _check_may_move(actor, organization, changes)
    with transaction.atomic():
        organization = lock_for_update(organization)
        check_version(organization, expected_version)
        diff = apply_changes(organization, changes, lambda changed: _validate(changed, actor))
        if diff:
            record_event(
                "organization.updated",
                actor=actor,
                obj=organization,
                organization=organization,
                data={"changes": masked_diff(display_diff(organization, diff))},
            )
    return organization
