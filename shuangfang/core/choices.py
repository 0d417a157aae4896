from django.db import models
from django.utils.translation import pgettext_lazy


class ExportSubject(models.TextChoices):
    """What a list export carries: the value is the `<what>` of its `export.<what>` event."""

    EQUIPMENT = "equipment", pgettext_lazy("export subject", "设备台账")
    HAZARDS = "hazards", pgettext_lazy("export subject", "隐患清单")
    ORGANIZATIONS = "organizations", pgettext_lazy("export subject", "单位清单")
    RISKS = "risks", pgettext_lazy("export subject", "风险分级管控清单")


class ExportJobState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("export state", "排队中")
    RUNNING = "running", pgettext_lazy("export state", "正在生成")
    DONE = "done", pgettext_lazy("export state", "已完成")
    FAILED = "failed", pgettext_lazy("export state", "失败")

    @property
    def color(self) -> str:
        return {"queued": "grey", "running": "blue", "done": "green", "failed": "red"}[self.value]
