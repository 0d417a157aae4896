from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shuangfang.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_authenticated

        user_logged_in.connect(mark_authenticated, dispatch_uid="accounts.mark_authenticated")
