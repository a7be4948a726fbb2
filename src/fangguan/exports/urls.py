from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_new, name="new"),
    path("<int:pk>/download/", views.download, name="download"),
]
