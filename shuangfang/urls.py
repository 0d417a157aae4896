from csp.decorators import csp_update
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shuangfang.core.views import home

urlpatterns = [
    # The home page keeps the plain name "home" (LOGIN_REDIRECT_URL, the brand link); the rest of core is "core:".
    path("", home, name="home"),
    path("", include("shuangfang.core.urls")),
    path("accounts/", include("shuangfang.accounts.urls")),
    path("organizations/", include("shuangfang.orgs.urls")),
    path("equipment/", include("shuangfang.equipment.urls")),
    path("risks/", include("shuangfang.risks.urls")),
    path("hazards/", include("shuangfang.hazards.urls")),
    path("notifications/", include("shuangfang.notifications.urls")),
    path("safety/", include("shuangfang.safety.urls")),
    path("supervision/", include("shuangfang.supervision.urls")),
    path("", include("shuangfang.public_urls")),
    path("api/v1/", include("shuangfang.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script is needed;
    # Swagger UI sets style attributes, which this page alone allows.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
]
# Uploaded files are never served from MEDIA_URL, not even in DEBUG: they are downloaded through the
# scoped attachment endpoint only.
