import argparse
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.demo import (
    COUNT_LABELS,
    DEFAULT_CHUNK_SIZE,
    DEMO_PASSWORD,
    DEMO_SEED,
    HISTORY_COUNTS,
    DemoError,
    display_width,
    existing_demo_accounts,
    generate_demo,
    organizations_exist,
    pad,
    sizes_for_scale,
)


def _unapplied_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("日期须为 YYYY-MM-DD 格式，而不是“%(value)s”。") % {"value": value})


class Command(BaseCommand):
    help = (
        "Generate the deterministic Shanxi demo province (regulators, units, equipment, inspections, certificates, "
        "users) into an empty database. --scale small (200 units, 2,000 equipment), a multiplier such as 0.1 or "
        "500, or province (150,000 units, 1,000,000 equipment)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small", help="small (default), province, or a multiplier of small")
        parser.add_argument(
            "--today", type=_date, default=None, help="the date the data is relative to (default: the local date)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing, successfully, when organizations already exist"
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"random seed (default {DEMO_SEED})")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="rows per bulk insert")

    def handle(self, *args, scale, today, if_empty, seed, chunk_size, **options):
        try:
            sizes = sizes_for_scale(scale)
        except ValueError as error:
            raise CommandError(str(error))
        if _unapplied_migrations():
            raise CommandError(_("数据库尚未迁移到当前版本：请先运行 shuangfang migrate（make run 会自动运行）。"))
        if organizations_exist():
            if if_empty:
                self.stdout.write(_("数据库中已有单位数据，不生成演示数据。"))
                accounts = existing_demo_accounts()
                if accounts:
                    self._print_accounts(accounts, DEMO_PASSWORD)
                return
            raise CommandError(_("数据库中已有单位数据：演示数据只能生成到空数据库中（加 --if-empty 则跳过）。"))
        today = today or timezone.localdate()
        self.stdout.write(
            _("生成演示数据：使用单位 %(units)s 个，设备 %(equipment)s 台，基准日期 %(today)s，种子 %(seed)s")
            % {"units": f"{sizes.use_units:,}", "equipment": f"{sizes.equipment:,}", "today": today, "seed": seed}
        )
        try:
            result = generate_demo(sizes=sizes, today=today, seed=seed, chunk_size=chunk_size, report=self.stdout.write)
        except DemoError as error:
            raise CommandError(str(error))
        self._print_accounts(result.accounts, result.password)
        self._print_counts(result)

    def _print_table(self, header: list[str], rows: list[list[str]]) -> None:
        widths = [max(display_width(row[column]) for row in [header, *rows]) for column in range(len(header))]
        for row in [header, ["-" * width for width in widths], *rows]:
            self.stdout.write("  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def _print_accounts(self, accounts, password: str) -> None:
        self.stdout.write("")
        self.stdout.write(_("演示账户（密码均为 %(password)s）：") % {"password": password})
        self._print_table(
            [_("用户名"), _("角色"), _("单位"), _("密码")],
            [[account.username, account.role, account.organization, password] for account in accounts],
        )
        if settings.TWO_FACTOR_ROLES:
            self.stdout.write(
                _(
                    "监管部门和平台管理员账户第一次登录时须绑定身份验证器（页面显示二维码和密钥）；"
                    "只作演示时可用 TWO_FACTOR_ROLES= 关闭。"
                )
            )

    def _print_counts(self, result) -> None:
        self.stdout.write("")
        self._print_table(
            [_("数据"), _("数量")],
            [
                [_(label), f"{result.counts[key]:,}"]
                for key, label in COUNT_LABELS.items()
                if key not in HISTORY_COUNTS or result.counts[key]
            ],
        )
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                _("完成：%(rows)s 行，用时 %(seconds).1f 秒，%(rate)s 行/秒。")
                % {"rows": f"{result.rows:,}", "seconds": result.seconds, "rate": f"{result.rows_per_second:,.0f}"}
            )
        )
