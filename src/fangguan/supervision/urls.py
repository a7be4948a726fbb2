from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection-new"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
    path("inspections/<int:pk>/act/", views.inspection_act, name="inspection-act"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/<int:pk>/", views.complaint, name="complaint"),
    path("complaints/<int:pk>/act/", views.complaint_act, name="complaint-act"),
    path("breaches/", views.breaches, name="breaches"),
    path("companies/<int:pk>/credit/", views.credit, name="credit"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("pool/", views.pool, name="pool"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/<int:pk>/", views.handover, name="handover"),
]
