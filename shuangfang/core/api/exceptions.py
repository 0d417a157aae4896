"""Turns service errors and model validation errors into the contract's error bodies."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shuangfang.core.access import public
from shuangfang.core.audit import note_denial
from shuangfang.core.services import ServiceError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("冲突。")
    default_code = "conflict"


def validation_error_body(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    response = _response_for(exc, context)
    if response is not None and response.status_code == status.HTTP_403_FORBIDDEN and context.get("request"):
        # The request middleware records the refusal (core/audit.py); this says why.
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        note_denial(context["request"], detail)
    if response is not None and response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response["Retry-After"] = "60"
    return response


def _response_for(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig)):
        # Django's own limits on a request body, met while the view reads it: the API answers them in JSON like
        # any other refused input, not with the site's HTML error page.
        return Response({"detail": str(_("请求内容过多或过大。"))}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


@public
@csrf_exempt  # it changes nothing; without it a POST here would get the CSRF failure page instead of the 404
def not_found(request, *args, **kwargs):
    """A path under the API that names no resource (`/api/v1/attachments/0.5/`): 404 in the API's JSON, not the
    site's HTML page."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=status.HTTP_404_NOT_FOUND)
