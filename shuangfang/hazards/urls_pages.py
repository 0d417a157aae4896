"""The unit's hazard pages under /hazards/ in the "hazards" namespace: the board, a hazard and its actions, reporting
(随手拍), tasks and their checklists, the QR path, plans and the checklist."""

from django.urls import path

from . import views_pages, views_tasks

urlpatterns = [
    path("", views_pages.board, name="board"),
    path("export/", views_pages.board_export, name="board-export"),
    path("report/", views_pages.report, name="report"),
    path("report/clauses/", views_pages.report_clauses, name="report-clauses"),
    path("<int:pk>/", views_pages.hazard_detail, name="detail"),
    path("<int:pk>/confirm/", views_pages.hazard_action, {"action": "confirm"}, name="confirm"),
    path("<int:pk>/reject/", views_pages.hazard_action, {"action": "reject"}, name="reject"),
    path("<int:pk>/rectify/", views_pages.hazard_action, {"action": "rectify"}, name="rectify"),
    path("<int:pk>/accept/", views_pages.hazard_action, {"action": "accept"}, name="accept"),
    path("<int:pk>/extend/", views_pages.hazard_action, {"action": "extend"}, name="extend"),
    path("<int:pk>/verify/", views_pages.hazard_action, {"action": "verify"}, name="verify"),
    path("equipment/<int:pk>/", views_pages.equipment_hazards, name="equipment-hazards"),
    path("tasks/", views_tasks.task_list, name="tasks"),
    path("tasks/<int:pk>/", views_tasks.task_detail, name="task"),
    path("scan/<slug:token>/", views_tasks.scan, name="scan"),
    path("plans/", views_tasks.plan_list, name="plans"),
    path("plans/new/", views_tasks.plan_create, name="plan-create"),
    path("plans/<int:pk>/edit/", views_tasks.plan_edit, name="plan-edit"),
    path("checklist/", views_tasks.checklist, name="checklist"),
    path("checklist/items/new/", views_tasks.check_item_create, name="check-item-create"),
    path("checklist/items/<int:pk>/edit/", views_tasks.check_item_edit, name="check-item-edit"),
]
