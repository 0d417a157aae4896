"""How a web form hands its values to a service and shows what the service said.

Forms only parse types; the service validates.  So the form accepts exactly what the API accepts,
and the messages a user sees in the browser are the ones an API client gets.
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy

from .services import InvalidTransition, VersionConflict
from .services import PermissionDenied as ServicePermissionDenied

Result = TypeVar("Result")

NON_FIELD_NAMES = ("__all__", "non_field_errors", "version")


def _label(form: forms.Form, name: str) -> str:
    for model in getattr(form, "service_models", ()):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return ""


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Field messages next to their fields; the rest on top, named by the field's label when the form
    does not show that field (a hidden field such as the version shows no errors of its own)."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages in error.message_dict.items():
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        label = "" if shown or name in NON_FIELD_NAMES else _label(form, name)
        for message in messages:
            form.add_error(name if shown else None, f"{label}：{message}" if label else message)


def submit_to_service(form: forms.Form, call: Callable[[], Result]) -> tuple[Result | None, int]:
    """Call the service with a valid form's values.  Returns (result, 200), or (None, status) with the
    service's refusal on the form: 400 for invalid values, 409 for a stale version or an action the
    current state does not allow.  A role the service refuses is Django's 403."""
    try:
        return call(), 200
    except ServicePermissionDenied as denied:
        raise PermissionDenied(denied.message) from denied
    except ValidationError as error:
        add_service_errors(form, error)
        return None, 400
    except (VersionConflict, InvalidTransition) as conflict:
        form.add_error(None, conflict.message)
        return None, 409


def with_empty_choice(choices, empty_label) -> list:
    """A filter's choices with the "no filter" option first."""
    return [("", empty_label), *choices]


def valid_values(form: forms.Form) -> dict:
    """The filters that parsed; one that did not shows its error and is left out."""
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if name not in form.errors}


class FilterForm(forms.Form):
    """A list page's filters: each that parses narrows the list, one that does not is shown with its error."""

    def values(self) -> dict:
        return valid_values(self)


def unit_search_field() -> forms.CharField:
    """A unit named by part of its name or its whole USCC (orgs.models.unit_named)."""
    return forms.CharField(
        label=gettext_lazy("单位"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("单位名称或统一社会信用代码")}),
    )
