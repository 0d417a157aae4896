"""The unit file (一企一档), its export, the safety management body, licences, appointments, and the regulator's
gaps."""

from django.urls import path

from . import views_file

urlpatterns: list = [
    path("", views_file.file_page, name="file"),
    path("units/<int:pk>/", views_file.unit_file, name="unit-file"),
    path("units/<int:pk>/export/", views_file.unit_file_export, name="unit-file-export"),
    path("profile/", views_file.profile_edit, name="profile"),
    path("licences/new/", views_file.licence_new, name="licence-new"),
    path("appointments/", views_file.appointments, name="appointments"),
    path("appointments/new/", views_file.appointment_new, name="appointment-new"),
    path("appointments/<int:pk>/end/", views_file.appointment_end, name="appointment-end"),
    path("gaps/", views_file.gaps, name="gaps"),
]
