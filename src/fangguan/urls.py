"""URLs: health, API, user administration, every app that declares ``url_prefix`` in its
AppConfig (its ``urls`` module is included there), then the web pages."""

from django.apps import apps
from django.conf import settings
from django.urls import include, path

from fangguan.accounts.admin import site as admin_site
from fangguan.api import api
from fangguan.core.views import healthz
from fangguan.ops.views import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),  # Prometheus, by token (ops/views.py)
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),
]
urlpatterns += [
    path(config.url_prefix, include(f"{config.name}.urls"))
    for config in apps.get_app_configs()
    if getattr(config, "url_prefix", None) is not None
]
if "mozilla_django_oidc" in settings.INSTALLED_APPS:
    urlpatterns += [path("oidc/", include("mozilla_django_oidc.urls"))]
urlpatterns += [path("", include("fangguan.web.urls"))]

handler500 = "fangguan.web.errors.server_error"
