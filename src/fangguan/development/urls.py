from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("<slug:resource>/", views.record_list, name="list"),
]
