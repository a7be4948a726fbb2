from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("r/<slug:resource>/", views.record_list, name="registry-list"),
    path("r/<slug:resource>/new/", views.record_create, name="registry-create"),
    path("r/<slug:resource>/<int:pk>/", views.record_detail, name="registry-detail"),
    path("r/<slug:resource>/<int:pk>/edit/", views.record_edit, name="registry-edit"),
    path("r/<slug:resource>/<int:pk>/history/", views.record_history, name="registry-history"),
]
