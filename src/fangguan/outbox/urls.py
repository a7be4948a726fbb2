from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("subscribers/", views.subscriber_list, name="subscribers"),
    path("subscribers/<int:pk>/toggle/", views.subscriber_toggle, name="subscriber-toggle"),
    path("subscribers/<int:pk>/retry/", views.subscriber_retry, name="subscriber-retry"),
]
