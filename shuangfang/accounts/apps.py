from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shuangfang.accounts"
    label = "accounts"
