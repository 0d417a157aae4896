from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shuangfang.core.attachments import ATTACHMENT_CSP, do_upload_attachment
from shuangfang.core.models import Attachment, Event

from .schema import file_responses
from .serializers import AttachmentSerializer, EventSerializer
from .viewsets import ScopedViewSetMixin


class AttachmentViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Photos and documents: JPEG, PNG or PDF, decided by the file's content."""

    model = Attachment
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]

    def perform_create(self, serializer):
        serializer.instance = do_upload_attachment(actor=self.request.user, uploaded=serializer.validated_data["file"])

    @extend_schema(responses=file_responses("image/jpeg", "image/png", "application/pdf"))
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        response = FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=f"{attachment.sha256[:16]}{attachment.extension}"
        )
        response["Content-Type"] = attachment.content_type
        response["X-Content-Type-Options"] = "nosniff"
        # Opened directly, an uploaded file runs nothing and reaches nothing of this site (ASVS 5.0 V3.2).
        response["Content-Security-Policy"] = ATTACHMENT_CSP
        return response


@extend_schema_serializer(many=False)  # one keyset page, not a list of them
class EventFeedSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    last_seq = serializers.IntegerField()
    results = EventSerializer(many=True)


@extend_schema(
    parameters=[
        OpenApiParameter("after", int, description=gettext_lazy("只返回序号大于此值的事件 (seq > after)")),
        OpenApiParameter("limit", int, description=gettext_lazy("最多返回条数，默认 500，最大 5000")),
    ]
)
class EventViewSet(viewsets.GenericViewSet):
    """The change feed: events visible to the caller, oldest first, after a sequence number."""

    serializer_class = EventSerializer
    pagination_class = None
    max_limit = 5000

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user).order_by("seq")

    @extend_schema(responses=EventFeedSerializer)
    def list(self, request):
        try:
            after = int(request.query_params.get("after", 0))
            limit = min(int(request.query_params.get("limit", 500)), self.max_limit)
        except ValueError as bad:
            raise serializers.ValidationError({"after": [_("after 和 limit 须为整数。")]}) from bad
        if after < 0 or limit < 1:
            raise serializers.ValidationError({"after": [_("after 不能为负数，limit 至少为 1。")]})
        rows = list(self.get_queryset().filter(seq__gt=after)[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        last_seq = rows[-1].seq if rows else after
        next_url = None
        if has_more:
            next_url = request.build_absolute_uri(f"{request.path}?after={last_seq}&limit={limit}")
        # Keyset pages (seq > after), not numbered pages: a feed of millions of events is read in
        # constant time per page, and a reader resumes from the last seq it stored.
        return Response(
            {"next": next_url, "previous": None, "last_seq": last_seq, "results": EventSerializer(rows, many=True).data}
        )
