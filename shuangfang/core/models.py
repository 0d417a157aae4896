from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import ExportJobState, ExportSubject
from .scoping import Scope, ScopeKind, scope_of


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may see."""

    def visible_to(self, user):
        return self.for_scope(scope_of(user))

    def for_scope(self, scope: Scope):
        return self.filter(self.model.scope_q(scope))


class ScopedModel(models.Model):
    """Base of every tenant-owned row: the organization that owns it, its region, its version.

    `version` is the optimistic-concurrency counter of the API contract: an update must name the
    version it read, and a stale one is refused with 409 (see core.services.versioned_update).
    """

    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Rows owned by an organization and located by region_code: the common rule."""
        if scope.kind == ScopeKind.PLATFORM:
            return Q()
        if scope.kind == ScopeKind.REGULATOR:
            return Q(region__code__startswith=scope.region_prefix)
        if scope.kind in (ScopeKind.UNIT, ScopeKind.AGENCY):
            return Q(organization_id=scope.organization_id)
        return Q(pk__in=[])


class SoftDeletable(models.Model):
    """A business record deleted by mistake can be brought back: deleting sets deleted_at, the default
    manager hides the row, `all_objects` still reads it (等保 2.0 §8.1.4.9 备份恢复; ASVS 5.0 V2.3).
    The row, its history and everything pointing at it stay; core.deletion deletes and restores."""

    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deletion_reason = models.CharField(_("删除原因"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class LiveManager(models.Manager):
    """The default manager of a SoftDeletable model: rows not deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class EventQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The audit administrator reads the whole log; the system and security administrators read none
        of it (三权分立); everyone else reads the events of the rows in their scope."""
        scope = scope_of(user)
        if scope.kind == ScopeKind.PLATFORM:
            return self.all() if "audit_admin" in user.roles else self.none()
        if scope.kind == ScopeKind.REGULATOR:
            if len(scope.region_prefix) == self.model._meta.get_field("region_code").max_length:
                # A county's prefix is a whole code: equality lets the change feed walk (region_code, seq) in
                # order instead of filtering the whole log by a LIKE.
                return self.filter(region_code=scope.region_prefix)
            return self.filter(region_code__startswith=scope.region_prefix)
        if scope.kind == ScopeKind.AGENCY:
            # An agency's own records (inspections it recorded) belong to the unit inspected; it sees them
            # as the events its own people caused.
            return self.filter(
                Q(organization_id=scope.organization_id) | Q(actor__organization_id=scope.organization_id)
            )
        if scope.kind == ScopeKind.UNIT:
            return self.filter(organization_id=scope.organization_id)
        return self.none()


class Event(models.Model):
    """事件日志 — the one append-only log: audit trail, change feed and trigger.

    Every service appends exactly one row per state change, in the same transaction.  Each row
    carries an HMAC-SM3 digest of its content (so an edit is detected), and a background job seals
    consecutive ranges into EventSeal rows chained one to the next (so a deletion, insertion or
    reordering is detected) — writers never wait on one another for a chain head.
    等保 2.0 §8.1.4.3 (安全审计), 网络安全法 art 21 (logs kept at least six months).
    """

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    type = models.CharField(_("事件类型"), max_length=64)
    outcome = models.CharField(_("结果"), max_length=16, default="success")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=6, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    digest = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = pgettext_lazy("model", "事件")
        verbose_name_plural = pgettext_lazy("model plural", "事件")
        indexes = [
            models.Index(fields=["organization", "seq"], name="event_org_seq"),
            models.Index(fields=["region_code", "seq"], name="event_region_seq"),
            models.Index(fields=["object_type", "object_id", "seq"], name="event_object_seq"),
            models.Index(fields=["actor", "seq"], name="event_actor_seq"),
            # Failed sign-ins counted per source address (the per-address lockout).
            models.Index(fields=["source_ip", "at"], name="event_source_ip_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"


class EventSeal(models.Model):
    """A sealed range of the event log: the chained digest over (seq, digest) of every row in it.

    `missing` lists the sequence numbers that were absent when the range was sealed (a rolled-back
    transaction leaves a gap in a PostgreSQL sequence), so that a row deleted later is told apart.
    """

    first_seq = models.BigIntegerField(unique=True)
    last_seq = models.BigIntegerField(unique=True)
    count = models.PositiveIntegerField()
    missing = models.JSONField(default=list, blank=True)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"seal {self.first_seq}–{self.last_seq}"


class IdempotencyRecord(models.Model):
    """A POST answered under an Idempotency-Key: a repeat with the same key and body within 24 hours
    gets the same response and creates nothing (API contract, Idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


def attachment_path(instance, filename: str) -> str:
    # Server-generated names only: the uploaded name is kept as data, never as a path.
    return f"attachments/{instance.organization_id}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Attachment(ScopedModel):
    """An uploaded photo or document (JPEG, PNG or PDF): evidence, reports, appointment letters."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, db_column="region_code", related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}

    class Meta:
        ordering = ["-id"]
        verbose_name = pgettext_lazy("model", "附件")
        verbose_name_plural = pgettext_lazy("model plural", "附件")

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A background export is its requester's alone: a colleague of the same unit or a regulator above it asks
        for their own (the file was built with the requester's scope and filters)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)


class ExportJob(models.Model):
    """导出任务 — a list export of more than EXPORT_BACKGROUND_ROWS rows, built by a background job (Checklist B #5:
    exports over 10,000 rows run in the background) and kept for its requester for EXPORT_KEEP_HOURS.

    The request is audited as any export (`export.<what>`, ASVS 5.0 V2.4.1 rate limit, 等保 2.0 §8.1.4.3 安全审计);
    the job keeps the filters as asked and rebuilds the rows with the requester's scope at the time it runs, so a
    right withdrawn in between is not carried out in the file.  Downloading is audited too (`export.downloaded`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("导出内容"), max_length=20, choices=ExportSubject.choices)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    query_string = models.TextField(blank=True)
    # The language of the request: the file's sheet names and labels are those the page would have written.
    language = models.CharField(max_length=16, blank=True)
    requested_rows = models.PositiveIntegerField(_("申请时行数"))
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=ExportJobState.choices, default=ExportJobState.QUEUED)
    failure_message = models.CharField(_("失败原因"), max_length=300, blank=True)
    # Server-generated, never derived from the request: the file's name under VAR_DIR/exports.
    stored_name = models.CharField(max_length=100, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保留至"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model", "导出任务")
        verbose_name_plural = pgettext_lazy("model plural", "导出任务")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="exportjob_user_created"),
            # The hourly clean-up reads the kept files whose time is up.
            models.Index(fields=["state", "expires_at"], name="exportjob_state_expires"),
        ]

    def __str__(self) -> str:
        return f"{ExportSubject(self.subject).label} #{self.pk}"

    @property
    def state_badge(self) -> ExportJobState:
        return ExportJobState(self.state)

    @property
    def is_expired(self) -> bool:
        return self.state == ExportJobState.DONE and (
            self.file_deleted_at is not None or (self.expires_at is not None and self.expires_at <= timezone.now())
        )

    @property
    def is_downloadable(self) -> bool:
        return self.state == ExportJobState.DONE and bool(self.stored_name) and not self.is_expired
