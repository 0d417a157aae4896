import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shuangfang.accounts.models import User
from shuangfang.accounts.roles import PERMISSIONS
from shuangfang.accounts.services import do_create_user, do_issue_api_token, do_update_user
from shuangfang.core import pii
from shuangfang.core.access import public
from shuangfang.core.api.schema import TOO_MANY
from shuangfang.core.api.viewsets import ScopedModelViewSet
from shuangfang.core.scoping import scope_of
from shuangfang.orgs.api.serializers import OrganizationSerializer

from .serializers import (
    MeSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
    UserUnmaskedSerializer,
)


@public
class TokenView(APIView):
    """Exchange a username and password for an API token that expires."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer, 429: TOO_MANY})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, raw = do_issue_api_token(request._request, data["username"], data["password"], data.get("otp", ""))
        return Response({"token": raw, "expires_at": token.expires_at}, status=status.HTTP_200_OK)


class MeView(APIView):
    """The caller's user, organization and effective scope."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        user = request.user
        context = {"request": request}
        scope = scope_of(user)
        return Response(
            {
                "user": UserSerializer(user, context=context).data,
                "organization": OrganizationSerializer(user.organization).data if user.organization else None,
                "scope": {
                    "kind": scope.kind.value,
                    "organization": scope.organization_id,
                    "region_prefix": scope.region_prefix,
                },
                "permissions": [action.value for action, roles in PERMISSIONS.items() if set(user.roles) & roles],
            }
        )


class UserFilterSet(django_filters.FilterSet):
    # A plain id, not a choice among all organizations: an organization the caller may not see must
    # answer like one with no users, not "invalid choice", or the filter would reveal which ids exist.
    organization = django_filters.NumberFilter(field_name="organization_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["organization", "is_active"]


class UserViewSet(ScopedModelViewSet):
    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if not data.get("password"):
            raise ValidationError({"password": _("请设置初始密码。")})
        serializer.instance = do_create_user(
            actor=self.request.user,
            username=data["username"],
            password=data["password"],
            organization=data.get("organization"),
            roles=data["roles"],
            full_name=data.get("full_name", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
        )

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        if "username" in changes and changes["username"] == serializer.instance.username:
            changes.pop("username")
        if "organization" in changes and changes["organization"] == serializer.instance.organization:
            changes.pop("organization")
        if "username" in changes or "organization" in changes:
            raise ValidationError(
                {field: _("该字段不能修改。") for field in ("username", "organization") if field in changes}
            )
        serializer.instance = do_update_user(
            actor=self.request.user, user=serializer.instance, changes=changes, expected_version=version
        )

    @extend_schema(request=None, responses={200: UserUnmaskedSerializer})
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        """The user's phone whole, for the user and whoever manages the account; each request is recorded
        (`pii.unmasked`).  Anyone else: 404."""
        person = self.get_object()
        return Response({"phone": pii.unmask(request.user, person, "phone", request)})
