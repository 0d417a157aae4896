"""Shared pieces of every service: errors the faces translate, and the versioned update."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; faces turn them into HTTP statuses."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class VersionConflict(ServiceError):
    """Someone else changed the object since the caller read it (HTTP 409)."""

    status_code = 409


class InvalidTransition(ServiceError):
    """The action is not allowed in the object's current state (HTTP 409)."""

    status_code = 409


class PermissionDenied(ServiceError):
    """The caller can see the object but its role may not do this (HTTP 403)."""

    status_code = 403


def permitted(check, *args) -> bool:
    """Whether a service's permission check passes: pages ask the service itself, so that they never
    offer what the service would refuse."""
    try:
        check(*args)
    except PermissionDenied:
        return False
    return True


def check_version(obj: models.Model, expected_version: int | None) -> None:
    if expected_version is None:
        raise ValidationError({"version": _("请提供读取时的版本号 version。")})
    if int(expected_version) != obj.version:
        raise VersionConflict(
            _("数据已被他人修改（当前版本 %(current)s，提交的版本 %(submitted)s），请刷新后重试。")
            % {"current": obj.version, "submitted": expected_version}
        )


def lock_for_update(obj: models.Model) -> models.Model:
    """Re-read the row under a row lock (PostgreSQL) or the write lock (SQLite, IMMEDIATE)."""
    return type(obj)._base_manager.select_for_update().get(pk=obj.pk)


def apply_changes(obj: models.Model, changes: dict, validate=None) -> dict:
    """Set the fields, run `validate(obj)` on the result (it may normalise values, and raises to refuse),
    bump the version and save; returns {field: [before, after]} of the real changes.  Call it on a row
    read by lock_for_update inside the service's transaction: a refusal leaves that copy behind."""
    before = {field: getattr(obj, field) for field in changes}
    for field, value in changes.items():
        setattr(obj, field, value)
    if validate is not None:
        validate(obj)
    diff = {field: [before[field], getattr(obj, field)] for field in changes if getattr(obj, field) != before[field]}
    if diff:
        obj.version += 1
        obj.full_clean()
        obj.save(update_fields=[*diff.keys(), "version"])
    return diff


def display_diff(obj: models.Model, diff: dict) -> dict:
    """The diff in plain JSON values (ids for foreign keys), for the event's data."""
    plain = {}
    for field, (before, after) in diff.items():
        plain[field] = [getattr(before, "pk", before), getattr(after, "pk", after)]
    return plain
