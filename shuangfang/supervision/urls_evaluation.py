"""The evaluation and demonstration-enterprise pages under /supervision/ (names "supervision:evaluation…",
"supervision:demonstration…")."""

from django.urls import path

from . import views_evaluation

urlpatterns = [
    path("evaluations/", views_evaluation.evaluations, name="evaluations"),
    path("evaluations/new/", views_evaluation.evaluation_create, name="evaluation-create"),
    path("evaluations/<int:pk>/", views_evaluation.evaluation_detail, name="evaluation"),
    path("demonstrations/", views_evaluation.demonstrations, name="demonstrations"),
    path("demonstrations/new/", views_evaluation.demonstration_create, name="demonstration-create"),
    path("demonstrations/<int:pk>/", views_evaluation.demonstration_detail, name="demonstration"),
    path("demonstrations/<int:pk>/revoke/", views_evaluation.demonstration_revoke, name="demonstration-revoke"),
]
