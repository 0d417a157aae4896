"""The API's filter backend: django-filter's, made strict where it would otherwise let a bad value through."""

from decimal import Decimal

import django_filters
from django.db import models
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import get_model_field, translate_validation
from rest_framework.exceptions import ValidationError

# The widest integer column of the databases the platform runs on (BIGINT): a number filter beyond it cannot
# match any row, and the database driver refuses to bind it.
LARGEST_ID = 2**63 - 1
TYPED_FILTERS = (
    django_filters.BooleanFilter,
    django_filters.NumberFilter,
    django_filters.DateFilter,
    django_filters.DateTimeFilter,
    django_filters.IsoDateTimeFilter,
)


def _filters_integers(filterset, declared) -> bool:
    """Whether a number filter compares an integer column (an id, a year): the schema then asks for an integer."""
    try:
        field = get_model_field(filterset._meta.model or filterset.queryset.model, declared.field_name)
    except Exception:  # noqa: BLE001 — not a plain model field path
        return False
    return isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey)


def validate_filters(filterset, params) -> None:
    """Refuse (400) every invalid filter, as django-filter refuses most: also a yes/no filter given a value it
    does not know (`?is_active=224`), which django-filter reads as "not given", answering the whole list as if
    the client had asked for it, and a number beyond any id (`?organization=9e48`), which the database driver
    cannot bind (a 500 before)."""
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    errors = {}
    for name, declared in filterset.filters.items():
        raw = params.get(name)
        if raw is None:
            continue
        if raw == "":
            # Empty is "not given" to a text filter, but no yes/no, number or date (`?held_before=`).
            if isinstance(declared, TYPED_FILTERS):
                errors[name] = [_("请填写有效的值。")]
            continue
        if isinstance(declared, django_filters.BooleanFilter):
            known = str(params.get(name)).lower() in ("true", "false", "1", "0")
            if not known or declared.field.widget.value_from_datadict(params, {}, name) is None:
                errors[name] = [_("请填写 true 或 false。")]
        elif isinstance(declared, django_filters.NumberFilter):
            value = filterset.form.cleaned_data.get(name)
            if isinstance(value, int | Decimal) and abs(value) > LARGEST_ID:
                errors[name] = [_("数值超出范围。")]
            elif (
                isinstance(value, Decimal)
                and value != value.to_integral_value()
                and _filters_integers(filterset, declared)
            ):
                errors[name] = [_("请填写整数。")]
    if errors:
        raise ValidationError(errors)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend with `validate_filters`."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            validate_filters(filterset, request.query_params)
        return filterset
