"""The three Order 74 records, under /hazards/records/ in the "hazards" namespace."""

from django.urls import path

from . import views_records

urlpatterns = [
    path("daily/", views_records.daily_record, name="record-daily"),
    path("weekly/", views_records.weekly_report, name="record-weekly"),
    path("monthly/", views_records.monthly_minutes, name="record-monthly"),
]
