from django.urls import path

from . import views

app_name = "equipment"

urlpatterns = [
    path("", views.equipment_list, name="list"),
    path("new/", views.equipment_create, name="create"),
    path("export/", views.equipment_export, name="export"),
    path("labels/", views.equipment_labels, name="labels"),
    path("import/", views.ledger_import, name="import"),
    path("import/template/", views.ledger_template, name="import-template"),
    path("import/errors/<slug:token>/", views.ledger_error_report, name="import-errors"),
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/new/", views.certificate_create, name="certificate-create"),
    path("certificates/<int:pk>/edit/", views.certificate_edit, name="certificate-edit"),
    path("<int:pk>/", views.equipment_detail, name="detail"),
    path("<int:pk>/edit/", views.equipment_edit, name="edit"),
    path("<int:pk>/inspections/new/", views.inspection_create, name="inspection-create"),
    path("<int:pk>/<slug:action>/", views.equipment_status, name="status"),
]
