from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("export/", views.organization_export, name="export"),
    path("new/", views.organization_create, name="create"),
    path("mine/", views.my_organization, name="mine"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/edit/", views.organization_edit, name="edit"),
]
