from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.application_new, name="application-new"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/act/", views.application_act, name="application-act"),
]
urlpatterns += [
    path("statements/", views.statements, name="statements"),
    path("statements/<int:pk>/", views.statement, name="statement"),
    path("figures/", views.figures, name="figures"),
    path("recollection/", views.recollection, name="recollection"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("audits/", views.audits, name="audits"),
    path("audits/<int:pk>/file/", views.audit_file, name="audit-file"),
]
