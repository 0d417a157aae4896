"""The one scoping primitive: who may see which rows.

A use unit (or maintenance unit, filling station) sees its own organization's rows; a regulator
sees rows whose region_code starts with its jurisdiction prefix (province "14", city "1405",
county "140525"); an inspection agency sees what it was engaged to inspect and its own records;
the platform administrators see everything their role allows.  Every list and every single-object
lookup goes through `Model.objects.visible_to(user)`; an object outside it is "not found".
"""

from dataclasses import dataclass
from enum import StrEnum


class ScopeKind(StrEnum):
    UNIT = "unit"
    REGULATOR = "regulator"
    AGENCY = "agency"
    PLATFORM = "platform"
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    organization_id: int | None = None
    region_prefix: str = ""

    @property
    def is_regulator(self) -> bool:
        return self.kind == ScopeKind.REGULATOR


NO_SCOPE = Scope(ScopeKind.NONE)


def scope_of(user) -> Scope:
    """The scope of a user, computed once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._scope_cache = scope
    return scope


def _compute_scope(user) -> Scope:
    from shuangfang.accounts.roles import PLATFORM_ROLES
    from shuangfang.orgs.choices import OrganizationKind

    if set(user.roles) & PLATFORM_ROLES:
        return Scope(ScopeKind.PLATFORM)
    organization = user.organization
    if organization is None or not organization.is_active:
        return NO_SCOPE
    if organization.kind == OrganizationKind.REGULATOR:
        return Scope(ScopeKind.REGULATOR, organization.pk, organization.jurisdiction.prefix)
    if organization.kind == OrganizationKind.INSPECTION_AGENCY:
        return Scope(ScopeKind.AGENCY, organization.pk)
    return Scope(ScopeKind.UNIT, organization.pk)
