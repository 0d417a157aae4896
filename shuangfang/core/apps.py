from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shuangfang.core"
    label = "core"
    verbose_name = "核心"
