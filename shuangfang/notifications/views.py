"""The inbox pages: the user's messages newest first, opening one (which marks it read), marking all read, and the
e-mail preference. Each user reads only their own messages: another user's message is "not found"."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from shuangfang.core.forms import submit_to_service
from shuangfang.core.views import list_response, login_required, paginate

from .forms import PreferenceForm
from .models import Notification
from .services import do_mark_all_read, do_mark_read, do_set_email_mode, preference_of

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox(request):
    notifications = Notification.objects.visible_to(request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        notifications = notifications.unread()
    context = {
        "page": paginate(request, notifications, PER_PAGE),
        "only_unread": only_unread,
        "has_unread": Notification.objects.visible_to(request.user).unread().exists(),
    }
    return list_response(request, "notifications/inbox.html", "notifications/_inbox_rows.html", context)


@login_required
@require_POST
def open_notification(request, pk: int):
    """Mark the message read and follow its link (to the inbox when it has none, or a link that is not this site's)."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    do_mark_read(user=request.user, notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = do_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext("已将 %(count)d 条消息标为已读。", "已将 %(count)d 条消息标为已读。", count) % {"count": count},
        )
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    preference = preference_of(request.user)
    form = PreferenceForm(request.POST or None, initial={"email_mode": preference.email_mode})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved, status = submit_to_service(
                form, lambda: do_set_email_mode(user=request.user, email_mode=form.cleaned_data["email_mode"])
            )
            if saved:
                messages.success(request, _("提醒设置已保存。"))
                return redirect("notifications:settings")
    context = {"form": form, "has_email": bool(request.user.email)}
    return render(request, "notifications/settings.html", context, status=status)
