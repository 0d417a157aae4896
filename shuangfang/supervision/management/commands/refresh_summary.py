import argparse
from datetime import date

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from shuangfang.supervision.summaries import rebuild_summary


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("日期须为 YYYY-MM-DD 格式，而不是“%(value)s”。") % {"value": value})


class Command(BaseCommand):
    help = (
        "Recompute the regulators' cockpit figures (the summary cells) from the records now, as the five-minute job "
        "does; prints how many cells there are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=_date, default=None, help="the date to judge by, YYYY-MM-DD (default: the local date)"
        )

    def handle(self, *args, today=None, **options):
        cells = rebuild_summary(today)
        self.stdout.write(_("监管驾驶舱统计已刷新：%(cells)d 个统计单元。") % {"cells": cells})
