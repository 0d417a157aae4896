"""The regulator's side of hazards, under /hazards/supervision/ in the "hazards" namespace: the jurisdiction's major
hazards and their 挂牌督办, the listings (a unit reads and answers its own), the inbox, enforcement findings."""

from django.urls import path

from . import views_supervision

urlpatterns = [
    path("major/", views_supervision.major_hazards, name="major-hazards"),
    path("major/<int:pk>/list/", views_supervision.list_hazard, name="list-hazard"),
    path("listings/", views_supervision.listing_list, name="listings"),
    path("listings/<int:pk>/", views_supervision.listing_detail, name="listing"),
    path(
        "listings/<int:pk>/report-completion/",
        views_supervision.listing_report_completion,
        name="listing-report-completion",
    ),
    path("listings/<int:pk>/verify/", views_supervision.listing_verify, name="listing-verify"),
    path("listings/<int:pk>/delist/", views_supervision.listing_delist, name="listing-delist"),
    path("inbox/", views_supervision.inbox, name="inbox"),
    path("findings/new/", views_supervision.finding_create, name="finding-create"),
]
