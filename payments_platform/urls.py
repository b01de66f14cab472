"""The URL map: health probes, the versioned API, the OpenAPI schema and the admin."""

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
from payments_platform.errors import unknown_route
from payments_platform.health import HealthView, ReadyView


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: JSON by default, YAML with `?format=yaml` or `Accept: application/yaml`."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]


api_v1 = [
    path("schema", SchemaView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.urls")),
    path("", include("ledger.urls")),
    path("", include("wallets.urls")),
    path("", include("payments.urls")),
    path("", include("fraud.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("ready", ReadyView.as_view(), name="ready"),
    path("v1/", include(api_v1)),
    path("admin/otp/", include(admin_otp_urls())),  # the admin's second factor: enrol and verify
    path("admin/", admin.site.urls),
    re_path(r"^v1(?:/.*)?$", unknown_route),
]

handler404 = "payments_platform.errors.handler404"
handler500 = "payments_platform.errors.handler500"
