"""List exports too large for a request: built by a background job, kept for their requester on "我的导出".

A list page's export view counts its rows and calls `begin_export` as always (rate limit, `export.<what>` event), then
hands over to `deliver_export`: at or below EXPORT_BACKGROUND_ROWS rows the file comes in the response, above it an
ExportJob is queued and the user is sent to their exports page (Checklist B #5).  The job rebuilds the rows from the
stored query string with the requester's scope as it is when the job runs — the same function the view used — writes
the file under VAR_DIR/exports with a server-generated name, and tells the requester in the inbox.  Files are deleted
EXPORT_KEEP_HOURS after they were built; the job stays listed.
"""

import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from shuangfang.notifications.services import notify, platform_language

from .choices import ExportJobState, ExportSubject
from .exports import requested_filters
from .models import ExportJob

logger = logging.getLogger(__name__)

KIND_EXPORT_DONE = "export.done"
KIND_EXPORT_FAILED = "export.failed"
STORED_NAME = re.compile(r"^[0-9]+-[0-9a-f]{32}\.xlsx$")
# A job still queued or running this long after it was asked for was lost with its worker (a restart, a crash).
LOST_AFTER = timedelta(hours=6)


@dataclass(frozen=True)
class ExportDefinition:
    """One list export: how the rows are chosen from (user, query) — the list page's own filters and scope — and how
    they are written (a file object at position 0) and named."""

    subject: ExportSubject
    rows: Callable
    write: Callable
    filename: Callable[[], str]


# Where each subject's definition lives, resolved when a job runs: the list pages import core, not the reverse.
DEFINITIONS = {
    ExportSubject.EQUIPMENT: "shuangfang.equipment.views.EQUIPMENT_EXPORT",
    ExportSubject.HAZARDS: "shuangfang.hazards.views_pages.HAZARD_EXPORT",
    ExportSubject.ORGANIZATIONS: "shuangfang.orgs.views.ORGANIZATION_EXPORT",
    ExportSubject.RISKS: "shuangfang.risks.views.RISK_EXPORT",
}


def definition_of(subject: str) -> ExportDefinition:
    return import_string(DEFINITIONS[ExportSubject(subject)])


def export_directory() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def stored_path(job: ExportJob) -> Path | None:
    """The job's file on disk, or None when it has none (the name is checked, though only the server writes it)."""
    if not STORED_NAME.match(job.stored_name or ""):
        return None
    return export_directory() / job.stored_name


# The request ------------------------------------------------------------------------------------------------------


def deliver_export(request, definition: ExportDefinition, rows, count: int):
    """After `begin_export`: the file in the response, or for more than EXPORT_BACKGROUND_ROWS rows a queued job and
    a redirect to the user's exports."""
    user = request.user
    if count <= settings.EXPORT_BACKGROUND_ROWS:
        return FileResponse(definition.write(rows, user), as_attachment=True, filename=definition.filename())
    job = queue_export(request, definition, count)
    messages.success(
        request,
        _("共 %(rows)d 行，超过 %(limit)d 行的导出在后台生成。生成后会通知您，请在“我的导出”下载%(subject)s。")
        % {"rows": count, "limit": settings.EXPORT_BACKGROUND_ROWS, "subject": job.get_subject_display()},
    )
    return redirect("core:exports")


def queue_export(request, definition: ExportDefinition, count: int) -> ExportJob:
    from .tasks import build_export_file

    user = request.user
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            organization=user.organization,
            subject=definition.subject,
            filters=requested_filters(request),
            query_string=request.GET.urlencode(),
            language=translation.get_language() or "",
            requested_rows=count,
            filename=definition.filename(),
        )
        # Queued once the job's row is committed: a worker must find it.
        transaction.on_commit(partial(build_export_file, job.pk))
    return job


# The background job -----------------------------------------------------------------------------------------------


def run_export_job(job_id: int) -> ExportJob | None:
    """Build the file of a queued job; a job already taken (a duplicate delivery of the task) is left alone."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("user", "user__organization")
            .filter(pk=job_id, state=ExportJobState.QUEUED)
            .first()
        )
        if job is None:
            return None
        if not job.user.is_active:
            with platform_language():
                _fail(job, _("申请导出的账户已停用，导出未执行。"))
            return job
        job.state = ExportJobState.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["state", "started_at"])
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            definition = definition_of(job.subject)
            rows = definition.rows(job.user, QueryDict(job.query_string))
            count = rows.count()
            job.stored_name = _store(job, definition.write(rows, job.user))
    except Exception:
        # The cause goes to the log for the operator; the requester reads what to do.
        logger.exception("export job %s (%s) failed", job.pk, job.subject)
        with platform_language():
            _fail(job, _("生成文件时出错，请稍后重新导出；如仍失败，请联系平台管理员。"))
        return job
    job.state, job.rows, job.finished_at = ExportJobState.DONE, count, timezone.now()
    job.expires_at = job.finished_at + timedelta(hours=settings.EXPORT_KEEP_HOURS)
    with transaction.atomic():
        # Only a job still running is finished: one the clean-up gave up on meanwhile stays failed.
        finished = ExportJob.objects.filter(pk=job.pk, state=ExportJobState.RUNNING).update(
            state=job.state,
            rows=count,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            stored_name=job.stored_name,
        )
        if finished:
            _notify_done(job)
    if not finished:
        stored_path(job).unlink(missing_ok=True)
        job.refresh_from_db()
    return job


def _store(job: ExportJob, output) -> str:
    """Copy the built file under a fresh server-generated name, readable by the server's account only."""
    directory = export_directory()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{job.pk}-{secrets.token_hex(16)}.xlsx"
    partial_path = directory / f".{name}.partial"
    try:
        descriptor = os.open(partial_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with output, os.fdopen(descriptor, "wb") as target:
            output.seek(0)
            shutil.copyfileobj(output, target)
        # Renamed when complete: a download never reads half a file.
        os.replace(partial_path, directory / name)
    except BaseException:
        partial_path.unlink(missing_ok=True)
        raise
    return name


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJobState.FAILED, failure_message=message[:300], finished_at=timezone.now()
    )
    job.state, job.failure_message = ExportJobState.FAILED, message[:300]
    notify(
        [job.user],
        kind=KIND_EXPORT_FAILED,
        key=f"export:{job.pk}",
        title=_("导出失败：%(subject)s") % {"subject": job.get_subject_display()},
        body=message,
        link=reverse("core:exports"),
    )


def _notify_done(job: ExportJob) -> None:
    with platform_language():
        values = {
            "subject": job.get_subject_display(),
            "rows": job.rows,
            "until": timezone.localtime(job.expires_at).strftime("%Y-%m-%d %H:%M"),
        }
        notify(
            [job.user],
            kind=KIND_EXPORT_DONE,
            key=f"export:{job.pk}",
            title=_("导出文件已生成：%(subject)s") % values,
            body=_("%(subject)s共 %(rows)d 行，请在“我的导出”下载，文件保留至 %(until)s。") % values,
            link=reverse("core:exports"),
        )


# Clean-up ---------------------------------------------------------------------------------------------------------


def remove_expired_exports(now=None) -> int:
    """Delete the files whose keep time is over (the jobs stay, shown as expired) and fail the jobs lost with their
    worker; returns how many files were deleted."""
    now = now or timezone.now()
    removed = 0
    expired = ExportJob.objects.filter(
        state=ExportJobState.DONE, expires_at__lte=now, file_deleted_at__isnull=True
    ).order_by("pk")
    for job in expired.iterator():
        path = stored_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
            removed += 1
        ExportJob.objects.filter(pk=job.pk).update(file_deleted_at=now, stored_name="")
    lost = ExportJob.objects.filter(
        state__in=[ExportJobState.QUEUED, ExportJobState.RUNNING], created_at__lte=now - LOST_AFTER
    ).select_related("user")
    with platform_language():
        for job in lost:
            _fail(job, _("导出未能在规定时间内完成，请重新导出。"))
    return removed
