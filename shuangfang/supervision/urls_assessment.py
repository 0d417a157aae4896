"""urls_assessment: the annual assessment of regions (考核) under /supervision/assessments/."""

from django.urls import path

from . import views_assessment

urlpatterns = [
    path("assessments/", views_assessment.assessment_list, name="assessments"),
    path("assessments/run/", views_assessment.assessment_run, name="assessment-run"),
    path("assessments/export.xlsx", views_assessment.assessment_export, name="assessments-export"),
    path("assessments/<int:pk>/", views_assessment.assessment_detail, name="assessment"),
]
