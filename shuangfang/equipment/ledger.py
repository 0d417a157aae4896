# Replaced by the ledger implementation (import, template, export).
TEMPLATE_FILENAME = "设备台账导入模板.xlsx"


def import_ledger(*, actor, uploaded, dry_run):
    raise NotImplementedError


def template_file(*, actor):
    raise NotImplementedError


def export_file(queryset, *, actor):
    raise NotImplementedError


def export_filename():
    raise NotImplementedError
