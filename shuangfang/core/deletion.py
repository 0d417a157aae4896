"""Deleting and restoring business records (删除与回收站).

A record entered by mistake can be deleted by whoever may maintain it, and brought back by the same people: deleting
only marks the row (`SoftDeletable`), so its history, its events and everything pointing at it stay, and nothing is
lost to a wrong click (GB/T 22239-2019 §8.1.4.9 数据备份恢复 at level 3; OWASP ASVS 5.0 V2.3 business logic,
V16.3 audit of security-relevant actions).  Every delete names its reason and every delete and restore is one event.

`KINDS` is the one table of what may be deleted: the model, the role permission (accounts.roles.Action) that
deletes and restores it, and the rules that refuse deleting while something still depends on the record.  A rule is
data: a query for the rows that stand in the way and the message the user reads.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shuangfang.accounts.roles import PERMISSIONS, Action

from .events import record_event
from .services import InvalidTransition, PermissionDenied, check_version, lock_for_update

REASON_MAX_LENGTH = 200  # SoftDeletable.deletion_reason


class DeletionRefused(InvalidTransition):
    """Something that must not lose its record still depends on the one to delete (HTTP 409)."""


@dataclass(frozen=True)
class Refusal:
    """While `blockers(record)` holds rows, the action is refused with `message` (`%(count)s`: how many rows,
    `%(first)s`: the first of them)."""

    code: str
    blockers: Callable[[models.Model], QuerySet]
    message: str


# -- what stands in the way --------------------------------------------------------------------------------------------


def _model(label: str):
    return apps.get_model(label)


def _open_listings_of_equipment(equipment) -> QuerySet:
    from shuangfang.hazards.choices import ListingStatus

    return _model("hazards.Listing").objects.filter(hazard__equipment=equipment).exclude(status=ListingStatus.DELISTED)


def _open_hazards_of_equipment(equipment) -> QuerySet:
    return _model("hazards.Hazard").objects.open().filter(equipment=equipment)


def _routine_daily_check():
    """The scheduler's daily check of one device (Order 74 日管控): made again every day, it ends with the device."""
    from shuangfang.hazards.choices import InvestigationKind

    return Q(kind=InvestigationKind.DAILY, plan__isnull=False)


def _open_tasks_of_equipment(equipment) -> QuerySet:
    from shuangfang.hazards.choices import TaskStatus

    return (
        _model("hazards.InvestigationTask")
        .objects.filter(equipment=equipment, status__in=(TaskStatus.PENDING, TaskStatus.OVERDUE))
        .exclude(_routine_daily_check())
    )


def _active_hazard_sources_of_equipment(equipment) -> QuerySet:
    return _model("safety.MajorHazardSource").objects.filter(equipment=equipment, is_active=True)


def _operators_on_equipment(equipment) -> QuerySet:
    return _model("safety.OperatorAssignment").objects.filter(equipment=equipment, ended_on__isnull=True)


def _accidents_of_equipment(equipment) -> QuerySet:
    return _model("supervision.Accident").objects.filter(equipment=equipment)


def _assignments_of_certificate(certificate) -> QuerySet:
    return _model("safety.OperatorAssignment").objects.filter(certificate=certificate, ended_on__isnull=True)


def _open_hazards_of_risk(risk) -> QuerySet:
    """Hazards found by checking the risk's control measures (their check items are "risk-<id>-<n>")."""
    from shuangfang.hazards.choices import ItemSource

    return (
        _model("hazards.Hazard")
        .objects.open()
        .filter(check_result__item_source=ItemSource.RISK, check_result__item_code__startswith=f"risk-{risk.pk}-")
    )


def _accidents_of_risk_equipment(risk) -> QuerySet:
    return _model("supervision.Accident").objects.filter(equipment_id=risk.equipment_id, equipment__isnull=False)


def _deleted_equipment_of_risk(risk) -> QuerySet:
    return _model("equipment.Equipment").all_objects.filter(pk=risk.equipment_id, deleted_at__isnull=False)


# -- what follows a delete or a restore ----------------------------------------------------------------------------


def _equipment_deleted(equipment) -> dict:
    """The device's risks leave the risk list with it (marked with the same time, so that restoring brings back
    exactly these), and its daily checks not yet due are cancelled: the scheduler makes none for a deleted device.
    Overdue checks stay as the record that they were missed."""
    from shuangfang.hazards.choices import TaskStatus
    from shuangfang.risks.models import Risk

    risks = list(Risk.objects.filter(equipment=equipment).values_list("pk", flat=True))
    reason = _("随设备%(code)s删除：%(reason)s") % {"code": equipment.code, "reason": equipment.deletion_reason}
    Risk.all_objects.filter(pk__in=risks).update(
        deleted_at=equipment.deleted_at,
        deleted_by=equipment.deleted_by,
        deletion_reason=reason[:REASON_MAX_LENGTH],
        version=F("version") + 1,
    )
    pending = _model("hazards.InvestigationTask").objects.filter(
        _routine_daily_check(), equipment=equipment, status=TaskStatus.PENDING
    )
    cancelled = [
        {"id": task["pk"], "period_start": task["period_start"], "due_on": task["due_on"]}
        for task in pending.values("pk", "period_start", "due_on")
    ]
    pending.delete()
    return {"risks_deleted": risks, "tasks_cancelled": cancelled}


def _equipment_restored(equipment, deleted_at) -> dict:
    from shuangfang.risks.models import Risk
    from shuangfang.risks.services import refresh_equipment_risk_levels

    risks = Risk.all_objects.filter(equipment=equipment, deleted_at=deleted_at)
    restored = list(risks.values_list("pk", flat=True))
    risks.update(deleted_at=None, deleted_by=None, deletion_reason="", version=F("version") + 1)
    refresh_equipment_risk_levels([equipment.pk])
    return {"risks_restored": restored}


def _risk_changed(risk, *_args) -> dict:
    from shuangfang.risks.services import refresh_equipment_risk_levels

    # The equipment's level is its highest live risk.
    refresh_equipment_risk_levels([risk.equipment_id])
    return {}


# -- the table -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletableKind:
    key: str  # also the prefix of the events: "<key>.deleted", "<key>.restored"
    model_label: str
    label: str
    action: Action
    api_resource: str
    list_url: str
    refusals: tuple[Refusal, ...] = ()
    restore_refusals: tuple[Refusal, ...] = ()
    after_delete: Callable[[models.Model], dict] | None = None
    after_restore: Callable[[models.Model, object], dict] | None = None
    # How the recycle bin names a record (its str() by default).
    describe: Callable[[models.Model], str] = field(default=str)

    @property
    def model(self):
        return _model(self.model_label)


KINDS: tuple[DeletableKind, ...] = (
    DeletableKind(
        key="equipment",
        model_label="equipment.Equipment",
        label=pgettext_lazy("model", "特种设备"),
        action=Action.MANAGE_EQUIPMENT,
        api_resource="equipment",
        list_url="equipment:list",
        refusals=(
            # 挂牌督办: the regulator's listing ends only by its delisting (hazards.workflow).
            Refusal(
                "open_listing",
                _open_listings_of_equipment,
                gettext_lazy("该设备的重大隐患正在挂牌督办，监管部门摘牌后才能删除。"),
            ),
            # SAWS Order 16: a hazard closes only with evidence; deleting the device must not bury it.
            Refusal(
                "open_hazards",
                _open_hazards_of_equipment,
                gettext_lazy("该设备有 %(count)s 条未销号的隐患（如“%(first)s”），隐患销号后才能删除。"),
            ),
            Refusal(
                "open_tasks",
                _open_tasks_of_equipment,
                gettext_lazy("该设备有 %(count)s 项未完成的排查任务（如“%(first)s”），请先完成排查再删除。"),
            ),
            # 安全生产法 art 40: a major hazard source stays watched.
            Refusal(
                "hazard_source",
                _active_hazard_sources_of_equipment,
                gettext_lazy("该设备关联在用的重大危险源“%(first)s”，请先解除关联或停用该危险源再删除。"),
            ),
            # 特种设备安全法 art 14: who operates the device is on record until they leave the post.
            Refusal(
                "operators_on_duty",
                _operators_on_equipment,
                gettext_lazy("该设备还有 %(count)s 名在岗作业人员，请先办理离岗再删除。"),
            ),
            # 《特种设备事故报告和调查处理规定》: the accident's reverse tracing reads the device's file.
            Refusal(
                "accidents",
                _accidents_of_equipment,
                gettext_lazy("该设备有 %(count)s 起事故记录，事故调查和倒查需要保留设备档案，不能删除。"),
            ),
        ),
        after_delete=_equipment_deleted,
        after_restore=_equipment_restored,
    ),
    DeletableKind(
        key="certificate",
        model_label="equipment.OperatorCertificate",
        label=pgettext_lazy("model", "作业人员证"),
        action=Action.MANAGE_CERTIFICATES,
        api_resource="certificates",
        list_url="equipment:certificate-list",
        refusals=(
            Refusal(
                "operators_on_duty",
                _assignments_of_certificate,
                gettext_lazy("持证人正凭此证在 %(count)s 台设备上岗，请先办理离岗再删除。"),
            ),
        ),
    ),
    DeletableKind(
        key="risk",
        model_label="risks.Risk",
        label=pgettext_lazy("model", "安全风险"),
        action=Action.MANAGE_RISKS,
        api_resource="risks",
        list_url="risks:list",
        refusals=(
            Refusal(
                "open_hazards",
                _open_hazards_of_risk,
                gettext_lazy("检查该风险的管控措施发现的 %(count)s 条隐患尚未销号（如“%(first)s”），销号后才能删除。"),
            ),
            # The accident's reverse tracing (supervision.tracing) reads what was identified on the device.
            Refusal(
                "accidents",
                _accidents_of_risk_equipment,
                gettext_lazy("该风险所属设备有 %(count)s 起事故记录，事故倒查需要保留其风险辨识记录，不能删除。"),
            ),
        ),
        restore_refusals=(
            Refusal(
                "equipment_deleted",
                _deleted_equipment_of_risk,
                gettext_lazy("该风险所属的设备“%(first)s”已删除，请先恢复设备，其风险随之恢复。"),
            ),
        ),
        after_delete=_risk_changed,
        after_restore=_risk_changed,
        describe=lambda risk: risk.title,
    ),
    DeletableKind(
        key="training_session",
        model_label="safety.TrainingSession",
        label=pgettext_lazy("model", "培训记录"),
        action=Action.MANAGE_SAFETY,
        api_resource="training-sessions",
        list_url="safety:training",
        describe=lambda session: f"{session.held_on:%Y-%m-%d} {session.topic}",
    ),
    DeletableKind(
        key="drill",
        model_label="safety.Drill",
        label=pgettext_lazy("model", "应急演练"),
        action=Action.MANAGE_SAFETY,
        api_resource="drills",
        list_url="safety:emergency",
    ),
)
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


def kind_named(key: str) -> DeletableKind:
    try:
        return KINDS_BY_KEY[key]
    except KeyError:
        raise Http404(_("没有这类记录。")) from None


def kind_of(record: models.Model) -> DeletableKind:
    label = record._meta.label
    for kind in KINDS:
        if kind.model_label == label:
            return kind
    raise ValueError(f"{label} is not deletable")


def restorer_roles() -> frozenset[str]:
    """The roles that may restore some kind (and so see the recycle bin)."""
    return frozenset().union(*(PERMISSIONS[kind.action] for kind in KINDS))


def kinds_for(user) -> list[DeletableKind]:
    """The kinds the user may delete and restore."""
    return [kind for kind in KINDS if user.may(kind.action)]


# -- reading -------------------------------------------------------------------------------------------------------


def live_record(user, kind: DeletableKind, pk) -> models.Model:
    """A record not deleted, in the user's scope; 404 otherwise."""
    record = kind.model.objects.visible_to(user).filter(pk=pk).first()
    if record is None:
        raise Http404(_("记录不存在。"))
    return record


def deleted_record(user, kind: DeletableKind, pk) -> models.Model:
    """A deleted record in the user's scope; 404 otherwise."""
    record = kind.model.all_objects.visible_to(user).filter(pk=pk, deleted_at__isnull=False).first()
    if record is None:
        raise Http404(_("回收站中没有这条记录。"))
    return record


def deleted_records(user, kind: DeletableKind) -> QuerySet:
    """The deleted records of a kind in the user's scope, the latest first."""
    return (
        kind.model.all_objects.visible_to(user)
        .filter(deleted_at__isnull=False)
        .select_related("deleted_by", "organization")
        .order_by("-deleted_at", "-pk")
    )


def refusal_messages(refusals: tuple[Refusal, ...], record: models.Model) -> list[str]:
    messages = []
    for refusal in refusals:
        blockers = refusal.blockers(record)
        first = blockers.first()
        if first is not None:
            messages.append(str(refusal.message) % {"count": blockers.count(), "first": str(first)[:60]})
    return messages


# -- the services --------------------------------------------------------------------------------------------------


def check_may_delete(actor, kind: DeletableKind) -> None:
    if not actor.may(kind.action):
        raise PermissionDenied(_("您的角色不能删除或恢复%(kind)s。") % {"kind": kind.label})


def _require_in_scope(actor, kind: DeletableKind, record: models.Model) -> None:
    # The faces look records up through the scope already; this keeps a direct caller to the same rule.
    if not kind.model.all_objects.visible_to(actor).filter(pk=record.pk).exists():
        raise Http404(_("记录不存在。"))


def _mark(record: models.Model, *, deleted_at, deleted_by, reason: str) -> list[int]:
    before = record.version
    record.deleted_at, record.deleted_by, record.deletion_reason = deleted_at, deleted_by, reason
    record.version += 1
    record.save(update_fields=["deleted_at", "deleted_by", "deletion_reason", "version"])
    return [before, record.version]


def _refresh_compliance(record: models.Model) -> None:
    # The unit's duties read its equipment, certificates, trainings and drills (safety.compliance).
    from shuangfang.safety.compliance import refresh_after_commit

    refresh_after_commit(record.organization_id)


def do_soft_delete(*, actor, obj: models.Model, reason: str, expected_version: int | None) -> models.Model:
    """Delete a record: it leaves every list, count, export, summary and schedule, and stays restorable."""
    kind = kind_of(obj)
    check_may_delete(actor, kind)
    _require_in_scope(actor, kind, obj)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写删除原因。")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("删除原因不超过 %(max)d 字。") % {"max": REASON_MAX_LENGTH}})
    with transaction.atomic():
        record = lock_for_update(obj)
        if record.is_deleted:
            raise InvalidTransition(_("该记录已删除。"))
        check_version(record, expected_version)
        refused = refusal_messages(kind.refusals, record)
        if refused:
            raise DeletionRefused(" ".join(refused))
        version = _mark(record, deleted_at=timezone.now(), deleted_by=actor, reason=reason)
        data = {"reason": reason, "version": version}
        if kind.after_delete is not None:
            data.update(kind.after_delete(record))
        record_event(f"{kind.key}.deleted", actor=actor, obj=record, data=data)
        _refresh_compliance(record)
    return record


def do_restore(*, actor, obj: models.Model, expected_version: int | None) -> models.Model:
    """Bring a deleted record back as it was."""
    kind = kind_of(obj)
    check_may_delete(actor, kind)
    _require_in_scope(actor, kind, obj)
    with transaction.atomic():
        record = lock_for_update(obj)
        if not record.is_deleted:
            raise InvalidTransition(_("该记录未被删除，无需恢复。"))
        check_version(record, expected_version)
        refused = refusal_messages(kind.restore_refusals, record)
        if refused:
            raise DeletionRefused(" ".join(refused))
        deleted_at, deleted_by_id, reason = record.deleted_at, record.deleted_by_id, record.deletion_reason
        version = _mark(record, deleted_at=None, deleted_by=None, reason="")
        data = {
            "version": version,
            "deleted_at": deleted_at,
            "deleted_by": deleted_by_id,
            "deletion_reason": reason,
        }
        if kind.after_restore is not None:
            data.update(kind.after_restore(record, deleted_at))
        record_event(f"{kind.key}.restored", actor=actor, obj=record, data=data)
        _refresh_compliance(record)
    return record
