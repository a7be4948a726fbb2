from django.urls import path

from . import views

urlpatterns = [
    path("photos/<int:photo_id>/", views.photo, name="repairs-photo"),
]
