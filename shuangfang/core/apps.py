from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shuangfang.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self):
        # Imported for what they register: the deployment checks, the `finds` lookup.
        from . import checks, search  # noqa: F401
