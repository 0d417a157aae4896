"""Roles of the API contract and what each may do.

Use-unit roles follow SAMR Order 74 (主要负责人, 安全总监, 安全员); the three platform
administrator roles are exclusive (三权分立, GB/T 22239-2019 §8.1.5.1–8.1.5.3).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangfang.orgs.choices import OrganizationKind


class Role(models.TextChoices):
    PRINCIPAL = "principal", _("主要负责人")
    SAFETY_DIRECTOR = "safety_director", _("安全总监")
    SAFETY_OFFICER = "safety_officer", _("安全员")
    OPERATOR = "operator", _("作业人员")
    ORG_ADMIN = "org_admin", _("单位管理员")
    REGULATOR_ADMIN = "regulator_admin", _("监管部门管理员")
    REGULATOR_LEADER = "regulator_leader", _("监管部门负责人")
    INSPECTOR = "inspector", _("监察人员")
    AGENCY_INSPECTOR = "agency_inspector", _("检验人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


UNIT_ROLES = frozenset({Role.PRINCIPAL, Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER, Role.OPERATOR, Role.ORG_ADMIN})
REGULATOR_ROLES = frozenset({Role.REGULATOR_ADMIN, Role.REGULATOR_LEADER, Role.INSPECTOR})
AGENCY_ROLES = frozenset({Role.AGENCY_INSPECTOR})
PLATFORM_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Which roles an organization of each kind may give its people.
ROLES_BY_ORGANIZATION_KIND = {
    OrganizationKind.USE_UNIT: UNIT_ROLES,
    OrganizationKind.FILLING_STATION: UNIT_ROLES,
    OrganizationKind.MAINTENANCE_UNIT: UNIT_ROLES,
    OrganizationKind.REGULATOR: REGULATOR_ROLES,
    OrganizationKind.INSPECTION_AGENCY: AGENCY_ROLES | {Role.ORG_ADMIN},
}

UNIT_MANAGERS = frozenset({Role.PRINCIPAL, Role.SAFETY_DIRECTOR, Role.SAFETY_OFFICER, Role.ORG_ADMIN})
REGULATOR_WRITERS = frozenset({Role.REGULATOR_ADMIN, Role.INSPECTOR})


class Action(models.TextChoices):
    """Role permissions.  Scope decides which objects a user sees; these decide what it may do to them."""

    MANAGE_EQUIPMENT = "manage_equipment", _("登记和维护设备")
    RECORD_INSPECTION = "record_inspection", _("录入定期检验")
    MANAGE_RISKS = "manage_risks", _("辨识和评价风险")
    MANAGE_CERTIFICATES = "manage_certificates", _("维护作业人员证")
    UPLOAD_ATTACHMENT = "upload_attachment", _("上传附件")
    CREATE_USE_UNIT = "create_use_unit", _("新建使用单位")
    CREATE_PUBLIC_BODY = "create_public_body", _("新建监管部门和检验机构")
    MANAGE_OWN_ORGANIZATION = "manage_own_organization", _("维护本单位信息")
    MANAGE_USERS = "manage_users", _("管理用户")
    READ_AUDIT = "read_audit", _("查阅全平台审计日志")
    UNLOCK_ACCOUNTS = "unlock_accounts", _("解锁账户")
    MANAGE_SAFETY = "manage_safety", _("维护单位安全管理档案")
    RECORD_READING = "record_reading", _("录入重大危险源监测读数")
    RUN_SPOT_CHECK = "run_spot_check", _("组织抽查考核")


PERMISSIONS: dict[Action, frozenset[str]] = {
    # Regulators do use registration (特种设备安全法 art 33), so they may register equipment too.
    Action.MANAGE_EQUIPMENT: UNIT_MANAGERS | REGULATOR_WRITERS,
    # The agency records its inspection; a unit may enter the report it received.
    Action.RECORD_INSPECTION: AGENCY_ROLES | UNIT_MANAGERS,
    Action.MANAGE_CERTIFICATES: UNIT_MANAGERS,
    # Order 74: the unit's principal, safety director and safety officers identify and grade its risks.
    Action.MANAGE_RISKS: UNIT_MANAGERS,
    Action.UPLOAD_ATTACHMENT: UNIT_MANAGERS | REGULATOR_WRITERS | AGENCY_ROLES | {Role.OPERATOR},
    Action.CREATE_USE_UNIT: REGULATOR_WRITERS,
    Action.CREATE_PUBLIC_BODY: frozenset({Role.SYSTEM_ADMIN}),
    Action.MANAGE_OWN_ORGANIZATION: frozenset({Role.ORG_ADMIN, Role.PRINCIPAL, Role.REGULATOR_ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ORG_ADMIN, Role.REGULATOR_ADMIN, Role.SYSTEM_ADMIN}),
    Action.READ_AUDIT: frozenset({Role.AUDIT_ADMIN}),
    Action.UNLOCK_ACCOUNTS: frozenset({Role.SECURITY_ADMIN}),
    # Order 74 / TSG 08: the unit's principal, safety director and safety officers keep its safety management file.
    Action.MANAGE_SAFETY: UNIT_MANAGERS,
    # Readings come from the people on site and from the unit's monitoring system (through a user's API token).
    Action.RECORD_READING: UNIT_MANAGERS | {Role.OPERATOR},
    # Order 74 art 81/147: the regulator spot-checks the safety directors and officers.
    Action.RUN_SPOT_CHECK: REGULATOR_WRITERS | {Role.REGULATOR_LEADER},
}


def role_label(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return code
