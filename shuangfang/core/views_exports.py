"""The page "我的导出" (the user's background exports, newest first) and the download of a built file.

A job and its file are the requester's alone: anyone else — a colleague of the same unit, a regulator above it —
gets "not found", as for a record outside their scope."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .access import login_required
from .attachments import ATTACHMENT_CSP
from .background_exports import stored_path
from .events import record_event
from .models import ExportJob
from .ratelimit import check_export_rate
from .views import list_response, paginate

PAGE_SIZE = 30


@login_required
@require_GET
def my_exports(request):
    jobs = ExportJob.objects.visible_to(request.user)
    context = {
        "page": paginate(request, jobs, PAGE_SIZE),
        "background_rows": settings.EXPORT_BACKGROUND_ROWS,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
    }
    return list_response(request, "core/exports.html", "core/_export_rows.html", context)


@login_required
@require_GET
def export_download(request, pk: int):
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk)
    path = stored_path(job)
    if not job.is_downloadable or path is None or not path.is_file():
        raise Http404
    # Each download takes the whole list out again: counted with the exports and logged.
    check_export_rate(request.user)
    record_event(
        "export.downloaded",
        actor=request.user,
        obj=job,
        organization=job.organization,
        data={"subject": job.subject, "rows": job.rows, "filters": job.filters, "path": request.path},
    )
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=job.filename)  # noqa: SIM115
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    # A list of people and places: not kept in a shared computer's cache.
    response["Cache-Control"] = "no-store"
    return response
