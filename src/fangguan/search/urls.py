from django.urls import path

from . import views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("candidates/", views.committee_candidates, name="search-candidates"),
]
