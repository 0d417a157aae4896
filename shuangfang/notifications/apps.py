from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shuangfang.notifications"
    label = "notifications"
