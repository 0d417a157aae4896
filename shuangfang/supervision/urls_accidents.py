"""urls_accidents: accidents and their reverse tracing (事故倒查) under /supervision/accidents/."""

from django.urls import path

from . import views_accidents

urlpatterns = [
    path("accidents/", views_accidents.accident_list, name="accidents"),
    path("accidents/new/", views_accidents.accident_create, name="accident-create"),
    path("accidents/<int:pk>/", views_accidents.accident_detail, name="accident"),
    path("accidents/<int:pk>/tracing.xlsx", views_accidents.accident_export, name="accident-export"),
]
