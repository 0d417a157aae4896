import json
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring

from django.db.models import BigIntegerField, Func, TextField
from django.db.models.functions import Cast
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
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
        rows = list(
            self.get_queryset()
            .filter(seq__gt=after)
            .annotate(at_microseconds=EpochMicroseconds("at"), data_text=Cast("data", TextField()))
            .values_list(*FEED_COLUMNS)[: limit + 1]
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        last_seq = rows[-1][0] if rows else after
        next_url = None
        if has_more:
            next_url = request.build_absolute_uri(f"{request.path}?after={last_seq}&limit={limit}")
        # Keyset pages (seq > after), not numbered pages: a feed of millions of events is read in
        # constant time per page, and a reader resumes from the last seq it stored.
        body = feed_page_json(next_url, last_seq, rows)
        if isinstance(request.accepted_renderer, JSONRenderer):
            return HttpResponse(body, content_type="application/json")
        return Response(json.loads(body))  # the browsable page for a person looking at the feed


class EpochMicroseconds(Func):
    """A timestamp as whole microseconds since 1970-01-01 UTC, exact: the feed builds its datetimes from integers
    rather than have each timestamp parsed from text in Python (Django's time-zone-aware loader does that per row)."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC; the fraction is absent when it is zero.  '%%%%s' is
        # strftime's %s once the template and then the SQLite backend have each unescaped a %.
        template = (
            "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s, 21, 6) AS INTEGER))"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


# The columns of EventSerializer's fields, in its order, `data` as the JSON text the database holds.  The feed
# writes its pages itself: model instances, the serializer's per-field machinery and decoding `data` only to encode
# it again cost several times the query on a 5,000-row page.
FEED_COLUMNS = (
    "seq",
    "at_microseconds",
    "type",
    "outcome",
    "actor_name",
    "object_type",
    "object_id",
    "organization_id",
    "region_code",
    "data_text",
)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def feed_page_json(next_url: str | None, last_seq: int, rows: list[tuple]) -> str:
    """One page as JSONRenderer would write {"next", "previous", "last_seq", "results": EventSerializer(…).data}:
    the same keys and values, `at` in the current time zone as rest_framework's DateTimeField writes it."""
    zone = timezone.get_current_timezone()
    text = encode_basestring  # a str as a JSON string literal, non-ASCII kept as JSONRenderer keeps it
    parts = []
    for seq, microseconds, event_type, outcome, actor, object_type, object_id, organization, region, data in rows:
        stamp = (EPOCH + timedelta(microseconds=microseconds)).astimezone(zone).isoformat()
        if stamp.endswith("+00:00"):
            stamp = stamp[:-6] + "Z"
        parts.append(
            f'{{"seq":{seq:d},"at":"{stamp}","type":{text(event_type)},"outcome":{text(outcome)},'
            f'"actor":{text(actor)},"object_type":{text(object_type)},"object_id":{text(object_id)},'
            f'"organization":{"null" if organization is None else f"{organization:d}"},"region":{text(region)},'
            f'"data":{data or "{}"}}}'
        )
    head = f'{{"next":{"null" if next_url is None else text(next_url)},"previous":null,"last_seq":{last_seq:d},'
    body = head + '"results":[' + ",".join(parts) + "]}"
    # As JSONRenderer: these two are valid JSON but end a line in JavaScript.
    return body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
