from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.plans, name="plans"),
    path("<int:pk>/", views.progress, name="progress"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("<int:pk>/next/", views.start_next, name="start-next"),
    path("indicators/<int:pk>/values/", views.entered_values, name="entered"),
]
