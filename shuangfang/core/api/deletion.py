"""Deleting and restoring through the API: `DELETE /api/v1/<resource>/{id}/` and `POST …/{id}/restore/` on the
resources of core.deletion.KINDS, and `GET /api/v1/deleted-records/?kind=` for the recycle bin."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from shuangfang.core import deletion

from .serializers import VersionSerializer


class DeletionSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=deletion.REASON_MAX_LENGTH, help_text="删除原因（必填，记入操作记录）")


class SoftDeleteMixin:
    """DELETE marks the record deleted (it stays restorable); `restore` brings a deleted one back.  The kind is the
    viewset's model's row of core.deletion.KINDS."""

    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def _deletable_kind(self) -> deletion.DeletableKind:
        return deletion.kind_of(self.model())

    @extend_schema(
        request=DeletionSerializer,
        parameters=[
            OpenApiParameter("version", int, description="读取时的版本号（也可放在 JSON 请求体中）"),
            OpenApiParameter("reason", str, description="删除原因，必填（也可放在 JSON 请求体中）"),
        ],
        responses={204: None},
        description="Soft delete: the record moves to the recycle bin and can be restored by the same roles. "
        'Send `version` and `reason` in a JSON body `{"version", "reason"}` or as query parameters. A stale version '
        "→ 409; a record something still depends on (an open hazard, a listing, an operator on duty …) → 409 "
        "naming it.",
    )
    def destroy(self, request, *args, **kwargs):
        record = self.get_object()  # first: a record outside scope is 404 whatever the body says
        deletion.check_may_delete(request.user, self._deletable_kind())
        values = request.data if request.data else request.query_params
        body = DeletionSerializer(data={name: values.get(name) for name in ("version", "reason") if name in values})
        body.is_valid(raise_exception=True)
        deletion.do_soft_delete(
            actor=request.user,
            obj=record,
            reason=body.validated_data["reason"],
            expected_version=body.validated_data["version"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VersionSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """恢复已删除的记录 (`{"version"}`: the version of the deleted record, as the recycle bin lists it).  A record
        that is not deleted is the service's 409."""
        kind = self._deletable_kind()
        if not str(pk).isdigit():
            raise Http404
        record = kind.model.all_objects.visible_to(request.user).filter(pk=pk).first()
        if record is None:
            raise Http404
        deletion.check_may_delete(request.user, kind)
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deletion.do_restore(actor=request.user, obj=record, expected_version=body.validated_data["version"])
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)


class DeletedRecordSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    deleted_at = serializers.DateTimeField()
    deleted_by = serializers.CharField(allow_null=True, help_text="删除人的用户名")
    deletion_reason = serializers.CharField()
    version = serializers.IntegerField(help_text="恢复时须提交的版本号")


class DeletedRecordListView(generics.GenericAPIView):
    """The recycle bin (回收站): deleted records of one kind in the caller's scope, the latest first.  Only for the
    roles that may restore that kind (403 otherwise)."""

    serializer_class = DeletedRecordSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                required=True,
                enum=[kind.key for kind in deletion.KINDS],
                description="记录种类",
            )
        ],
        responses={200: DeletedRecordSerializer(many=True)},
    )
    def get(self, request):
        key = request.query_params.get("kind", "")
        kind = deletion.KINDS_BY_KEY.get(key)
        if kind is None:
            raise ValidationError(
                {"kind": [_("请指定记录种类：%(kinds)s。") % {"kinds": "、".join(k.key for k in deletion.KINDS)}]}
            )
        deletion.check_may_delete(request.user, kind)
        page = self.paginate_queryset(deletion.deleted_records(request.user, kind))
        rows = [
            {
                "kind": kind.key,
                "id": record.pk,
                "name": kind.describe(record),
                "organization": record.organization_id,
                "organization_name": record.organization.name,
                "deleted_at": record.deleted_at,
                "deleted_by": record.deleted_by.username if record.deleted_by else None,
                "deletion_reason": record.deletion_reason,
                "version": record.version,
            }
            for record in page
        ]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
