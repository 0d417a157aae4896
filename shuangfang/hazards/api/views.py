from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from shuangfang.core.api.viewsets import ScopedViewSetMixin
from shuangfang.core.scoping import ScopeKind, scope_of
from shuangfang.hazards import services
from shuangfang.hazards.filtersets import HazardFilterSet, ListingFilterSet
from shuangfang.hazards.models import Hazard, HazardAttachment, Listing

from .serializers import (
    AcceptSerializer,
    CompletionSerializer,
    ConfirmSerializer,
    DelistSerializer,
    ExtendSerializer,
    HazardSerializer,
    ListingSerializer,
    RectificationSerializer,
    RejectSerializer,
    VerifySerializer,
)


class HazardViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """事故隐患: registered by a unit's member (随手拍), a check, an inspection agency, a regulator or the platform;
    moved through the closed loop by its actions only (confirm, reject, submit-rectification, accept, extend;
    regulator-verify for an unlisted major hazard)."""

    model = Hazard
    serializer_class = HazardSerializer
    filterset_class = HazardFilterSet

    # What an answer shows of a hazard besides its row: read once for a page of hazards, or for the one just written.
    ANSWER_PREFETCH = (
        "listings",
        Prefetch("attachments", queryset=HazardAttachment.objects.select_related("attachment")),
    )

    def get_queryset(self):
        return super().get_queryset().select_related("equipment").prefetch_related(*self.ANSWER_PREFETCH)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["with_actions"] = self.action != "list"
        return context

    def perform_create(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        clauses = data.get("major_criteria") or []
        if scope_of(user).kind == ScopeKind.REGULATOR:
            organization = data.get("organization") or getattr(data.get("equipment"), "organization", None)
            if organization is None:
                raise ValidationError({"organization": [_("请指定使用单位（organization）或设备（equipment）。")]})
            hazard = services.do_regulator_finding(
                actor=user,
                organization=organization,
                equipment=data.get("equipment"),
                description=data.get("description", ""),
                clauses=clauses,
                grade=data.get("grade"),
                serious_categories=data.get("serious_categories") or [],
            )
        else:
            hazard = services.do_report_hazard(
                actor=user,
                equipment=data.get("equipment"),
                description=data.get("description", ""),
                location=data.get("location", ""),
                photos=data.get("photos") or [],
                clauses=clauses,
                grade=data.get("grade"),
                found_at=data.get("found_at"),
            )
        prefetch_related_objects([hazard], *self.ANSWER_PREFETCH)
        serializer.instance = hazard

    def _respond(self, hazard):
        return Response(self.get_serializer(self.get_queryset().get(pk=hazard.pk)).data)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=ConfirmSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """确认定级 with the 五落实 (and the 治理方案 for a major hazard); `immediate` + `evidence` closes at once."""
        hazard = self.get_object()
        data = dict(self._body(ConfirmSerializer))
        version = data.pop("version")
        hazard = services.do_confirm_hazard(actor=request.user, hazard=hazard, data=data, expected_version=version)
        return self._respond(hazard)

    @extend_schema(request=RejectSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """不构成隐患, with the reason."""
        hazard = self.get_object()
        data = self._body(RejectSerializer)
        hazard = services.do_reject_hazard(
            actor=request.user, hazard=hazard, reason=data["reason"], expected_version=data["version"]
        )
        return self._respond(hazard)

    @extend_schema(request=RectificationSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"], url_path="submit-rectification")
    def submit_rectification(self, request, pk=None):
        """整改完成, with evidence attachment ids: the hazard waits for acceptance."""
        hazard = self.get_object()
        data = self._body(RectificationSerializer)
        hazard = services.do_submit_rectification(
            actor=request.user,
            hazard=hazard,
            description=data["description"],
            evidence=data.get("evidence") or [],
            expected_version=data["version"],
        )
        return self._respond(hazard)

    @extend_schema(request=AcceptSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """验收 by someone other than the rectifier; `passed: false` returns it to rectifying with the comment."""
        hazard = self.get_object()
        data = self._body(AcceptSerializer)
        hazard = services.do_accept_hazard(
            actor=request.user,
            hazard=hazard,
            passed=data["passed"],
            comment=data["comment"],
            expected_version=data["version"],
        )
        return self._respond(hazard)

    @extend_schema(request=ExtendSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """延期 before the deadline passes, with the reason and the interim measures."""
        hazard = self.get_object()
        data = self._body(ExtendSerializer)
        hazard = services.do_extend_deadline(
            actor=request.user,
            hazard=hazard,
            new_deadline=data["deadline"],
            reason=data["reason"],
            interim_measures=data["interim_measures"],
            expected_version=data["version"],
        )
        return self._respond(hazard)

    @extend_schema(request=AcceptSerializer, responses={200: HazardSerializer})
    @action(detail=True, methods=["post"], url_path="regulator-verify")
    def regulator_verify(self, request, pk=None):
        """核查 of an unlisted major hazard's rectification by a regulator of its region."""
        hazard = self.get_object()
        data = self._body(AcceptSerializer)
        hazard = services.do_regulator_verify(
            actor=request.user,
            hazard=hazard,
            passed=data["passed"],
            comment=data["comment"],
            expected_version=data["version"],
        )
        return self._respond(hazard)


class ListingViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """挂牌督办 of major hazards: listed by a regulator whose jurisdiction covers the hazard, completion reported by
    the unit, verified and delisted by the regulator; only then does the hazard close."""

    model = Listing
    serializer_class = ListingSerializer
    filterset_class = ListingFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("hazard")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        listing = services.do_list_hazard(
            actor=request.user,
            hazard=data["hazard"],
            level=data["level"],
            deadline=data["deadline"],
            requirements=data.get("requirements", ""),
        )
        return Response(self.get_serializer(listing).data, status=status.HTTP_201_CREATED)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=CompletionSerializer, responses={200: ListingSerializer})
    @action(detail=True, methods=["post"], url_path="report-completion")
    def report_completion(self, request, pk=None):
        """The unit reports the rectification complete, with `description` and `evidence` attachment ids."""
        listing = self.get_object()
        data = self._body(CompletionSerializer)
        listing = services.do_report_completion(
            actor=request.user,
            listing=listing,
            description=data["description"],
            evidence=data.get("evidence") or [],
            expected_version=data.get("version"),
        )
        return Response(self.get_serializer(listing).data)

    @extend_schema(request=VerifySerializer, responses={200: ListingSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """核查 by the regulator: passed, or back to rectifying with the comment."""
        listing = self.get_object()
        data = self._body(VerifySerializer)
        listing = services.do_verify_listing(
            actor=request.user,
            listing=listing,
            passed=data["passed"],
            comment=data["comment"],
            expected_version=data.get("version"),
        )
        return Response(self.get_serializer(listing).data)

    @extend_schema(request=DelistSerializer, responses={200: ListingSerializer})
    @action(detail=True, methods=["post"])
    def delist(self, request, pk=None):
        """摘牌销号: the listing ends and the hazard closes."""
        listing = self.get_object()
        data = self._body(DelistSerializer)
        listing = services.do_delist(actor=request.user, listing=listing, expected_version=data.get("version"))
        return Response(self.get_serializer(listing).data)
