"""Base API views: scope applied in one place, idempotency keys, version-checked updates."""

from django.http import HttpResponse
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException

from shuangfang.core import idempotency


class IdempotentReplay(APIException):
    """Carries a stored response back out through DRF's exception path."""

    def __init__(self, record):
        self.record = record
        super().__init__()


class IdempotencyKeyProblem(APIException):
    def __init__(self, problem: idempotency.IdempotencyProblem):
        self.status_code = problem.status_code
        super().__init__(detail=problem.detail)


# Actions whose answer is never stored under an Idempotency-Key: it holds personal data in the clear.
NEVER_STORED_ACTIONS = frozenset({"unmask"})


class IdempotentMixin:
    """Honours `Idempotency-Key` on POST for the view it is mixed into."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_key = None
        header = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not header or not request.user.is_authenticated:
            return
        if getattr(self, "action", None) in NEVER_STORED_ACTIONS:
            # Reading a personal number changes nothing to replay, and its answer must not be kept in the key store.
            return
        try:
            key = idempotency.parse_key(header)
            if request.content_type.startswith("multipart/"):
                # A multipart body's boundary differs between retries: fingerprint its fields and file digests.
                fields = sorted((name, value) for name, value in request.data.items() if name not in request.FILES)
                files = sorted((name, idempotency.file_digest(f)) for name, f in request.FILES.items())
                body = repr((fields, files)).encode()
            else:
                body = request._request.body
            record = idempotency.claim(request.user, key, idempotency.fingerprint("POST", request.path, body))
        except idempotency.IdempotencyProblem as problem:
            raise IdempotencyKeyProblem(problem) from problem
        if record is not None:
            raise IdempotentReplay(record)
        self._idempotency_key = key

    def handle_exception(self, exc):
        if isinstance(exc, IdempotentReplay):
            record = exc.record
            response = HttpResponse(
                bytes(record.response_body or b""),
                status=record.status_code,
                content_type=record.content_type or "application/json",
            )
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            return super().handle_exception(exc)
        except Exception:
            # An unexpected error never reaches finalize_response: free the key, or every retry
            # would be told "in progress" for a day.
            key = getattr(self, "_idempotency_key", None)
            if key:
                idempotency.release(self.request.user, key)
                self._idempotency_key = None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_idempotency_key", None)
        if key:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            idempotency.complete(
                request.user, key, response.status_code, bytes(response.content), response.get("Content-Type", "")
            )
            self._idempotency_key = None
        return response


class ScopedViewSetMixin(IdempotentMixin):
    """Every queryset is narrowed to what the caller may see before anything else happens, so an
    object outside scope is 404 on every verb."""

    model = None

    def get_queryset(self):
        return self.scoped_queryset(self.model.objects.all())

    def scoped_queryset(self, queryset):
        return queryset.visible_to(self.request.user)


class ScopedModelViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create, read, update through services; no delete (records are never removed by users)."""

    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    created_status = status.HTTP_201_CREATED
