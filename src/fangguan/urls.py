from django.contrib import admin
from django.urls import include, path

from fangguan.api import api
from fangguan.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("fangguan.web.urls")),
]
