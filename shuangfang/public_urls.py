"""The pages anyone may open without signing in, under one namespace ("public:…"): an equipment's QR page and the
public hazard report (/q/), and the published lists (/public/)."""

from django.urls import include, path

from shuangfang.equipment import public_urls as equipment_public
from shuangfang.supervision import public_urls as supervision_public

app_name = "public"

urlpatterns = [
    path("q/", include(equipment_public.urlpatterns)),
    path("public/", include(supervision_public.urlpatterns)),
]
