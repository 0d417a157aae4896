"""Regulators' pages under /supervision/ (names "supervision:…")."""

from . import (
    urls_accidents,
    urls_assessment,
    urls_blacklist,
    urls_classes,
    urls_cockpit,
    urls_enforcement,
    urls_evaluation,
    urls_grids,
)

app_name = "supervision"

urlpatterns = (
    urls_cockpit.urlpatterns
    + urls_grids.urlpatterns
    + urls_blacklist.urlpatterns
    + urls_accidents.urlpatterns
    + urls_classes.urlpatterns
    + urls_enforcement.urlpatterns
    + urls_evaluation.urlpatterns
    + urls_assessment.urlpatterns
)
