from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request):
    """The unread count for the inbox link of every page: one indexed count (user, read_at), made only when a
    template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notification_count": 0}
    return {
        "unread_notification_count": SimpleLazyObject(lambda: Notification.objects.visible_to(user).unread().count())
    }
