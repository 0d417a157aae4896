"""The blacklist pages under /supervision/blacklist/ (names "supervision:blacklist…")."""

from django.urls import path

from . import views_blacklist

urlpatterns = [
    path("blacklist/", views_blacklist.blacklist, name="blacklist"),
    path("blacklist/candidates/", views_blacklist.candidates, name="blacklist-candidates"),
    path("blacklist/new/", views_blacklist.list_unit, name="blacklist-create"),
    path("blacklist/<int:pk>/", views_blacklist.entry_detail, name="blacklist-entry"),
    path("blacklist/<int:pk>/lift/", views_blacklist.lift_entry, name="blacklist-lift"),
]
