from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("<slug:resource>/", views.record_list, name="list"),
    path("<slug:resource>/new/", views.record_form, name="new"),
    path("<slug:resource>/<int:pk>/edit/", views.record_form, name="edit"),
]
