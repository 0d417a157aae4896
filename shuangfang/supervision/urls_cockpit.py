"""The regulators' cockpit (监管驾驶舱)."""

from django.urls import path

from . import views_cockpit

urlpatterns = [
    path("", views_cockpit.cockpit, name="cockpit"),
]
