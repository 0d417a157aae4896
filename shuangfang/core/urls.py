from django.urls import path

from . import views, views_deletion, views_exports, views_pii

app_name = "core"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("exports/", views_exports.my_exports, name="exports"),
    path("exports/<int:pk>/download/", views_exports.export_download, name="export-download"),
    path("pii/<str:kind>/<int:pk>/<str:field>/", views_pii.unmask, name="unmask"),
    path("recycle-bin/", views_deletion.recycle_bin, name="recycle-bin"),
    path("recycle-bin/<slug:kind>/<int:pk>/restore/", views_deletion.restore_record, name="restore-record"),
    path("records/<slug:kind>/<int:pk>/delete/", views_deletion.delete_record, name="delete-record"),
]
