from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class OrganizationKind(models.TextChoices):
    USE_UNIT = "use_unit", _("使用单位")
    REGULATOR = "regulator", _("监管部门")
    INSPECTION_AGENCY = "inspection_agency", _("检验机构")
    MAINTENANCE_UNIT = "maintenance_unit", _("维保单位")
    FILLING_STATION = "filling_station", _("充装单位")


# Organizations that own and use equipment: they sit in one county-level region.
EQUIPMENT_OWNING_KINDS = {OrganizationKind.USE_UNIT, OrganizationKind.FILLING_STATION}

# Public bodies every signed-in user may see and pick from.
PUBLIC_BODY_KINDS = [OrganizationKind.REGULATOR, OrganizationKind.INSPECTION_AGENCY]
