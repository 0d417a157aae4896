"""The differentiated-supervision pages under /supervision/ (names "supervision:classes…",
"supervision:random-plan…")."""

from django.urls import path

from . import views_classes

urlpatterns = [
    path("classes/", views_classes.class_list, name="classes"),
    path("classes/recompute/", views_classes.recompute_classes, name="classes-recompute"),
    path("random-plans/", views_classes.plan_list, name="random-plans"),
    path("random-plans/new/", views_classes.plan_create, name="random-plan-create"),
    path("random-plans/<int:pk>/", views_classes.plan_detail, name="random-plan"),
    path("random-plans/<int:pk>/publish/", views_classes.plan_publish, name="random-plan-publish"),
]
