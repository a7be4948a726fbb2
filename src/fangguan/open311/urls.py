from django.urls import path

from . import views

app_name = "open311"

urlpatterns = [
    path("v2/services.<str:fmt>", views.services, name="services"),
    path("v2/services/<str:code>.<str:fmt>", views.service_definition, name="service"),
    path("v2/requests.<str:fmt>", views.requests_, name="requests"),
    path("v2/requests/<str:request_id>.<str:fmt>", views.request_one, name="request"),
]
