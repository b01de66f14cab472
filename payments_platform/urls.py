"""The URL map: health probes, the versioned API, the OpenAPI schema and the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.second_factor import admin_otp_urls
from payments_platform.admin import admin_go_urls
from payments_platform.errors import unknown_route
from payments_platform.health import HealthView, ReadyView
from payments_platform.observability.views import metrics_view


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: JSON by default, YAML with `?format=yaml` or `Accept: application/yaml`."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]


api_v1 = [
    path("schema", SchemaView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.urls")),
    path("", include("wallets.urls")),
    path("", include("payments.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("ready", ReadyView.as_view(), name="ready"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus, behind METRICS_TOKEN (issue 20)
    path("v1/", include(api_v1)),
    *admin_go_urls,  # issue 15: /admin/go/<public id> -> that object's admin page (one link helper)
    path("admin/otp/", include(admin_otp_urls())),  # the admin's second factor: enrol and verify
    path("admin/", admin.site.urls),
    re_path(r"^v1(?:/.*)?$", unknown_route),
]
if settings.SANDBOX_ENABLED:
    # The simulator connector's hosted 3-D Secure page (HTML, outside the API): payments/sandbox/three_d_secure_page.py
    urlpatterns.append(path("simulator/3ds/", include("payments.sandbox.three_d_secure_page")))

handler404 = "payments_platform.errors.handler404"
handler500 = "payments_platform.errors.handler500"
handler403 = "payments_platform.errors.handler403"  # issue 15: a refusal inside the admin says why
