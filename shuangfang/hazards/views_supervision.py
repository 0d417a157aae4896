"""The regulator's side of hidden-hazard investigation (隐患排查治理的监管): the major hazards of the jurisdiction
and their 挂牌督办, the listings with their completion report, verification and delisting, the inbox of what units,
inspection agencies and the platform reported to the regulator, and the regulator's own enforcement finding
(监督检查发现的隐患, SAMR Order 57).

Thin faces: read through `visible_to(user)`, write through `hazards.services`, render.  A unit reads its own
listings here too and reports their completion.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangfang.core.access import login_required
from shuangfang.core.attachments import do_upload_attachment
from shuangfang.core.forms import submit_to_service, valid_values, with_empty_choice
from shuangfang.core.models import Event
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.core.services import permitted
from shuangfang.core.views import list_response, paginate
from shuangfang.equipment.choices import EquipmentStatus, InspectionState
from shuangfang.equipment.models import Equipment, inspection_state_q
from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization, Region

from . import rules, services, workflow
from .choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus, ListingLevel, ListingStatus
from .models import Hazard, HazardAttachment, Listing

PAGE_SIZE = 50
OVERDUE_EQUIPMENT_PAGE_SIZE = 20
# The unit search of the finding form offers at most this many units; the search narrows them.
UNIT_CHOICES = 30
# The equipment code suggestions of the finding form (a <datalist>: the phone's own search box filters them).
EQUIPMENT_SUGGESTIONS = 500
MAX_EVIDENCE_FILES = 10

STATUS_COLORS = {
    HazardStatus.REPORTED: "orange",
    HazardStatus.CONFIRMED: "blue",
    HazardStatus.RECTIFYING: "blue",
    HazardStatus.AWAITING_ACCEPTANCE: "yellow",
    HazardStatus.CLOSED: "green",
    HazardStatus.REJECTED: "grey",
}
LISTING_COLORS = {
    ListingStatus.LISTED: "red",
    ListingStatus.COMPLETION_REPORTED: "yellow",
    ListingStatus.VERIFIED: "blue",
    ListingStatus.DELISTED: "green",
}
OPEN_LISTING_STATUSES = [status for status in ListingStatus.values if status != ListingStatus.DELISTED]


@dataclass(frozen=True)
class Badge:
    label: str
    color: str


@dataclass(frozen=True)
class Clause:
    code: str
    text: str


def status_badge(hazard: Hazard) -> Badge:
    return Badge(hazard.get_status_display(), STATUS_COLORS.get(hazard.status, "grey"))


def listing_badge(listing: Listing) -> Badge:
    return Badge(listing.get_status_display(), LISTING_COLORS.get(listing.status, "grey"))


def clauses_of(codes) -> list[Clause]:
    return [
        Clause(code, str(rules.CRITERIA_BY_CLAUSE[code].text) if code in rules.CRITERIA_BY_CLAUSE else "")
        for code in codes or []
    ]


# Who may do what -----------------------------------------------------------------------------------------------------


def is_regulator(user) -> bool:
    return scope_of(user).kind == ScopeKind.REGULATOR


def may_supervise(user) -> bool:
    """Whether the service would let the user list, verify, delist and register findings (a bureau's leader reads)."""
    return permitted(services.check_may_supervise, user)


def _require_regulator(user) -> None:
    if not is_regulator(user):
        raise PermissionDenied(_("该页面供市场监督管理部门使用。"))


def _require_supervisor(user) -> None:
    if not may_supervise(user):
        raise PermissionDenied(_("只有监管部门的监察人员可以执行此操作。"))


# Reading -------------------------------------------------------------------------------------------------------------


def _hazards(user):
    return (
        Hazard.objects.visible_to(user)
        .select_related("organization", "equipment", "region", "found_by_organization")
        .prefetch_related(
            Prefetch(
                "listings",
                queryset=Listing.objects.filter(status__in=OPEN_LISTING_STATUSES).select_related("listing_authority"),
                to_attr="open_listings",
            )
        )
    )


def _decorate_hazards(hazards, user, today) -> None:
    """What a row shows beside the stored values: the badges, the clauses, the links the user may follow."""
    supervisor = may_supervise(user)
    for hazard in hazards:
        hazard.url = services.hazard_link(hazard)
        hazard.open_listing = hazard.open_listings[0] if getattr(hazard, "open_listings", None) else None
        if hazard.open_listing is not None:
            hazard.open_listing.badge = listing_badge(hazard.open_listing)
            hazard.open_listing.url = reverse("hazards:listing", args=[hazard.open_listing.pk])
        hazard.badge = status_badge(hazard)
        hazard.is_overdue = bool(hazard.is_open and hazard.deadline and hazard.deadline < today)
        hazard.days_overdue = (today - hazard.deadline).days if hazard.is_overdue else 0
        hazard.clauses = clauses_of(hazard.major_criteria)
        hazard.list_url = (
            reverse("hazards:list-hazard", args=[hazard.pk])
            if supervisor and hazard.is_major and hazard.is_open and hazard.open_listing is None
            else ""
        )


def access_hazard(user, pk: int) -> Hazard:
    hazard = _hazards(user).filter(pk=pk).first()
    if hazard is None:
        raise Http404(_("隐患不存在。"))
    return hazard


def _active_filters(form: forms.Form) -> int:
    return sum(1 for name in form.fields if str(form.data.get(name, "")).strip())


# Filters -------------------------------------------------------------------------------------------------------------

ALL = "all"
CLOSED = "closed"


class MajorHazardFilterForm(forms.Form):
    """Filters of the jurisdiction's major hazards; without a status the open ones are listed."""

    region = forms.ChoiceField(label=gettext_lazy("地区"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=with_empty_choice(
            [
                *((status, label) for status, label in HazardStatus.choices if status in OPEN_STATUSES),
                (CLOSED, gettext_lazy("已销号或驳回")),
                (ALL, gettext_lazy("全部")),
            ],
            gettext_lazy("未销号"),
        ),
    )
    listed = forms.ChoiceField(
        label=gettext_lazy("挂牌督办"),
        required=False,
        choices=with_empty_choice(
            [("yes", gettext_lazy("督办中")), ("no", gettext_lazy("未挂牌"))], gettext_lazy("全部")
        ),
    )
    overdue = forms.ChoiceField(
        label=gettext_lazy("整改期限"),
        required=False,
        choices=with_empty_choice([("yes", gettext_lazy("已超期"))], gettext_lazy("全部")),
    )
    unit = forms.CharField(label=gettext_lazy("使用单位"), required=False, max_length=100)

    def __init__(self, *args, jurisdiction: Region, **kwargs):
        super().__init__(*args, **kwargs)
        children = list(Region.objects.filter(parent=jurisdiction).order_by("code"))
        if children:
            self.fields["region"].choices = with_empty_choice(
                [(region.code, region.name) for region in children], gettext_lazy("全辖区")
            )
            self.prefixes = {region.code: region.prefix for region in children}
        else:
            del self.fields["region"]  # a county: nothing below it to choose
            self.prefixes = {}
        self.fields["unit"].widget.attrs.update(placeholder=_("单位名称"), type="search")

    def filter(self, hazards, today):
        data = valid_values(self)
        if data.get("region"):
            hazards = hazards.filter(region__code__startswith=self.prefixes[data["region"]])
        status = data.get("status") or ""
        if status == "":
            hazards = hazards.filter(status__in=OPEN_STATUSES)
        elif status == CLOSED:
            hazards = hazards.exclude(status__in=OPEN_STATUSES)
        elif status != ALL:
            hazards = hazards.filter(status=status)
        listed = Exists(Listing.objects.filter(hazard_id=OuterRef("pk"), status__in=OPEN_LISTING_STATUSES))
        if data.get("listed") == "yes":
            hazards = hazards.filter(listed)
        elif data.get("listed") == "no":
            hazards = hazards.exclude(listed)
        if data.get("overdue") == "yes":
            hazards = hazards.filter(status__in=OPEN_STATUSES, deadline__lt=today)
        if data.get("unit", "").strip():
            hazards = hazards.filter(organization__name__contains=data["unit"].strip())
        return hazards


class ListingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=with_empty_choice([*ListingStatus.choices, (ALL, gettext_lazy("全部"))], gettext_lazy("督办中")),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("督办级别"),
        required=False,
        choices=with_empty_choice(ListingLevel.choices, gettext_lazy("全部")),
    )

    def filter(self, listings):
        data = valid_values(self)
        status = data.get("status") or ""
        if status == "":
            listings = listings.filter(status__in=OPEN_LISTING_STATUSES)
        elif status != ALL:
            listings = listings.filter(status=status)
        if data.get("level"):
            listings = listings.filter(level=data["level"])
        return listings


class InboxFilterForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("来源"),
        required=False,
        choices=with_empty_choice(HazardSource.choices, gettext_lazy("全部")),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=with_empty_choice(
            [("open", gettext_lazy("未销号")), (CLOSED, gettext_lazy("已销号或驳回"))], gettext_lazy("全部")
        ),
    )

    def filter(self, hazards):
        data = valid_values(self)
        if data.get("source"):
            hazards = hazards.filter(source=data["source"])
        if data.get("state") == "open":
            hazards = hazards.filter(status__in=OPEN_STATUSES)
        elif data.get("state") == CLOSED:
            hazards = hazards.exclude(status__in=OPEN_STATUSES)
        return hazards


# The jurisdiction's major hazards ------------------------------------------------------------------------------------


@login_required
@require_GET
def major_hazards(request):
    """重大事故隐患 of the jurisdiction: open ones by default, the most overdue first, each with its listing."""
    user = request.user
    _require_regulator(user)
    today = timezone.localdate()
    jurisdiction = user.organization.jurisdiction
    form = MajorHazardFilterForm(request.GET, jurisdiction=jurisdiction)
    majors = Hazard.objects.visible_to(user).filter(grade=HazardGrade.MAJOR)
    open_majors = majors.filter(status__in=OPEN_STATUSES)
    figures = open_majors.aggregate(
        total=Count("pk", distinct=True),
        overdue=Count("pk", filter=Q(deadline__lt=today), distinct=True),
        listed=Count("pk", filter=Q(listings__status__in=OPEN_LISTING_STATUSES), distinct=True),
    )
    hazards = form.filter(_hazards(user).filter(grade=HazardGrade.MAJOR), today).order_by(
        F("deadline").asc(nulls_last=True), "-found_at", "-pk"
    )
    page = paginate(request, hazards, PAGE_SIZE)
    _decorate_hazards(page.object_list, user, today)
    path = reverse("hazards:major-hazards")
    context = {
        "filter_form": form,
        "active_filters": _active_filters(form),
        "page": page,
        "jurisdiction": jurisdiction,
        "figures": [
            {"label": _("未销号重大事故隐患"), "value": figures["total"], "color": "red", "url": path},
            {"label": _("已超整改期限"), "value": figures["overdue"], "color": "orange", "url": f"{path}?overdue=yes"},
            {"label": _("挂牌督办中"), "value": figures["listed"], "color": "blue", "url": f"{path}?listed=yes"},
            {
                "label": _("未挂牌"),
                "value": figures["total"] - figures["listed"],
                "color": "yellow",
                "url": f"{path}?listed=no",
            },
        ],
        "may_supervise": may_supervise(user),
    }
    return list_response(
        request, "hazards/supervision/major_hazards.html", "hazards/supervision/_major_rows.html", context
    )


class ListingForm(forms.Form):
    """挂牌督办 of one major hazard; the level is the listing regulator's own and not chosen."""

    deadline = forms.DateField(
        label=gettext_lazy("督办期限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        required=False,
    )
    requirements = forms.CharField(
        label=gettext_lazy("督办要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("例如：立即停止使用，制定治理方案，按期报告整改完成情况。"),
    )
    service_models = (Listing,)


@login_required
@require_http_methods(["GET", "POST"])
def list_hazard(request, pk: int):
    """The 挂牌督办 form of one major hazard of the jurisdiction."""
    user = request.user
    _require_regulator(user)
    hazard = access_hazard(user, pk)
    if not hazard.is_major:
        raise Http404(_("只能对重大事故隐患挂牌督办。"))
    today = timezone.localdate()
    _decorate_hazards([hazard], user, today)
    _require_supervisor(user)
    level = services.listing_level_of(user.organization)
    form = ListingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            listing, status = submit_to_service(
                form,
                lambda: services.do_list_hazard(
                    actor=user,
                    hazard=hazard,
                    level=level,
                    deadline=form.cleaned_data["deadline"],
                    requirements=form.cleaned_data["requirements"],
                ),
            )
            if listing:
                messages.success(
                    request,
                    _("已%(level)s，督办期限 %(deadline)s。")
                    % {"level": listing.get_level_display(), "deadline": listing.deadline.isoformat()},
                )
                return redirect("hazards:listing", pk=listing.pk)
    context = {
        "hazard": hazard,
        "form": form,
        "level_label": ListingLevel(level).label,
        "authority": user.organization,
        "listable": hazard.is_open and hazard.open_listing is None,
    }
    return render(request, "hazards/supervision/list_hazard.html", context, status=status)


# Listings ------------------------------------------------------------------------------------------------------------


def _listings(user):
    return Listing.objects.visible_to(user).select_related(
        "hazard", "hazard__equipment", "organization", "listing_authority"
    )


@login_required
@require_GET
def listing_list(request):
    """挂牌督办: a regulator sees those of its jurisdiction, a unit its own."""
    user = request.user
    today = timezone.localdate()
    form = ListingFilterForm(request.GET)
    listings = form.filter(_listings(user)).order_by(F("deadline").asc(), "-pk")
    page = paginate(request, listings, PAGE_SIZE)
    for listing in page.object_list:
        listing.badge = listing_badge(listing)
        listing.url = reverse("hazards:listing", args=[listing.pk])
        listing.is_overdue = listing.is_open and listing.deadline < today
    context = {
        "filter_form": form,
        "active_filters": _active_filters(form),
        "page": page,
        "show_unit": scope_of(user).kind != ScopeKind.UNIT,
    }
    return list_response(
        request, "hazards/supervision/listings.html", "hazards/supervision/_listing_rows.html", context
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    service_models = (Listing,)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (photos of the fix, the rectification report)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        files = [file for file in files if file]
        if len(files) > MAX_EVIDENCE_FILES:
            raise ValidationError(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_EVIDENCE_FILES})
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class CompletionForm(VersionForm):
    description = forms.CharField(
        label=gettext_lazy("整改完成情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = MultipleFileField(
        label=gettext_lazy("整改证据"),
        required=False,
        help_text=gettext_lazy("整改前后照片、检验或检测报告、治理验收材料：JPEG、PNG 或 PDF，可多选。"),
    )


class VerifyForm(VersionForm):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("核查结论"),
        choices=[("yes", gettext_lazy("通过")), ("no", gettext_lazy("不通过，继续整改"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=gettext_lazy("核查意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def access_listing(user, pk: int) -> Listing:
    listing = _listings(user).filter(pk=pk).first()
    if listing is None:
        raise Http404(_("挂牌督办记录不存在。"))
    return listing


def _allowed_listing_actions(user, listing: Listing) -> set[str]:
    """The listing actions the page offers: the unit's completion report, the regulator's verification and
    delisting (the workflow's roles and states; the services check the rest and say why)."""
    scope = scope_of(user)
    actions = set(workflow.allowed_listing_actions(listing.status, user.roles))
    offered = set()
    if (
        workflow.REPORT_COMPLETION in actions
        and scope.kind == ScopeKind.UNIT
        and user.organization_id == listing.organization_id
        and listing.hazard.status in (HazardStatus.RECTIFYING, HazardStatus.AWAITING_ACCEPTANCE)
    ):
        offered.add(workflow.REPORT_COMPLETION)
    if may_supervise(user) and listing.region_id.startswith(scope.region_prefix):
        offered |= actions & {workflow.VERIFY, workflow.DELIST}
    return offered


def _listing_history(listing: Listing):
    return (
        Event.objects.filter(object_type="hazards.listing", object_id=str(listing.pk))
        .select_related("actor")
        .order_by("seq")
    )


EVENT_LABELS = {
    "listing.created": gettext_lazy("挂牌督办"),
    "listing.completion_reported": gettext_lazy("报告整改完成"),
    "listing.verified": gettext_lazy("核查"),
    "listing.delisted": gettext_lazy("摘牌销号"),
}


def _listing_context(request, listing: Listing, **forms_given) -> dict:
    user = request.user
    today = timezone.localdate()
    hazard = listing.hazard
    hazard.url = services.hazard_link(hazard)
    hazard.badge = status_badge(hazard)
    hazard.clauses = clauses_of(hazard.major_criteria)
    listing.badge = listing_badge(listing)
    listing.is_overdue = listing.is_open and listing.deadline < today
    attachments = list(
        HazardAttachment.objects.filter(
            hazard=hazard, stage__in=[HazardAttachment.Stage.COMPLETION, HazardAttachment.Stage.EVIDENCE]
        ).select_related("attachment", "added_by")
    )
    for item in attachments:
        item.url = reverse("attachment-download", args=[item.attachment_id])
    history = list(_listing_history(listing))
    for event in history:
        event.label = EVENT_LABELS.get(event.type, event.type)
        event.passed = event.data.get("passed") if isinstance(event.data, dict) else None
        event.comment = event.data.get("comment", "") if isinstance(event.data, dict) else ""
    verifications = [event for event in history if event.type == "listing.verified"]
    allowed = _allowed_listing_actions(user, listing)
    initial = {"version": listing.version}

    def form_for(action, form_class):
        if action not in allowed:
            return None
        given = forms_given.get(action)
        return given if given is not None else form_class(initial=initial, auto_id=f"id_{action}_%s")

    waiting_for_confirmation = (
        scope_of(user).kind == ScopeKind.UNIT
        and listing.status == ListingStatus.LISTED
        and hazard.status == HazardStatus.REPORTED
    )
    return {
        "listing": listing,
        "hazard": hazard,
        "attachments": attachments,
        "history": history,
        "last_verification": verifications[-1] if verifications else None,
        "completion_form": form_for(workflow.REPORT_COMPLETION, CompletionForm),
        "verify_form": form_for(workflow.VERIFY, VerifyForm),
        "delist_form": form_for(workflow.DELIST, VersionForm),
        "open_action": next((action for action, form in forms_given.items() if form is not None), ""),
        "waiting_for_confirmation": waiting_for_confirmation,
    }


@login_required
@require_GET
def listing_detail(request, pk: int):
    listing = access_listing(request.user, pk)
    return render(request, "hazards/supervision/listing_detail.html", _listing_context(request, listing))


def _listing_action(request, pk: int, action: str, form_class, call, success_message):
    """POST of one listing action: the form's values to the service; on refusal the page again with the form
    open and the service's message on it (400 invalid, 409 stale version or wrong state, 403 not allowed)."""
    user = request.user
    listing = access_listing(user, pk)
    if action not in _allowed_listing_actions(user, listing):
        raise PermissionDenied(_("您不能对该挂牌督办执行此操作。"))
    form = form_class(request.POST, request.FILES, auto_id=f"id_{action}_%s")
    status = 400
    if form.is_valid():
        result, status = submit_to_service(form, lambda: call(user, listing, form.cleaned_data))
        if result:
            messages.success(request, success_message)
            return redirect("hazards:listing", pk=listing.pk)
    listing = access_listing(user, pk)
    if status == 409:
        # The page shows the listing as it is now; the form carries the current version, so that a second
        # submission, made knowing the change, is taken.
        form.data = form.data.copy()
        form.data["version"] = listing.version
    context = _listing_context(request, listing, **{action: form})
    context["conflict"] = status == 409
    return render(request, "hazards/supervision/listing_detail.html", context, status=status)


def _report_completion(user, listing, data):
    # The files and the report are one step: a refused report leaves no attachment rows behind.
    with transaction.atomic():
        evidence = []
        for uploaded in data["evidence"]:
            try:
                evidence.append(do_upload_attachment(actor=user, uploaded=uploaded))
            except ValidationError as error:
                raise ValidationError({"evidence": error.messages}) from error
        return services.do_report_completion(
            actor=user,
            listing=listing,
            description=data["description"],
            evidence=evidence,
            expected_version=data["version"],
        )


@login_required
@require_POST
def listing_report_completion(request, pk: int):
    return _listing_action(
        request,
        pk,
        workflow.REPORT_COMPLETION,
        CompletionForm,
        _report_completion,
        _("已报告整改完成，等待督办部门核查。"),
    )


@login_required
@require_POST
def listing_verify(request, pk: int):
    return _listing_action(
        request,
        pk,
        workflow.VERIFY,
        VerifyForm,
        lambda user, listing, data: services.do_verify_listing(
            actor=user,
            listing=listing,
            passed=data["passed"],
            comment=data["comment"],
            expected_version=data["version"],
        ),
        _("核查结论已保存。"),
    )


@login_required
@require_POST
def listing_delist(request, pk: int):
    return _listing_action(
        request,
        pk,
        workflow.DELIST,
        VersionForm,
        lambda user, listing, data: services.do_delist(actor=user, listing=listing, expected_version=data["version"]),
        _("已摘牌销号，隐患关闭。"),
    )


# The inbox -----------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request):
    """What reached the regulator: major hazards reported by units or judged by the platform and the serious
    findings of inspection agencies, newest first; and the in-use equipment of the jurisdiction whose periodic
    inspection is overdue (特种设备安全法 art 40)."""
    user = request.user
    _require_regulator(user)
    today = timezone.localdate()
    form = InboxFilterForm(request.GET)
    reported = form.filter(_hazards(user).filter(reported_to_regulator_at__isnull=False)).order_by(
        "-reported_to_regulator_at", "-pk"
    )
    page = paginate(request, reported, PAGE_SIZE)
    _decorate_hazards(page.object_list, user, today)
    for hazard in page.object_list:
        hazard.serious = [
            Clause(code, str(rules.SERIOUS_HAZARD_CATEGORIES[code].text))
            for code in hazard.serious_categories
            if code in rules.SERIOUS_HAZARD_CATEGORIES
        ]
    overdue = (
        Equipment.objects.visible_to(user)
        .filter(inspection_state_q(InspectionState.OVERDUE, today), status=EquipmentStatus.IN_USE)
        .with_inspection_state(today)
        .select_related("organization", "category")
        .order_by(F("inspection_due_on").asc(nulls_first=True), "pk")
    )
    equipment_page = Paginator(overdue, OVERDUE_EQUIPMENT_PAGE_SIZE).get_page(request.GET.get("equipment_page"))
    for equipment in equipment_page.object_list:
        equipment.url = reverse("equipment:detail", args=[equipment.pk])
        equipment.days_overdue = (today - equipment.inspection_due_on).days if equipment.inspection_due_on else None
    context = {
        "filter_form": form,
        "active_filters": _active_filters(form),
        "page": page,
        "equipment_page": equipment_page,
        "may_supervise": may_supervise(user),
    }
    return list_response(request, "hazards/supervision/inbox.html", "hazards/supervision/_inbox_rows.html", context)


# The regulator's enforcement finding ---------------------------------------------------------------------------------


def _clause_choices(categories: list[str]) -> list:
    """GB 45067-2024 items grouped by the equipment family the standard names, only those that apply to the
    unit's equipment (all of them when the unit has none registered)."""
    groups: dict[str, list] = {}
    for criterion in rules.CRITERIA:
        if categories and not any(rules.clause_applies(criterion.clause, category) for category in categories):
            continue
        groups.setdefault(str(criterion.equipment), []).append(
            (criterion.clause, f"{criterion.section} {criterion.item}) {criterion.text}")
        )
    return list(groups.items())


class FindingForm(forms.Form):
    """监督检查发现的隐患: the unit is chosen before the form; the equipment by its code, among the unit's."""

    service_models = (Hazard,)

    equipment_code = forms.CharField(
        label=gettext_lazy("设备代码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("可留空：隐患不针对某一台设备时。"),
    )
    description = forms.CharField(label=gettext_lazy("隐患描述"), widget=forms.Textarea(attrs={"rows": 4}))
    clauses = forms.MultipleChoiceField(
        label=gettext_lazy("GB 45067-2024 重大事故隐患判定条款"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("符合任一条款即判定为重大事故隐患。"),
    )
    serious_categories = forms.MultipleChoiceField(
        label=gettext_lazy("严重事故隐患类别（总局令第57号第二十五条）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(code, f"{code} {category.text}") for code, category in rules.SERIOUS_HAZARD_CATEGORIES.items()],
    )
    grade = forms.ChoiceField(
        label=gettext_lazy("隐患等级"),
        required=False,
        choices=with_empty_choice(HazardGrade.choices, gettext_lazy("按判定条款")),
        help_text=gettext_lazy("可以定得比判定结果高，不能低于判定结果。"),
    )

    def __init__(self, *args, unit: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        categories = sorted(
            set(Equipment.objects.filter(organization=unit).values_list("category_id", flat=True).distinct())
        )
        self.fields["clauses"].choices = _clause_choices(categories)
        self.fields["equipment_code"].widget.attrs.update(
            list="unit-equipment", spellcheck="false", autocapitalize="characters", autocomplete="off"
        )

    def clean_equipment_code(self):
        code = "".join(self.cleaned_data.get("equipment_code", "").split()).upper()
        if not code:
            return None
        equipment = Equipment.objects.filter(organization=self.unit, code=code).select_related("category").first()
        if equipment is None:
            raise ValidationError(
                _("%(unit)s没有设备代码为 %(code)s 的设备。") % {"unit": self.unit.name, "code": code}
            )
        return equipment


def _units(user):
    return Organization.objects.visible_to(user).filter(
        kind__in=EQUIPMENT_OWNING_KINDS, is_active=True, region__code__startswith=scope_of(user).region_prefix
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request):
    """A regulator's enforcement finding: first the unit (searched in the jurisdiction), then the finding."""
    user = request.user
    _require_regulator(user)
    _require_supervisor(user)
    unit_id = request.POST.get("unit") if request.method == "POST" else request.GET.get("unit")
    if not unit_id:
        return _choose_unit(request)
    unit = _units(user).filter(pk=unit_id).first() if str(unit_id).isdigit() else None
    if unit is None:
        raise Http404(_("该单位不在您的监管辖区内。"))
    initial = {}
    equipment_id = request.GET.get("equipment", "")
    if equipment_id.isdigit():
        preset = Equipment.objects.filter(organization=unit, pk=int(equipment_id)).first()
        initial["equipment_code"] = preset.code if preset else ""
    form = FindingForm(request.POST if request.method == "POST" else None, unit=unit, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            hazard, status = submit_to_service(
                form,
                lambda: services.do_regulator_finding(
                    actor=user,
                    organization=unit,
                    equipment=data["equipment_code"],
                    description=data["description"],
                    clauses=data["clauses"],
                    grade=data["grade"] or None,
                    serious_categories=data["serious_categories"],
                ),
            )
            if hazard:
                messages.success(
                    request,
                    _("已登记监督检查发现的%(grade)s，%(unit)s须确认并整改。")
                    % {"grade": hazard.get_grade_display(), "unit": unit.name},
                )
                return redirect(services.hazard_link(hazard))
    suggestions = list(
        Equipment.objects.filter(organization=unit)
        .exclude(status=EquipmentStatus.SCRAPPED)
        .order_by("code")
        .values_list("code", "name")[:EQUIPMENT_SUGGESTIONS]
    )
    context = {"form": form, "unit": unit, "suggestions": suggestions}
    return render(request, "hazards/supervision/finding_form.html", context, status=status)


def _choose_unit(request):
    user = request.user
    query = request.GET.get("q", "").strip()[:100]
    units = _units(user).select_related("region").order_by("name")
    if query:
        units = units.filter(Q(name__contains=query) | Q(uscc__startswith=query.upper()))
    rows = list(units[: UNIT_CHOICES + 1])
    context = {"query": query, "units": rows[:UNIT_CHOICES], "more": len(rows) > UNIT_CHOICES}
    return render(request, "hazards/supervision/finding_unit.html", context)
