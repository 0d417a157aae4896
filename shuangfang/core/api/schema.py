"""The OpenAPI schema: every operation documents the error answers the contract's rules give (docs/api.md,
Rules), so that a client, and the schema fuzzing of `.ci/fuzz`, know every status an operation may answer."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from shuangfang.core.api.viewsets import IdempotentMixin

DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})


def _detail(description: str) -> OpenApiResponse:
    return OpenApiResponse(DETAIL, description=description)


BAD_REQUEST = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Invalid input: `{"field": ["message", …], "non_field_errors": […]}` (or `detail`).',
)
UNAUTHENTICATED = _detail("No credentials, or an unknown, expired or revoked token.")
FORBIDDEN = _detail("The caller sees the object but its role may not do this.")
NOT_FOUND = _detail("No such object in the caller's scope (also for an id given in the body), or no such page.")
CONFLICT = _detail("A stale `version`, a state that does not allow the action, or a repeated idempotency key in use.")
IDEMPOTENCY_MISMATCH = _detail("The `Idempotency-Key` was used before with another body.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_responses(*media_types: str) -> dict:
    """A file download's 200, one entry per media type it may have."""
    return {(200, media_type): OpenApiTypes.BINARY for media_type in media_types}


UNSUPPORTED_MEDIA_TYPE = _detail("The body is not in a media type the operation reads.")
TOO_MANY = _detail("Too many requests (sign-in attempts, a locked account, exports): try again after `Retry-After`.")


BLANK = {"type": "string", "enum": [""]}


def _model_field_may_be_blank(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in field.source or field.source == "*":
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:  # noqa: BLE001 — not a model field (a property, an annotation)
        return False
    return bool(getattr(model_field, "blank", False) and getattr(model_field, "choices", None))


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the contract's error answers added to every operation that does not
    document them itself (429 is documented by the operations that limit their rate)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return dict(sorted(responses.items()))

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Fields a serializer leaves out of some answers (e.g. a question's `answer`, shown to its authors only)
        # are not required there, however required they are on input.
        omitted = getattr(getattr(serializer, "Meta", None), "omitted_from_response", ())
        if direction == "response" and omitted and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in omitted]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "response"
            and isinstance(field, serializers.ChoiceField)
            and field.read_only
            and not field.allow_blank
            and "" not in field.choices
            and _model_field_may_be_blank(field)
        ):
            # A read-only choice of a model field that may be blank answers "" while it is unset (a hazard's
            # `handling` before it is confirmed); DRF drops `allow_blank` from read-only fields, so say it here.
            schema = {"oneOf": [{key: value for key, value in schema.items() if key != "readOnly"}, BLANK]}
            schema["readOnly"] = True
        return schema

    def _get_paginator(self):
        # A viewset pages its `list` only: its other actions answer a plain list (a risk's history, a task's checklist).
        if getattr(self.view, "action", None) not in (None, "list"):
            return None
        return super()._get_paginator()

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        anonymous = all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        errors = {"400": BAD_REQUEST}
        if not anonymous or self.method == "GET":
            errors["404"] = NOT_FOUND
        if self.method in {"POST", "PUT", "PATCH"}:
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        if self.view.authentication_classes:
            # Also on the public operations: a request that sends a bad token is refused, not served anonymously.
            errors["401"] = UNAUTHENTICATED
        if not anonymous:
            errors["403"] = FORBIDDEN
            if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
                errors["409"] = CONFLICT
            if self.method == "POST" and isinstance(self.view, IdempotentMixin):
                errors["422"] = IDEMPOTENCY_MISMATCH
        return errors
