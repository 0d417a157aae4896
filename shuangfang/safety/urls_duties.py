"""The unit's duty pages under /safety/ ("safety:…"): documents, training, certified operators, emergency, major
hazard sources."""

from django.urls import path

from . import views_duties

urlpatterns = [
    path("documents/", views_duties.documents, name="documents"),
    path("documents/upload/", views_duties.document_upload, name="document-upload"),
    path("training/", views_duties.training, name="training"),
    path("training/plans/new/", views_duties.training_plan_new, name="training-plan-new"),
    path("training/new/", views_duties.training_new, name="training-new"),
    path("training/people/<int:user_id>/", views_duties.person_training, name="person-training"),
    path("operators/", views_duties.operators, name="operators"),
    path("operators/assign/", views_duties.operator_assign, name="operator-assign"),
    path("operators/<int:pk>/end/", views_duties.operator_end, name="operator-end"),
    path("emergency/", views_duties.emergency, name="emergency"),
    path("emergency/plans/new/", views_duties.emergency_plan_new, name="emergency-plan-new"),
    path("emergency/drills/new/", views_duties.drill_new, name="drill-new"),
    path("hazard-sources/", views_duties.hazard_sources, name="hazard-sources"),
    path("hazard-sources/new/", views_duties.hazard_source_new, name="hazard-source-new"),
    path("hazard-sources/<int:pk>/", views_duties.hazard_source, name="hazard-source"),
    path("hazard-sources/<int:source_pk>/points/new/", views_duties.point_new, name="point-new"),
    path("points/<int:point_pk>/readings/new/", views_duties.reading_new, name="reading-new"),
]
