from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_new, name="new"),
    path("templates/<slug:kind>.xlsx", views.template_download, name="template"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/apply/", views.job_apply, name="apply"),
    path("<int:pk>/errors.xlsx", views.error_sheet, name="errors"),
]
