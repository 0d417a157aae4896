from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "shuangfang.hazards"
    label = "hazards"
