from django.urls import include, path

from fangguan.accounts.admin import site as admin_site
from fangguan.api import api
from fangguan.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),
    path("", include("fangguan.web.urls")),
]
