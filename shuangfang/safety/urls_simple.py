"""Simple mode for small and micro enterprises: the guided start and the one-screen home (names "safety:simple-…")."""

from django.urls import path

from . import views_simple

urlpatterns = [
    path("simple/", views_simple.simple_home, name="simple-home"),
    path("simple/start/", views_simple.simple_start, name="simple-start"),
]
