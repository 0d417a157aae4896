"""Grid pages: the list, a grid, and the county regulator's forms."""

from django.urls import path

from . import views_grids

urlpatterns: list = [
    path("grids/", views_grids.grid_list, name="grids"),
    path("grids/new/", views_grids.grid_new, name="grid-new"),
    path("grids/<int:pk>/", views_grids.grid_detail, name="grid-detail"),
    path("grids/<int:pk>/edit/", views_grids.grid_edit, name="grid-edit"),
]
