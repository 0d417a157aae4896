import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shuangfang.orgs.choices import EQUIPMENT_OWNING_KINDS
from shuangfang.orgs.models import Organization
from shuangfang.safety.compliance import refresh_all, refresh_unit
from shuangfang.safety.models import ComplianceGap


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("日期须为 YYYY-MM-DD 格式，而不是“%(value)s”。") % {"value": value})


class Command(BaseCommand):
    help = (
        "Bring the compliance gaps of one unit (--unit ID) or of every active unit owning equipment up to date with "
        "its data, as the daily job does; prints how many gaps opened and closed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", type=int, default=None, help="the organization id of one unit (default: all)")
        parser.add_argument(
            "--today", type=_date, default=None, help="the date to judge by, YYYY-MM-DD (default: the local date)"
        )

    def handle(self, *args, unit=None, today=None, **options):
        if unit is not None:
            organization = Organization.objects.filter(pk=unit).first()
            if organization is None:
                raise CommandError(_("没有 id 为 %(id)s 的单位。") % {"id": unit})
            if organization.kind not in EQUIPMENT_OWNING_KINDS:
                raise CommandError(
                    _("%(name)s 不是使用特种设备的单位，没有安全管理档案。") % {"name": organization.name}
                )
            counts = {**refresh_unit(organization, today), "units": 1}
            open_gaps = ComplianceGap.objects.filter(organization=organization, closed_at__isnull=True).count()
        else:
            counts = refresh_all(today)
            open_gaps = ComplianceGap.objects.filter(closed_at__isnull=True).count()
        self.stdout.write(
            _("已刷新 %(units)d 个单位：新增缺项 %(opened)d 条，消除 %(closed)d 条，现有未消除缺项 %(open)d 条。")
            % {
                "units": counts.get("units", 0),
                "opened": counts.get("opened", 0),
                "closed": counts.get("closed", 0),
                "open": open_gaps,
            }
        )
