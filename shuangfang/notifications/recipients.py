"""Who receives what: the people of a unit by role, and the regulator responsible for a place.

The single forms (`people_of`, `regulator_people`) serve a service sending one message; the bulk forms serve the daily
jobs, which look up the people of many units and places in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import REGULATOR_ROLES
from shuangfang.orgs.choices import OrganizationKind
from shuangfang.orgs.models import Organization


def has_any_role(roles: Iterable[str]) -> Q:
    query = Q(pk__in=[])
    for role in roles:
        # roles is a JSON list; a substring match on the quoted code works on SQLite and PostgreSQL alike.
        query |= Q(roles__icontains=f'"{role}"')
    return query


def people_of(organization_id: int, roles: Iterable[str]) -> list[User]:
    """The active users of an organization holding any of the roles, oldest account first."""
    return list(
        User.objects.filter(has_any_role(roles), organization_id=organization_id, is_active=True).order_by("id")
    )


def people_by_organization(organization_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[User]]:
    """`people_of` for many organizations in one query: organization id → its active users holding any of the roles.
    The substring match may over-match a role whose code contains another's, so each user is checked again."""
    roles = set(roles)
    organization_ids = set(organization_ids)
    found: dict[int, list[User]] = defaultdict(list)
    if not organization_ids or not roles:
        return found
    people = User.objects.filter(has_any_role(roles), organization_id__in=organization_ids, is_active=True)
    for user in people.order_by("id"):
        if user.has_role(*roles):
            found[user.organization_id].append(user)
    return found


def holders(people: Iterable[User], *roles: str) -> list[User]:
    """Those of the people (from `people_by_organization`) holding any of the roles."""
    return [user for user in people if user.has_role(*roles)]


def _regulators() -> list[Organization]:
    return list(
        Organization.objects.filter(
            kind=OrganizationKind.REGULATOR, is_active=True, jurisdiction__isnull=False
        ).select_related("jurisdiction")
    )


def _covering(regulators: list[Organization], region_code: str) -> list[Organization]:
    covering = [org for org in regulators if region_code.startswith(org.jurisdiction.prefix)]
    return sorted(covering, key=lambda org: len(org.jurisdiction.prefix), reverse=True)


def local_regulators(region_code: str) -> list[Organization]:
    """The regulators whose jurisdiction covers the place, the most local (longest prefix) first."""
    return _covering(_regulators(), region_code)


def regulator_people(region_code: str) -> list[User]:
    """The people of the most local regulator covering the place (the county bureau for a unit in its county);
    when no regulator of that level is on the platform, the next one up."""
    return regulator_people_by_region([region_code]).get(region_code, [])


def regulator_people_by_region(region_codes: Iterable[str]) -> dict[str, list[User]]:
    """`regulator_people` for many places in two queries: region code → the people of its most local regulator
    that has people on the platform."""
    region_codes = set(region_codes)
    if not region_codes:
        return {}
    regulators = _regulators()
    covering = {code: _covering(regulators, code) for code in region_codes}
    wanted = {org.pk for orgs in covering.values() for org in orgs}
    people = people_by_organization(wanted, REGULATOR_ROLES)
    found = {}
    for code, orgs in covering.items():
        found[code] = next((people[org.pk] for org in orgs if people.get(org.pk)), [])
    return found
