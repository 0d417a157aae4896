"""urls_enforcement: enforcement inspections (执法检查) and orders (监察指令) under /supervision/enforcement/."""

from django.urls import path

from . import views_enforcement

urlpatterns = [
    path("enforcement/", views_enforcement.inspection_list, name="enforcement"),
    path("enforcement/new/", views_enforcement.inspection_create, name="enforcement-create"),
    path("enforcement/orders/", views_enforcement.order_list, name="enforcement-orders"),
    path("enforcement/orders/<int:pk>/comply/", views_enforcement.order_comply, name="enforcement-order-comply"),
    path("enforcement/<int:pk>/", views_enforcement.inspection_detail, name="enforcement-inspection"),
]
