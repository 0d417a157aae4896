from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_question_bank(sender, **kwargs):
    from .services import sync_question_bank

    sync_question_bank()


class SafetyConfig(AppConfig):
    """The use unit's safety management (一企一档): organization and appointments, documents, training and exams,
    certified operators, emergency plans and drills, major hazard sources, and the compliance gaps they leave."""

    name = "shuangfang.safety"
    label = "safety"

    def ready(self):
        # The platform's question bank is reference data kept in code (question_bank.py): every migrate brings the
        # table up to date with it, as migrate loads the other reference tables.
        post_migrate.connect(_sync_question_bank, sender=self)
