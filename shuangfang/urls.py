from functools import wraps

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated

from shuangfang.core.access import public
from shuangfang.core.views import home


# The API's description is public in development only (API_DOCS_PUBLIC, on when DEBUG): in production it would hand
# an anonymous visitor the map of every endpoint and parameter.  The URLs stay marked public so that the decision is
# taken here, per request, from the setting as it is then.
class SchemaView(SpectacularAPIView):
    """The OpenAPI schema; without API_DOCS_PUBLIC, for a signed-in user or a token (anonymous: 401)."""

    def get_permissions(self):
        return [AllowAny()] if settings.API_DOCS_PUBLIC else [IsAuthenticated()]


def signed_in_unless_docs_public(view):
    """The docs page; without API_DOCS_PUBLIC, an anonymous visitor is sent to sign in first."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


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
    path("api/schema/", public(SchemaView.as_view()), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script is needed;
    # Swagger UI sets style attributes, which this page alone allows.
    path(
        "api/docs/",
        public(
            signed_in_unless_docs_public(
                csp_update({"style-src": ["'unsafe-inline'"]})(
                    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
                )
            )
        ),
        name="api-docs",
    ),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("favicon.ico", public(RedirectView.as_view(url=static("favicon.svg"), permanent=True))),
]
# Uploaded files are never served from MEDIA_URL, not even in DEBUG: they are downloaded through the
# scoped attachment endpoint only.
