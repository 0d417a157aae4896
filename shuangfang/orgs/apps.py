from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "shuangfang.orgs"
    label = "orgs"
