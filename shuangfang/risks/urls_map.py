"""The risk notification cards, the four-colour map and the overview; included by the risks URLs (namespace "risks")."""

from django.urls import path

from . import views_map

urlpatterns = [
    path("cards/", views_map.unit_cards, name="cards"),
    path("cards/equipment/<int:pk>/", views_map.equipment_card, name="card-equipment"),
    path("cards/point/<int:pk>/", views_map.point_card, name="card-point"),
    path("map/", views_map.site_plan_list, name="map"),
    path("map/<int:pk>/", views_map.site_plan_detail, name="map-plan"),
    path("map/<int:pk>/image/", views_map.site_plan_image, name="map-image"),
    path("map/<int:pk>/points/<int:point_pk>/place/", views_map.place_point, name="map-place"),
    path("overview/", views_map.overview, name="overview"),
]
