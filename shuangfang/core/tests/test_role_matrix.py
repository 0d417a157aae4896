"""The role × endpoint matrix: what each role gets on every URL of the platform (GB/T 22239-2019 §8.1.4.2;
ASVS 5.0 V8.2).

For every pattern (web pages and API, walked from the root resolver like test_endpoint_policies) the table below
says which status each member of the cast gets on GET, with unit A's objects where a pattern names one.  A meta-test
fails when a pattern has no row, so a new page or route is in the matrix before it ships.  The write half sends
each role's POST/PATCH to the API and requires the refused roles to be refused with nothing changed.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from shuangfang.accounts.models import User
from shuangfang.api_urls import router
from shuangfang.core.access import PUBLIC, declared_access
from shuangfang.core.background_exports import export_directory
from shuangfang.core.models import Event, ExportJob
from shuangfang.core.testing import CastTestCase, make_user, tiny_png
from shuangfang.core.tests.test_endpoint_policies import MISSING_PK, url_patterns
from shuangfang.core.tests.test_scope_matrix import MATRIX, UnitAObjectsMixin
from shuangfang.equipment.models import Equipment, OperatorCertificate, PeriodicInspection
from shuangfang.hazards.models import CheckItem, Hazard
from shuangfang.orgs.models import Organization
from shuangfang.risks.models import Risk, RiskPoint
from shuangfang.supervision.models import Accident, Grid

ANONYMOUS = "anonymous"
# The cast, by attribute of the test case: unit A's people, the regulators above unit A, the agency engaged by it,
# and the three platform administrators.
SIGNED_IN = (
    "principal",
    "safety_director",
    "owner",  # safety_officer
    "member",  # operator
    "unit_admin",  # org_admin
    "province_leader",
    "city_inspector",
    "county_admin",
    "county_inspector",
    "agency_user",
    "system_admin",
    "security_admin",
    "audit_admin",
)
GROUPS = {
    "UNIT_MANAGERS": ("principal", "safety_director", "owner", "unit_admin"),
    "UNIT_A": ("principal", "safety_director", "owner", "unit_admin", "member"),
    "REGULATORS": ("province_leader", "city_inspector", "county_admin", "county_inspector"),
    "REGULATOR_WRITERS": ("city_inspector", "county_admin", "county_inspector"),
    "PLATFORM": ("system_admin", "security_admin", "audit_admin"),
}


def roles_of(spec: str) -> list[str]:
    names = []
    for word in spec.split():
        names += GROUPS.get(word, (word,))
    return names


def expand(row: dict) -> dict[str, int]:
    """{role: status} from a row {status: "roles and GROUPS", …}; "*" stands for every signed-in role not named."""
    expected = {}
    rest = None
    for status, spec in row.items():
        if "*" in spec.split():
            assert rest is None, "two statuses for the rest"
            rest = status
        for role in roles_of(spec.replace("*", "")):
            assert role in SIGNED_IN or role == ANONYMOUS, role
            assert role not in expected, f"{role} twice"
            expected[role] = status
    if rest is not None:
        for role in SIGNED_IN:
            expected.setdefault(role, rest)
    return expected


# Which of the fixture's objects a pattern's parameter names: an attribute (its pk), an (attribute, field) pair,
# or a plain value.  A parameter not named here gets an id that does not exist.
WEB_TARGETS = {
    "accounts:user-detail": {"pk": "member"},
    "orgs:detail": {"pk": "unit_a"},
    "orgs:edit": {"pk": "unit_a"},
    "equipment:certificate-edit": {"pk": "certificate_a"},
    "equipment:detail": {"pk": "equipment_a"},
    "equipment:edit": {"pk": "equipment_a"},
    "equipment:inspection-create": {"pk": "equipment_a"},
    "equipment:status": {"pk": "equipment_a", "action": ("suspend",)},
    "risks:detail": {"pk": "risk_a"},
    "risks:edit": {"pk": "risk_a"},
    "risks:reassess": {"pk": "risk_a"},
    "risks:retire": {"pk": "risk_a"},
    "risks:card-equipment": {"pk": "equipment_a"},
    "risks:card-point": {"pk": "site_point_a"},
    "risks:map-plan": {"pk": "site_plan_a"},
    "risks:map-image": {"pk": "site_plan_a"},
    "risks:map-place": {"pk": "site_plan_a", "point_pk": "site_point_a"},
    "hazards:detail": {"pk": "hazard_a"},
    "hazards:confirm": {"pk": "hazard_a"},
    "hazards:reject": {"pk": "hazard_a"},
    "hazards:rectify": {"pk": "hazard_a"},
    "hazards:accept": {"pk": "hazard_a"},
    "hazards:extend": {"pk": "hazard_a"},
    "hazards:verify": {"pk": "hazard_a"},
    "hazards:equipment-hazards": {"pk": "equipment_a"},
    "hazards:task": {"pk": "task_a"},
    "hazards:scan": {"token": ("equipment_a", "public_token")},
    "hazards:plan-edit": {"pk": "plan_a"},
    "hazards:check-item-edit": {"pk": "check_item_a"},
    "hazards:list-hazard": {"pk": "major_hazard_a"},
    "hazards:listing": {"pk": "listing_a"},
    "hazards:listing-report-completion": {"pk": "listing_a"},
    "hazards:listing-verify": {"pk": "listing_a"},
    "hazards:listing-delist": {"pk": "listing_a"},
    "notifications:open": {"pk": "notification_a"},
    "core:export-download": {"pk": "export_job_a"},
    "safety:unit-file": {"pk": "unit_a"},
    "safety:unit-file-export": {"pk": "unit_a"},
    "safety:appointment-end": {"pk": "appointment_a"},
    "safety:person-training": {"user_id": "member"},
    "safety:operator-end": {"pk": "operator_assignment_a"},
    "safety:hazard-source": {"pk": "hazard_source_a"},
    "safety:point-new": {"source_pk": "hazard_source_a"},
    "safety:reading-new": {"point_pk": "monitoring_point_a"},
    "safety:exam": {"pk": "exam_a"},
    "safety:exam-export": {"pk": "exam_a"},
    "safety:exam-take": {"attempt_pk": "attempt_a"},
    "supervision:grid-detail": {"pk": "grid_a"},
    "supervision:grid-edit": {"pk": "grid_a"},
    "supervision:blacklist-entry": {"pk": "blacklist_entry_a"},
    "supervision:blacklist-lift": {"pk": "blacklist_entry_a"},
    "supervision:accident": {"pk": "accident_a"},
    "supervision:accident-export": {"pk": "accident_a"},
    "supervision:random-plan": {"pk": "random_plan_a"},
    "supervision:random-plan-publish": {"pk": "random_plan_a"},
    "supervision:enforcement-order-comply": {"pk": "enforcement_order_a"},
    "supervision:enforcement-inspection": {"pk": "enforcement_inspection_a"},
    "supervision:evaluation": {"pk": "evaluation_a"},
    "supervision:demonstration": {"pk": "demonstration_a"},
    "supervision:demonstration-revoke": {"pk": "demonstration_a"},
    "supervision:assessment": {"pk": "assessment_a"},
    "public:equipment": {"token": ("equipment_a", "public_token")},
    "public:report": {"token": ("equipment_a", "public_token")},
    "public:report-done": {"token": ("equipment_a", "public_token")},
    "public:random-plan": {"pk": "random_plan_a"},
    "api-unit-file": {"organization_id": "unit_a"},
    # Reference data: a real code of each table.
    "region-detail": {"pk": ("140525",)},
    "catalog-detail": {"pk": ("3110",)},
    "industry-detail": {"pk": ("C",)},
    "certificate-item-detail": {"pk": ("N1",)},
    "risk-template-detail": {"pk": ("BLR-SAFETY-VALVE",)},
}


def api_targets() -> dict:
    """Each router registration's detail routes name unit A's first object of the scope matrix."""
    targets = {}
    for prefix, viewset, basename in router.registry:
        objects = MATRIX[prefix].unit_a_objects
        if not objects:
            continue
        names = [f"{basename}-detail"]
        names += [f"{basename}-{action.url_name}" for action in viewset.get_extra_actions() if action.detail]
        for name in names:
            targets[name] = {"pk": objects[0]}
    return targets


TARGETS = {**api_targets(), **WEB_TARGETS}


def matrix_patterns():
    """One pattern per key: the API's format-suffix twins (`.json`) are the same view as the pattern they repeat."""
    seen = {}
    for pattern in url_patterns():
        seen.setdefault(pattern.key, pattern)
    return seen


# ----------------------------------------------------------------------------------------------------------------
# GET: the expected status of each signed-in role on each pattern ("*": every role not named).  An anonymous
# caller gets the login page (web) or 401 (API) on all but the public patterns, whose row names it.
# ----------------------------------------------------------------------------------------------------------------

GET_EXPECTED: dict[str, dict] = {
    "accident-detail": {404: "agency_user", 200: "*"},
    "accident-list": {200: "*"},
    "accident-tracing": {404: "agency_user", 200: "*"},
    "accounts:login": {200: "anonymous", 302: "*"},
    "accounts:logout": {405: "anonymous *"},
    "accounts:password-change": {200: "*"},
    # Unlocking accounts and resetting authenticators: the security administrator alone.
    "accounts:security-admin": {200: "security_admin", 403: "*"},
    "accounts:security-mine": {200: "*"},
    "accounts:two-factor": {302: "*"},
    "accounts:two-factor-enrol": {200: "*"},
    "accounts:user-create": {200: "unit_admin county_admin system_admin", 403: "*"},
    "accounts:user-detail": {200: "unit_admin county_admin system_admin security_admin", 403: "*"},
    "accounts:user-list": {200: "unit_admin county_admin system_admin security_admin", 403: "*"},
    "api-deleted-records": {400: "*"},
    "api-docs": {302: "anonymous", 200: "*"},
    "api-me": {200: "*"},
    "api-not-found": {404: "anonymous *"},
    "api-public-blacklist": {200: "anonymous *"},
    "api-public-demonstration-enterprises": {200: "anonymous *"},
    "api-public-orders": {200: "anonymous *"},
    "api-risk-methods": {200: "*"},
    "api-root": {200: "*"},
    "api-schema": {401: "anonymous", 200: "*"},
    "api-supervision-summary": {200: "REGULATORS", 404: "*"},
    "api-token": {405: "anonymous *"},
    "api-unit-file": {404: "agency_user", 200: "*"},
    "appointment-detail": {404: "agency_user", 200: "*"},
    "appointment-end": {405: "*"},
    "appointment-list": {200: "*"},
    "attachment-detail": {404: "agency_user", 200: "*"},
    "attachment-download": {404: "agency_user", 200: "*"},
    "attachment-list": {405: "*"},
    "blacklist-detail": {404: "agency_user", 200: "*"},
    "blacklist-lift": {405: "*"},
    "blacklist-list": {200: "*"},
    "catalog-detail": {200: "*"},
    "catalog-list": {200: "*"},
    "certificate-detail": {404: "agency_user", 200: "*"},
    "certificate-item-detail": {200: "*"},
    "certificate-item-list": {200: "*"},
    "certificate-list": {200: "*"},
    "certificate-restore": {405: "*"},
    "certificate-unmask": {405: "*"},
    "check-item-detail": {404: "agency_user", 200: "*"},
    "check-item-library": {200: "*"},
    "check-item-list": {200: "*"},
    "compliance-gap-detail": {404: "agency_user", 200: "*"},
    "compliance-gap-list": {200: "*"},
    "compliance-gap-summary": {200: "*"},
    # The event log: the audit administrator and the readers of their own organization or region; never the system
    # or security administrator (三权分立).
    "core:audit": {200: "principal unit_admin province_leader county_admin audit_admin", 403: "*"},
    "core:delete-record": {404: "*"},
    # A background export's file is its requester's alone (the owner asked for this one).
    "core:export-download": {200: "owner", 404: "*"},
    "core:exports": {200: "*"},
    "core:recycle-bin": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "core:restore-record": {405: "*"},
    "core:unmask": {405: "*"},
    "demonstration-enterprise-detail": {404: "agency_user", 200: "*"},
    "demonstration-enterprise-list": {200: "*"},
    "demonstration-enterprise-revoke": {405: "*"},
    "drill-detail": {404: "agency_user", 200: "*"},
    "drill-list": {200: "*"},
    "drill-restore": {405: "*"},
    "emergency-plan-detail": {404: "agency_user", 200: "*"},
    "emergency-plan-list": {200: "*"},
    "enforcement-inspection-checklist": {200: "*"},
    "enforcement-inspection-detail": {404: "agency_user", 200: "*"},
    "enforcement-inspection-list": {200: "*"},
    "enforcement-order-comply": {405: "*"},
    "enforcement-order-detail": {404: "agency_user", 200: "*"},
    "enforcement-order-list": {200: "*"},
    "equipment-detail": {200: "*"},
    "equipment-export": {200: "*"},
    "equipment-import-ledger": {405: "*"},
    "equipment-import-template": {200: "*"},
    "equipment-list": {200: "*"},
    "equipment-restore": {405: "*"},
    "equipment-resume": {405: "*"},
    "equipment-scrap": {405: "*"},
    "equipment-suspend": {405: "*"},
    "equipment:certificate-create": {200: "UNIT_MANAGERS", 403: "*"},
    "equipment:certificate-edit": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "equipment:certificate-list": {200: "*"},
    "equipment:create": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "equipment:detail": {200: "*"},
    "equipment:edit": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "equipment:export": {200: "*"},
    "equipment:import": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "equipment:import-errors": {404: "*"},
    "equipment:import-template": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "equipment:inspection-create": {200: "UNIT_MANAGERS agency_user", 403: "*"},
    "equipment:inspection-list": {200: "*"},
    "equipment:labels": {200: "*"},
    "equipment:list": {200: "*"},
    "equipment:status": {405: "*"},
    "evaluation-detail": {404: "agency_user", 200: "*"},
    "evaluation-list": {200: "*"},
    "evaluation-table": {200: "*"},
    # The change feed answers everyone, each with their scope (the system and security administrators: nothing).
    "event-list": {200: "*"},
    "exam-attempt-detail": {404: "agency_user", 200: "*"},
    "exam-attempt-list": {200: "*"},
    "exam-attempt-submit": {405: "*"},
    "exam-detail": {404: "agency_user", 200: "*"},
    "exam-list": {200: "*"},
    "exam-results": {404: "agency_user", 200: "*"},
    "favicon.ico": {301: "anonymous *"},
    "grid-detail": {404: "UNIT_A agency_user", 200: "*"},
    "grid-list": {200: "*"},
    "hazard-accept": {405: "*"},
    "hazard-confirm": {405: "*"},
    "hazard-detail": {404: "agency_user", 200: "*"},
    "hazard-extend": {405: "*"},
    "hazard-list": {200: "*"},
    "hazard-regulator-verify": {405: "*"},
    "hazard-reject": {405: "*"},
    "hazard-source-detail": {404: "agency_user", 200: "*"},
    "hazard-source-list": {200: "*"},
    "hazard-submit-rectification": {405: "*"},
    "hazards:accept": {405: "*"},
    "hazards:board": {200: "*"},
    "hazards:board-export": {200: "*"},
    "hazards:check-item-create": {200: "UNIT_MANAGERS", 403: "*"},
    "hazards:check-item-edit": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "hazards:checklist": {200: "*"},
    "hazards:confirm": {405: "*"},
    "hazards:detail": {404: "agency_user", 200: "*"},
    "hazards:equipment-hazards": {200: "*"},
    "hazards:extend": {405: "*"},
    "hazards:finding-create": {200: "REGULATOR_WRITERS", 403: "*"},
    "hazards:inbox": {200: "REGULATORS", 403: "*"},
    "hazards:list-hazard": {200: "REGULATOR_WRITERS", 403: "*"},
    "hazards:listing": {404: "agency_user", 200: "*"},
    "hazards:listing-delist": {405: "*"},
    "hazards:listing-report-completion": {405: "*"},
    "hazards:listing-verify": {405: "*"},
    "hazards:listings": {200: "*"},
    "hazards:major-hazards": {200: "REGULATORS", 403: "*"},
    "hazards:plan-create": {200: "UNIT_MANAGERS", 403: "*"},
    "hazards:plan-edit": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "hazards:plans": {200: "*"},
    "hazards:record-daily": {403: "PLATFORM agency_user", 200: "*"},
    "hazards:record-monthly": {403: "PLATFORM agency_user", 200: "*"},
    "hazards:record-weekly": {403: "PLATFORM agency_user", 200: "*"},
    "hazards:rectify": {405: "*"},
    "hazards:reject": {405: "*"},
    "hazards:report": {200: "UNIT_A", 403: "*"},
    "hazards:report-clauses": {200: "*"},
    "hazards:scan": {200: "*"},
    "hazards:task": {404: "agency_user", 200: "*"},
    "hazards:tasks": {200: "*"},
    "hazards:verify": {405: "*"},
    "home": {200: "*"},
    "industry-detail": {200: "*"},
    "industry-list": {200: "*"},
    "investigation-plan-detail": {404: "agency_user", 200: "*"},
    "investigation-plan-list": {200: "*"},
    "investigation-task-checklist": {404: "agency_user", 200: "*"},
    "investigation-task-detail": {404: "agency_user", 200: "*"},
    "investigation-task-execute": {405: "*"},
    "investigation-task-list": {200: "*"},
    "licence-detail": {404: "agency_user", 200: "*"},
    "licence-list": {200: "*"},
    "listing-delist": {405: "*"},
    "listing-detail": {404: "agency_user", 200: "*"},
    "listing-list": {200: "*"},
    "listing-report-completion": {405: "*"},
    "listing-verify": {405: "*"},
    "monitoring-point-detail": {404: "agency_user", 200: "*"},
    "monitoring-point-list": {200: "*"},
    # The owner's own message.
    "notification-detail": {200: "owner", 404: "*"},
    "notification-list": {200: "*"},
    "notification-read": {405: "*"},
    "notification-read-all": {405: "*"},
    "notifications:inbox": {200: "*"},
    "notifications:open": {405: "*"},
    "notifications:read-all": {405: "*"},
    "notifications:settings": {200: "*"},
    "operator-assignment-detail": {404: "agency_user", 200: "*"},
    "operator-assignment-end": {405: "*"},
    "operator-assignment-list": {200: "*"},
    "organization-detail": {200: "*"},
    "organization-list": {200: "*"},
    "orgs:create": {200: "REGULATOR_WRITERS system_admin", 403: "*"},
    "orgs:detail": {200: "*"},
    "orgs:edit": {200: "REGULATOR_WRITERS principal unit_admin system_admin", 403: "*"},
    "orgs:export": {200: "*"},
    "orgs:list": {200: "*"},
    "orgs:mine": {200: "*"},
    "periodic-inspection-detail": {200: "*"},
    "periodic-inspection-list": {200: "*"},
    "public:blacklist": {200: "anonymous *"},
    "public:demonstration": {200: "anonymous *"},
    "public:equipment": {200: "anonymous *"},
    "public:orders": {200: "anonymous *"},
    "public:random-plan": {404: "anonymous *"},
    "public:random-plans": {200: "anonymous *"},
    "public:report": {200: "anonymous *"},
    "public:report-done": {200: "anonymous *"},
    "question-detail": {404: "agency_user", 200: "*"},
    "question-list": {200: "*"},
    "random-plan-detail": {404: "UNIT_A agency_user", 200: "*"},
    "random-plan-list": {200: "*"},
    "random-plan-publish": {405: "*"},
    "reading-detail": {404: "agency_user", 200: "*"},
    "reading-list": {200: "*"},
    "region-detail": {200: "*"},
    "region-list": {200: "*"},
    "regional-assessment-detail": {404: "UNIT_A agency_user", 200: "*"},
    "regional-assessment-list": {200: "*"},
    "regional-assessment-run": {405: "*"},
    "risk-detail": {404: "agency_user", 200: "*"},
    "risk-export": {200: "*"},
    "risk-history": {404: "agency_user", 200: "*"},
    "risk-list": {200: "*"},
    "risk-point-detail": {404: "agency_user", 200: "*"},
    "risk-point-list": {200: "*"},
    "risk-point-place": {405: "*"},
    "risk-restore": {405: "*"},
    "risk-retire": {405: "*"},
    "risk-summary": {200: "*"},
    "risk-template-apply": {405: "*"},
    "risk-template-detail": {200: "*"},
    "risk-template-list": {200: "*"},
    "risks:apply-templates": {200: "UNIT_MANAGERS", 403: "*"},
    "risks:card-equipment": {200: "*"},
    "risks:card-point": {404: "agency_user", 200: "*"},
    "risks:cards": {200: "UNIT_A", 404: "*"},
    "risks:create": {200: "UNIT_MANAGERS", 403: "*"},
    "risks:detail": {404: "agency_user", 200: "*"},
    "risks:edit": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "risks:export": {200: "*"},
    "risks:list": {200: "*"},
    "risks:map": {200: "*"},
    "risks:map-image": {404: "agency_user", 200: "*"},
    "risks:map-place": {405: "*"},
    "risks:map-plan": {404: "agency_user", 200: "*"},
    "risks:overview": {403: "PLATFORM agency_user", 200: "*"},
    "risks:points": {200: "*"},
    "risks:reassess": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "risks:retire": {405: "*"},
    "risks:templates": {200: "*"},
    "safety-document-detail": {404: "agency_user", 200: "*"},
    "safety-document-list": {200: "*"},
    "safety-profile-detail": {404: "agency_user", 200: "*"},
    "safety-profile-list": {200: "*"},
    "safety-profile-mine": {200: "UNIT_A", 404: "*"},
    "safety:appointment-end": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "safety:appointment-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:appointments": {200: "UNIT_A", 404: "*"},
    "safety:document-upload": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:documents": {200: "UNIT_A", 404: "*"},
    "safety:drill-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:emergency": {200: "UNIT_A", 404: "*"},
    "safety:emergency-plan-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:exam": {404: "agency_user", 200: "*"},
    "safety:exam-export": {403: "member", 404: "agency_user", 200: "*"},
    "safety:exam-new": {403: "PLATFORM member agency_user", 200: "*"},
    "safety:exam-take": {200: "member", 404: "*"},
    "safety:exams": {200: "*"},
    "safety:file": {302: "REGULATORS", 404: "PLATFORM agency_user", 200: "*"},
    "safety:gaps": {200: "REGULATORS", 404: "PLATFORM agency_user", 302: "*"},
    "safety:hazard-source": {200: "UNIT_A", 404: "*"},
    "safety:hazard-source-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:hazard-sources": {200: "UNIT_A", 404: "*"},
    "safety:licence-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:operator-assign": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:operator-end": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:operators": {200: "UNIT_A", 404: "*"},
    "safety:person-training": {200: "UNIT_A", 404: "*"},
    "safety:point-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:profile": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:question-new": {200: "UNIT_MANAGERS", 403: "*"},
    "safety:questions": {403: "member agency_user", 200: "*"},
    "safety:reading-new": {200: "UNIT_A", 404: "*"},
    "safety:simple-home": {200: "UNIT_A", 404: "*"},
    "safety:simple-start": {200: "UNIT_A", 404: "*"},
    "safety:training": {200: "UNIT_A", 404: "*"},
    "safety:training-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:training-plan-new": {200: "UNIT_MANAGERS", 403: "member", 404: "*"},
    "safety:unit-file": {404: "PLATFORM agency_user", 200: "*"},
    "safety:unit-file-export": {404: "PLATFORM agency_user", 200: "*"},
    "set_language": {302: "anonymous *"},
    "site-plan-detail": {404: "agency_user", 200: "*"},
    "site-plan-list": {200: "*"},
    "supervision:accident": {403: "agency_user", 200: "*"},
    "supervision:accident-create": {200: "REGULATOR_WRITERS", 403: "*"},
    "supervision:accident-export": {403: "agency_user", 200: "*"},
    "supervision:accidents": {403: "agency_user", 200: "*"},
    "supervision:assessment": {403: "UNIT_A agency_user", 200: "*"},
    "supervision:assessment-run": {405: "*"},
    "supervision:assessments": {403: "UNIT_A agency_user", 200: "*"},
    "supervision:assessments-export": {403: "UNIT_A agency_user", 200: "*"},
    "supervision:blacklist": {200: "REGULATORS", 403: "*"},
    "supervision:blacklist-candidates": {200: "REGULATORS", 403: "*"},
    "supervision:blacklist-create": {200: "REGULATOR_WRITERS", 403: "*"},
    "supervision:blacklist-entry": {404: "agency_user", 200: "*"},
    "supervision:blacklist-lift": {405: "*"},
    "supervision:classes": {200: "REGULATORS", 403: "*"},
    "supervision:classes-recompute": {405: "*"},
    "supervision:cockpit": {200: "REGULATORS", 404: "*"},
    "supervision:demonstration": {404: "agency_user", 200: "*"},
    "supervision:demonstration-create": {200: "city_inspector", 403: "*"},
    "supervision:demonstration-revoke": {405: "*"},
    "supervision:demonstrations": {200: "REGULATORS", 403: "*"},
    "supervision:enforcement": {403: "agency_user", 200: "*"},
    "supervision:enforcement-create": {200: "REGULATOR_WRITERS", 403: "*"},
    "supervision:enforcement-inspection": {403: "agency_user", 200: "*"},
    "supervision:enforcement-order-comply": {405: "*"},
    "supervision:enforcement-orders": {403: "agency_user", 200: "*"},
    "supervision:evaluation": {404: "agency_user", 200: "*"},
    "supervision:evaluation-create": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "supervision:evaluations": {200: "*"},
    "supervision:grid-detail": {200: "REGULATORS", 404: "*"},
    "supervision:grid-edit": {200: "county_admin", 403: "province_leader city_inspector county_inspector", 404: "*"},
    "supervision:grid-new": {200: "county_admin", 403: "province_leader city_inspector county_inspector", 404: "*"},
    "supervision:grids": {200: "REGULATORS", 404: "*"},
    "supervision:random-plan": {200: "REGULATORS", 403: "*"},
    "supervision:random-plan-create": {200: "REGULATOR_WRITERS", 403: "*"},
    "supervision:random-plan-publish": {405: "*"},
    "supervision:random-plans": {200: "REGULATORS", 403: "*"},
    "training-plan-detail": {404: "agency_user", 200: "*"},
    "training-plan-list": {200: "*"},
    "training-session-detail": {404: "agency_user", 200: "*"},
    "training-session-list": {200: "*"},
    "training-session-restore": {405: "*"},
    "unit-class-detail": {404: "agency_user", 200: "*"},
    "unit-class-list": {200: "*"},
    "user-detail": {404: "agency_user", 200: "*"},
    "user-list": {200: "*"},
    "user-unmask": {405: "*"},
}


@override_settings(EXPORT_RATE_PER_MINUTE=1_000_000)
class RoleMatrixTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.safety_director = make_user("safety_director", cls.unit_a, "safety_director")
        finished = timezone.now()
        cls.export_job_a = ExportJob.objects.create(
            user=cls.owner,
            organization=cls.unit_a,
            subject="equipment",
            requested_rows=1,
            rows=1,
            state="done",
            stored_name="1-" + "0" * 32 + ".xlsx",
            filename="设备台账.xlsx",
            finished_at=finished,
            expires_at=finished + timedelta(days=1),
        )

    def setUp(self):
        # The background export's file, in this test's own VAR_DIR: its download is one of the endpoints.
        var_dir = self.enterContext(tempfile.TemporaryDirectory())
        self.enterContext(override_settings(VAR_DIR=Path(var_dir)))
        export_directory().mkdir()
        (export_directory() / self.export_job_a.stored_name).write_bytes(b"PK\x03\x04")
        # The attachment's file, in this test's media directory: its download is one of the endpoints.
        storage = self.attachment_a.file.storage
        os.makedirs(os.path.dirname(storage.path(self.attachment_a.file.name)), exist_ok=True)
        with open(storage.path(self.attachment_a.file.name), "wb") as out:
            out.write(tiny_png())

    def value_for(self, key, name, kind):
        target = TARGETS.get(key, {}).get(name)
        if target is None:
            if name == "format" or kind == "drf_format_suffix":
                return "json" if kind.startswith("regex") else ".json"
            return MISSING_PK if kind in ("int",) or kind.startswith("regex") else "missing-token"
        if isinstance(target, tuple) and len(target) == 1:
            return target[0]
        if isinstance(target, tuple):
            return getattr(getattr(self, target[0]), target[1])
        return getattr(self, target).pk

    def clients(self):
        web, api = {ANONYMOUS: self.web()}, {ANONYMOUS: APIClient()}
        for role in SIGNED_IN:
            web[role] = self.web(getattr(self, role))
            api[role] = self.api(getattr(self, role))
        for client in (*web.values(), *api.values()):
            # An error is a 500 in the matrix (never an expected status), not the end of the run.
            client.raise_request_exception = False
        return web, api

    def test_every_pattern_has_a_row(self):
        keys = set(matrix_patterns())
        self.assertEqual(sorted(keys - set(GET_EXPECTED)), [], "patterns with no row in GET_EXPECTED")
        self.assertEqual(sorted(set(GET_EXPECTED) - keys), [], "rows for patterns that no longer exist")
        for key, row in GET_EXPECTED.items():
            with self.subTest(key=key):
                expected = expand(row)
                self.assertEqual(set(expected) - {ANONYMOUS}, set(SIGNED_IN), "every signed-in role once")

    def test_targets_name_existing_patterns_and_objects(self):
        keys = set(matrix_patterns())
        for key, params in TARGETS.items():
            with self.subTest(key=key):
                self.assertIn(key, keys)
                for target in params.values():
                    if isinstance(target, str):
                        self.assertTrue(hasattr(self, target), target)

    def test_get_matrix(self):
        web, api = self.clients()
        observed = {}
        for key, pattern in sorted(matrix_patterns().items()):
            path = pattern.path(self.value_for)
            public = declared_access(pattern.callback)[0] == PUBLIC
            clients = api if pattern.is_api else web
            for role in (ANONYMOUS, *SIGNED_IN):
                if role == ANONYMOUS and not public:
                    continue  # test_endpoint_policies
                response = clients[role].get(path)
                observed.setdefault(key, {})[role] = response.status_code
        record = os.environ.get("ROLE_MATRIX_RECORD")
        if record:
            with open(record, "w") as out:
                json.dump(observed, out, indent=1, sort_keys=True)
            return
        for key, statuses in observed.items():
            pattern = matrix_patterns()[key]
            public = declared_access(pattern.callback)[0] == PUBLIC
            expected = expand(GET_EXPECTED.get(key, {}))
            if not public:
                expected[ANONYMOUS] = 401 if pattern.is_api else 302
            for role, status in statuses.items():
                with self.subTest(key=key, role=role):
                    self.assertEqual(status, expected.get(role), f"GET {key} as {role}")
        self.assertGreater(Event.objects.count(), 0)


# ----------------------------------------------------------------------------------------------------------------
# Writes: one valid request per business write, the role it is meant for (its success proves the body valid, so
# that every other answer is about the caller, not the body), and the expected status of every role.
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    label: str
    method: str
    url: str
    body: dict
    # Rows of this model are counted, and `target`'s version compared, before and after a refusal.
    model: type
    target: object = None


def business_writes(case) -> list[Write]:
    """The API's business writes on unit A's objects, each with a body its own role would get accepted."""
    a = case

    def fresh(obj):
        return type(obj)._base_manager.get(pk=obj.pk)

    equipment, risk, unit, member = fresh(a.equipment_a), fresh(a.risk_a), fresh(a.unit_a), fresh(a.member)
    risk_body = {
        "equipment": a.equipment_a.pk,
        "title": "曳引绳磨损",
        "hazard_source": "曳引绳断股",
        "method": "ls",
        "factors": {"L": 2, "S": 3},
        "control_level": "post",
        "measures": [{"kind": "management", "text": "每月检查曳引绳", "check": True}],
    }
    return [
        Write(
            "equipment create",
            "post",
            "/api/v1/equipment/",
            {"code": "51101405252026A0009", "category": "5110", "name": "叉车"},
            Equipment,
        ),
        Write(
            "equipment update",
            "patch",
            f"/api/v1/equipment/{equipment.pk}/",
            {"name": "一号客梯", "version": equipment.version},
            Equipment,
            equipment,
        ),
        Write(
            "equipment suspend",
            "post",
            f"/api/v1/equipment/{equipment.pk}/suspend/",
            {"version": equipment.version, "reason": "维保"},
            Equipment,
            equipment,
        ),
        Write(
            "periodic inspection record",
            "post",
            "/api/v1/periodic-inspections/",
            {"equipment": a.equipment_a.pk, "inspected_on": "2026-01-05", "conclusion": "pass"},
            PeriodicInspection,
        ),
        Write(
            "certificate add",
            "post",
            "/api/v1/certificates/",
            {
                "holder_name": "李四",
                "id_number": "140525199202022222",
                "item": "Q2",
                "cert_no": "TS-Q2-0003",
                "issued_on": "2024-03-01",
                "expires_on": "2028-03-01",
            },
            OperatorCertificate,
        ),
        Write("risk create", "post", "/api/v1/risks/", risk_body, Risk),
        Write(
            "risk update",
            "patch",
            f"/api/v1/risks/{risk.pk}/",
            {"title": "层门门锁", "reason": "复核", "version": risk.version},
            Risk,
            risk,
        ),
        Write("risk point create", "post", "/api/v1/risk-points/", {"kind": "site", "name": "装卸作业区"}, RiskPoint),
        Write(
            "check item create",
            "post",
            "/api/v1/check-items/",
            {"catalog_prefix": "3100", "text": "底坑无积水"},
            CheckItem,
        ),
        Write(
            "hazard report",
            "post",
            "/api/v1/hazards/",
            {"equipment": a.equipment_a.pk, "description": "层门关闭后可被扒开，门缝过大"},
            Hazard,
        ),
        Write(
            "organization update",
            "patch",
            f"/api/v1/organizations/{unit.pk}/",
            {"address": "泽州县金村镇", "version": unit.version},
            Organization,
            unit,
        ),
        Write(
            "user create",
            "post",
            "/api/v1/users/",
            {
                "organization": a.unit_a.pk,
                "username": "new_operator",
                "roles": ["operator"],
                "password": "Kx7#mPq2vLw!",
            },
            User,
        ),
        Write(
            "user roles change",
            "patch",
            f"/api/v1/users/{member.pk}/",
            {"roles": ["operator", "safety_officer"], "version": member.version},
            User,
            member,
        ),
        Write(
            "grid create",
            "post",
            "/api/v1/supervision/grids/",
            {"name": "东片网格", "units": [a.unit_c.pk], "inspectors": [a.county_inspector.pk]},
            Grid,
        ),
        Write(
            "accident record",
            "post",
            "/api/v1/supervision/accidents/",
            {
                "organization": a.unit_a.pk,
                "occurred_at": "2026-01-05T10:00:00+08:00",
                "accident_type": "04",
                "severity": "general",
                "description": "层门夹人",
            },
            Accident,
        ),
    ]


def state_of(write: "Write") -> tuple:
    """What a write changes: the events of done actions (a refusal is audited too, with outcome "failure"), the
    rows of the model, the target's version."""
    version = type(write.target)._base_manager.get(pk=write.target.pk).version if write.target else None
    return Event.objects.exclude(outcome="failure").count(), write.model._base_manager.count(), version


def attempt(case, client, write: Write, body: dict | None = None):
    """Send the write inside a savepoint that is rolled back, so each role meets the same rows; returns the
    response and whether anything changed."""
    before = state_of(write)
    with transaction.atomic():
        response = getattr(client, write.method)(write.url, write.body if body is None else body, format="json")
        after = state_of(write)
        transaction.set_rollback(True)
    return response, before != after


# The expected status of each signed-in role on each write ("*": every role not named).
WRITE_EXPECTED: dict[str, dict] = {
    "accident record": {201: "REGULATOR_WRITERS", 403: "*"},
    "certificate add": {201: "UNIT_MANAGERS", 403: "*"},
    "check item create": {201: "UNIT_MANAGERS", 403: "*"},
    "equipment create": {201: "UNIT_MANAGERS", 400: "REGULATOR_WRITERS", 403: "*"},
    "equipment suspend": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "equipment update": {403: "PLATFORM member province_leader agency_user", 200: "*"},
    "grid create": {201: "county_admin", 403: "PLATFORM county_inspector", 404: "*"},
    "hazard report": {403: "PLATFORM province_leader agency_user", 201: "*"},
    "organization update": {200: "REGULATOR_WRITERS principal unit_admin system_admin", 403: "*"},
    "periodic inspection record": {201: "UNIT_MANAGERS agency_user", 403: "*"},
    "risk create": {201: "UNIT_MANAGERS", 403: "*"},
    "risk point create": {201: "UNIT_MANAGERS", 403: "*"},
    "risk update": {200: "UNIT_MANAGERS", 404: "agency_user", 403: "*"},
    "user create": {201: "unit_admin system_admin", 403: "*"},
    "user roles change": {200: "unit_admin system_admin", 404: "agency_user", 403: "*"},
}


class WriteMatrixTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.safety_director = make_user("safety_director", cls.unit_a, "safety_director")

    def test_every_write_has_a_row(self):
        labels = {write.label for write in business_writes(self)}
        self.assertEqual(labels, set(WRITE_EXPECTED))

    def test_write_matrix(self):
        observed = {}
        for write in business_writes(self):
            for role in SIGNED_IN:
                response, changed = attempt(self, self.api(getattr(self, role)), write)
                observed.setdefault(write.label, {})[role] = response.status_code
                expected = expand(WRITE_EXPECTED.get(write.label, {})).get(role)
                if os.environ.get("ROLE_MATRIX_RECORD"):
                    continue
                with self.subTest(write=write.label, role=role):
                    self.assertEqual(response.status_code, expected, response.content[:300])
                    # A success changes something; a refusal nothing (no event, no row, no new version).
                    self.assertEqual(changed, 200 <= response.status_code < 300)
        if os.environ.get("ROLE_MATRIX_RECORD"):
            with open(os.environ["ROLE_MATRIX_RECORD"] + ".writes", "w") as out:
                json.dump(observed, out, indent=1, sort_keys=True)
