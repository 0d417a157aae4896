from django.urls import include, path

from . import views

app_name = "risks"

urlpatterns = [
    path("", views.risk_list, name="list"),
    path("export/", views.risk_export, name="export"),
    path("new/", views.risk_create, name="create"),
    path("<int:pk>/", views.risk_detail, name="detail"),
    path("<int:pk>/edit/", views.risk_edit, name="edit"),
    path("<int:pk>/reassess/", views.risk_reassess, name="reassess"),
    path("<int:pk>/retire/", views.risk_retire, name="retire"),
    path("templates/", views.template_library, name="templates"),
    path("templates/apply/", views.apply_templates, name="apply-templates"),
    path("points/", views.risk_points, name="points"),
    # The notification cards, the four-colour map and the overview.
    path("", include("shuangfang.risks.urls_map")),
]
