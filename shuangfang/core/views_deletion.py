"""Deleting a record (a confirmation page with the reason) and the recycle bin (回收站) that restores it.

The pages call core.deletion's services; who may do what, and what is refused, is decided there."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from . import deletion
from .access import login_required
from .forms import submit_to_service
from .services import PermissionDenied
from .views import list_response, paginate

PAGE_SIZE = 30


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("删除原因"),
        max_length=deletion.REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        help_text=gettext_lazy("例如：重复登记、录入错误。删除后记录移入回收站，可以恢复。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class RestoreForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


def _require_may(user, kind: deletion.DeletableKind) -> None:
    try:
        deletion.check_may_delete(user, kind)
    except PermissionDenied as denied:
        raise Forbidden(denied.message) from denied


@login_required
@require_http_methods(["GET", "POST"])
def delete_record(request, kind: str, pk: int):
    """The confirmation page: what will be deleted, what stands in the way, the reason; POST deletes."""
    kind = deletion.kind_named(kind)
    record = deletion.live_record(request.user, kind, pk)
    _require_may(request.user, kind)
    form = DeleteForm(request.POST or None, initial={"version": record.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            deleted, status = submit_to_service(
                form,
                lambda: deletion.do_soft_delete(
                    actor=request.user,
                    obj=record,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if deleted:
                messages.success(
                    request,
                    _("已删除%(kind)s“%(name)s”，可在回收站恢复。")
                    % {"kind": kind.label, "name": kind.describe(deleted)},
                )
                return redirect(kind.list_url)
    context = {
        "kind": kind,
        "record": record,
        "name": kind.describe(record),
        "form": form,
        "refusals": deletion.refusal_messages(kind.refusals, record),
        "cancel_url": request.GET.get("next") if _is_local(request.GET.get("next")) else reverse(kind.list_url),
    }
    return render(request, "core/delete_confirm.html", context, status=status)


def _is_local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@login_required
@require_http_methods(["GET"])
def recycle_bin(request):
    """Deleted records of one kind in the user's scope, with who deleted them, when and why."""
    kinds = deletion.kinds_for(request.user)
    if not kinds:
        raise Forbidden(_("您的角色不能恢复已删除的记录。"))
    wanted = request.GET.get("kind", "")
    kind = deletion.KINDS_BY_KEY.get(wanted) if wanted in {k.key for k in kinds} else kinds[0]
    page = paginate(request, deletion.deleted_records(request.user, kind), PAGE_SIZE)
    for record in page.object_list:
        record.display_name = kind.describe(record)
    context = {
        "kinds": [(k, deletion.deleted_records(request.user, k).count()) for k in kinds],
        "kind": kind,
        "page": page,
    }
    return list_response(request, "core/recycle_bin.html", "core/_recycle_bin_rows.html", context)


@login_required
@require_POST
def restore_record(request, kind: str, pk: int):
    kind = deletion.kind_named(kind)
    record = deletion.deleted_record(request.user, kind, pk)
    _require_may(request.user, kind)
    form = RestoreForm(request.POST)
    back = f"{reverse('core:recycle-bin')}?kind={kind.key}"
    if not form.is_valid():
        messages.error(request, _("请求无效，请刷新页面后重试。"))
        return redirect(back)
    restored, _status = submit_to_service(
        form, lambda: deletion.do_restore(actor=request.user, obj=record, expected_version=form.cleaned_data["version"])
    )
    if restored:
        messages.success(
            request, _("已恢复%(kind)s“%(name)s”。") % {"kind": kind.label, "name": kind.describe(restored)}
        )
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
    return redirect(back)
