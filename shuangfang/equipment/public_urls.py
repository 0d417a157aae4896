from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("<slug:token>/", views.public_equipment, name="equipment"),
]
