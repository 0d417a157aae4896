from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "shuangfang.risks"
    label = "risks"
