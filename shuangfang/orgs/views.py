"""Organization pages: the list a regulator or administrator works from, one organization's page,
"本单位" for everyone, and the create and edit forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import Action
from shuangfang.core.background_exports import ExportDefinition, deliver_export
from shuangfang.core.choices import ExportSubject
from shuangfang.core.dashboard import equipment_list_url
from shuangfang.core.exports import begin_export
from shuangfang.core.forms import submit_to_service
from shuangfang.core.navigation import USER_PAGE_ROLES
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, login_required, paginate
from shuangfang.equipment.models import Equipment

from . import exports
from .choices import EQUIPMENT_OWNING_KINDS, PUBLIC_BODY_KINDS, OrganizationKind
from .filtersets import OrganizationFilterSet
from .forms import OrganizationFilterForm, OrganizationForm
from .models import Organization
from .services import (
    check_may_change_organization,
    check_may_create_organization,
    do_create_organization,
    do_update_organization,
)

ORGANIZATIONS_PER_PAGE = 50
# The units a regulator supervises first; the public bodies every user can see after them.
LISTING_ORDER = [
    OrganizationKind.USE_UNIT,
    OrganizationKind.FILLING_STATION,
    OrganizationKind.MAINTENANCE_UNIT,
    OrganizationKind.INSPECTION_AGENCY,
    OrganizationKind.REGULATOR,
]
KIND_ORDER = Case(
    *(When(kind=kind, then=Value(position)) for position, kind in enumerate(LISTING_ORDER)),
    default=Value(len(LISTING_ORDER)),
    output_field=IntegerField(),
)
USERS_SHOWN = 100


def may_create(actor, kind: str) -> bool:
    return permitted(check_may_create_organization, actor, kind)


def may_change(actor, organization: Organization) -> bool:
    return permitted(check_may_change_organization, actor, organization)


@login_required
def organization_list(request):
    organizations = (
        Organization.objects.visible_to(request.user)
        .select_related("region", "jurisdiction")
        .order_by(KIND_ORDER, "region_id", "id")
    )
    filterset = OrganizationFilterSet(request.GET, queryset=organizations)
    page = paginate(request, filterset.qs, ORGANIZATIONS_PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": OrganizationFilterForm(request.GET),
        "may_create": any(may_create(request.user, kind) for kind in OrganizationKind.values),
        "query": query.urlencode(),
    }
    return list_response(request, "orgs/organization_list.html", "orgs/_organization_rows.html", context)


def organization_export_rows(user, query):
    """The organizations the list shows to `user` with the filters of `query`: the page's export and its background
    job both start here."""
    organizations = Organization.objects.visible_to(user).order_by(KIND_ORDER, "region_id", "id")
    return OrganizationFilterSet(query, queryset=organizations).qs


ORGANIZATION_EXPORT = ExportDefinition(
    ExportSubject.ORGANIZATIONS,
    rows=organization_export_rows,
    write=lambda rows, user: exports.organization_list_file(rows, user=user),
    filename=exports.organization_list_filename,
)


@login_required
@require_GET
def organization_export(request):
    """The organizations the list shows with the same filters, as an .xlsx (单位清单)."""
    rows = organization_export_rows(request.user, request.GET)
    count = rows.count()
    begin_export(request, "organizations", count)
    return deliver_export(request, ORGANIZATION_EXPORT, rows, count)


def _detail_context(request, organization: Organization) -> dict:
    viewer = request.user
    context = {
        "organization": organization,
        "may_edit": may_change(viewer, organization),
        "may_add_user": viewer.may(Action.MANAGE_USERS)
        and (viewer.has_role("system_admin") or viewer.organization_id == organization.pk),
        "users": None,
        "equipment_count": None,
    }
    if set(viewer.roles) & USER_PAGE_ROLES:
        users = User.objects.visible_to(viewer).filter(organization=organization).order_by("id")
        context["users"] = list(users[: USERS_SHOWN + 1])
        context["users_more"] = len(context["users"]) > USERS_SHOWN
        context["users"] = context["users"][:USERS_SHOWN]
        context["users_url"] = f"{reverse('accounts:user-list')}?organization={organization.pk}"
    if organization.kind in EQUIPMENT_OWNING_KINDS:
        context["equipment_count"] = Equipment.objects.visible_to(viewer).filter(organization=organization).count()
        context["equipment_url"] = equipment_list_url(organization=organization.pk)
    return context


def _visible(user):
    return Organization.objects.visible_to(user).select_related("region", "jurisdiction", "industry")


@login_required
def organization_detail(request, pk: int):
    organization = get_object_or_404(_visible(request.user), pk=pk)
    return render(request, "orgs/organization_detail.html", _detail_context(request, organization))


@login_required
def my_organization(request):
    """Every user's own organization; the platform administrators belong to none."""
    if request.user.organization_id is None:
        return render(request, "orgs/organization_detail.html", {"organization": None, "mine": True})
    organization = get_object_or_404(_visible(request.user), pk=request.user.organization_id)
    context = _detail_context(request, organization)
    context["mine"] = True
    return render(request, "orgs/organization_detail.html", context)


def _region_prefix_for_picker(actor, kind: str) -> str:
    """A regulator picks a unit's county from a list of those in its jurisdiction; everyone else,
    and every public body (whose region may be a city or province), types the code."""
    scope = scope_of(actor)
    if scope.kind == ScopeKind.REGULATOR and kind not in PUBLIC_BODY_KINDS:
        return scope.region_prefix
    return ""


@login_required
def organization_create(request):
    actor = request.user
    kinds = [kind for kind in OrganizationKind.values if may_create(actor, kind)]
    if not kinds:
        raise Forbidden(_("您的角色不能新建单位。"))
    picker_prefix = _region_prefix_for_picker(actor, OrganizationKind.USE_UNIT)
    form = OrganizationForm(
        request.POST or None,
        kinds=kinds,
        region_prefix=picker_prefix,
        with_jurisdiction=actor.may(Action.CREATE_PUBLIC_BODY),
        initial={"kind": OrganizationKind.USE_UNIT},
    )
    if request.method == "POST" and form.is_valid():
        organization, _status = submit_to_service(
            form, lambda: do_create_organization(actor=actor, data=form.data_for_service())
        )
        if organization:
            messages.success(request, _("已新建单位 %(name)s。") % {"name": organization.name})
            return redirect("orgs:detail", pk=organization.pk)
    context = {"form": form, "organization": None}
    return render(request, "orgs/organization_form.html", context, status=400 if form.errors else 200)


@login_required
def organization_edit(request, pk: int):
    actor = request.user
    organization = get_object_or_404(_visible(actor), pk=pk)
    if not may_change(actor, organization):
        raise Forbidden(_("您的角色不能修改该单位。"))
    form = OrganizationForm(
        request.POST or None,
        instance=organization,
        region_prefix=_region_prefix_for_picker(actor, organization.kind),
        with_jurisdiction=actor.may(Action.CREATE_PUBLIC_BODY),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            updated, status = submit_to_service(
                form,
                lambda: do_update_organization(
                    actor=actor,
                    organization=organization,
                    changes=form.data_for_service(),
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if updated:
                messages.success(request, _("已保存。"))
                return redirect("orgs:detail", pk=organization.pk)
    context = {"form": form, "organization": organization, "conflict": status == 409}
    return render(request, "orgs/organization_form.html", context, status=status)
