"""API v1: one router for every resource of the contract."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from shuangfang.accounts.api.views import MeView, TokenView, UserViewSet
from shuangfang.core.api.deletion import DeletedRecordListView
from shuangfang.core.api.exceptions import not_found
from shuangfang.core.api.views import AttachmentViewSet, EventViewSet
from shuangfang.equipment.api.views import (
    CatalogViewSet,
    CertificateItemViewSet,
    CertificateViewSet,
    EquipmentViewSet,
    PeriodicInspectionViewSet,
)
from shuangfang.hazards.api.investigation_views import (
    CheckItemViewSet,
    InvestigationPlanViewSet,
    InvestigationTaskViewSet,
)
from shuangfang.hazards.api.views import HazardViewSet, ListingViewSet
from shuangfang.notifications.api.views import NotificationViewSet
from shuangfang.orgs.api.views import IndustryViewSet, OrganizationViewSet, RegionViewSet
from shuangfang.risks.api.views import (
    RiskMethodView,
    RiskPointViewSet,
    RiskTemplateViewSet,
    RiskViewSet,
    SitePlanViewSet,
)
from shuangfang.safety.api.views import (
    AppointmentViewSet,
    ComplianceGapViewSet,
    DrillViewSet,
    EmergencyPlanViewSet,
    ExamAttemptViewSet,
    ExamViewSet,
    HazardSourceViewSet,
    LicenceViewSet,
    MonitoringPointViewSet,
    OperatorAssignmentViewSet,
    QuestionViewSet,
    ReadingViewSet,
    SafetyDocumentViewSet,
    SafetyProfileViewSet,
    TrainingPlanViewSet,
    TrainingSessionViewSet,
    UnitFileView,
)
from shuangfang.supervision.api.accidents import AccidentViewSet
from shuangfang.supervision.api.assessments import RegionalAssessmentViewSet
from shuangfang.supervision.api.blacklist import BlacklistViewSet, PublicBlacklistView
from shuangfang.supervision.api.classes import RandomPlanViewSet, UnitClassViewSet
from shuangfang.supervision.api.enforcement import (
    EnforcementInspectionViewSet,
    EnforcementOrderViewSet,
    PublicOrderListView,
)
from shuangfang.supervision.api.evaluation import (
    DemonstrationEnterpriseViewSet,
    EvaluationViewSet,
    PublicDemonstrationView,
)
from shuangfang.supervision.api.grids import GridViewSet
from shuangfang.supervision.api.summary import SupervisionSummaryView

router = DefaultRouter(trailing_slash=True)
router.register("regions", RegionViewSet, basename="region")
router.register("catalog", CatalogViewSet, basename="catalog")
router.register("industries", IndustryViewSet, basename="industry")
router.register("certificate-items", CertificateItemViewSet, basename="certificate-item")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("users", UserViewSet, basename="user")
router.register("equipment", EquipmentViewSet, basename="equipment")
router.register("periodic-inspections", PeriodicInspectionViewSet, basename="periodic-inspection")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("risks", RiskViewSet, basename="risk")
router.register("risk-points", RiskPointViewSet, basename="risk-point")
router.register("site-plans", SitePlanViewSet, basename="site-plan")
router.register("risk-templates", RiskTemplateViewSet, basename="risk-template")
router.register("hazards", HazardViewSet, basename="hazard")
router.register("supervision/listings", ListingViewSet, basename="listing")
router.register("investigation-plans", InvestigationPlanViewSet, basename="investigation-plan")
router.register("investigation-tasks", InvestigationTaskViewSet, basename="investigation-task")
router.register("check-items", CheckItemViewSet, basename="check-item")
router.register("events", EventViewSet, basename="event")
router.register("notifications", NotificationViewSet, basename="notification")
# The unit's safety management file (一企一档).
router.register("safety-profiles", SafetyProfileViewSet, basename="safety-profile")
router.register("licences", LicenceViewSet, basename="licence")
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("safety-documents", SafetyDocumentViewSet, basename="safety-document")
router.register("training-plans", TrainingPlanViewSet, basename="training-plan")
router.register("training-sessions", TrainingSessionViewSet, basename="training-session")
router.register("questions", QuestionViewSet, basename="question")
router.register("exams", ExamViewSet, basename="exam")
router.register("exam-attempts", ExamAttemptViewSet, basename="exam-attempt")
router.register("operator-assignments", OperatorAssignmentViewSet, basename="operator-assignment")
router.register("emergency-plans", EmergencyPlanViewSet, basename="emergency-plan")
router.register("drills", DrillViewSet, basename="drill")
router.register("hazard-sources", HazardSourceViewSet, basename="hazard-source")
router.register("monitoring-points", MonitoringPointViewSet, basename="monitoring-point")
router.register("readings", ReadingViewSet, basename="reading")
router.register("compliance-gaps", ComplianceGapViewSet, basename="compliance-gap")
# Grids (网格化监管) of the county regulators.
router.register("supervision/grids", GridViewSet, basename="grid")
# The blacklist (黑名单); its public list is a plain path below, outside the signed-in router.
router.register("supervision/blacklist", BlacklistViewSet, basename="blacklist")
router.register("supervision/accidents", AccidentViewSet, basename="accident")
# Evaluations of units' dual prevention systems and the demonstration enterprises (示范企业).
router.register("supervision/evaluations", EvaluationViewSet, basename="evaluation")
router.register(
    "supervision/demonstration-enterprises", DemonstrationEnterpriseViewSet, basename="demonstration-enterprise"
)
# Differentiated supervision (分类监管) and the random inspection plans (双随机、一公开).
router.register("supervision/classes", UnitClassViewSet, basename="unit-class")
router.register("supervision/random-plans", RandomPlanViewSet, basename="random-plan")
# The annual assessment of regions (考核) by the regulator above them.
router.register("supervision/assessments", RegionalAssessmentViewSet, basename="regional-assessment")
# Enforcement inspections of the dual prevention system (执法检查) and their orders (监察指令).
router.register("supervision/enforcement-inspections", EnforcementInspectionViewSet, basename="enforcement-inspection")
router.register("supervision/orders", EnforcementOrderViewSet, basename="enforcement-order")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("risk-methods/", RiskMethodView.as_view(), name="api-risk-methods"),
    path("unit-files/<int:organization_id>/", UnitFileView.as_view(), name="api-unit-file"),
    path("public/blacklist/", PublicBlacklistView.as_view(), name="api-public-blacklist"),
    path("public/orders/", PublicOrderListView.as_view(), name="api-public-orders"),
    path(
        "public/demonstration-enterprises/",
        PublicDemonstrationView.as_view(),
        name="api-public-demonstration-enterprises",
    ),
    path("supervision/summary/", SupervisionSummaryView.as_view(), name="api-supervision-summary"),
    # The recycle bin (回收站); deleting is DELETE on the resource, restoring its `restore` action.
    path("deleted-records/", DeletedRecordListView.as_view(), name="api-deleted-records"),
    path("", include(router.urls)),
    # Last: what no route above names.  Only paths ending in "/", so that a path missing its slash is still
    # redirected to the route it names (APPEND_SLASH).
    re_path(r"^.*/$", not_found, name="api-not-found"),
]
