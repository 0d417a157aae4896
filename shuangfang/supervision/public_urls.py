"""Public pages without sign-in (mounted at /public/, names "public:…")."""

from django.urls import path

from . import views_blacklist, views_classes, views_enforcement, views_evaluation

urlpatterns = [
    path("blacklist/", views_blacklist.public_blacklist, name="blacklist"),
    path("demonstration-enterprises/", views_evaluation.public_demonstrations, name="demonstration"),
    path("random-plans/", views_classes.public_plans, name="random-plans"),
    path("random-plans/<int:pk>/", views_classes.public_plan, name="random-plan"),
    path("orders/", views_enforcement.public_orders, name="orders"),
]
