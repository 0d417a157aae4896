from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """The regulators' side: the jurisdiction's figures, grids, the blacklist, accidents and their reverse tracing."""

    name = "shuangfang.supervision"
    label = "supervision"
