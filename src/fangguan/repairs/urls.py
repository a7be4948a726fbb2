from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="repairs-queue"),
    path("new/", views.new, name="repairs-new"),
    path("mine/", views.mine, name="repairs-mine"),
    path("overdue/", views.overdue, name="repairs-overdue"),
    path("stats/", views.stats, name="repairs-stats"),
    path("categories/", views.categories, name="repairs-categories"),
    path("categories/<slug:code>/", views.category_edit, name="repairs-category-edit"),
    path("stats/export/", views.stats_export, name="repairs-stats-export"),
    path("<int:pk>/", views.detail, name="repairs-detail"),
    path("<int:pk>/act/", views.act, name="repairs-act"),
    path("<int:pk>/contact/", views.contact_reveal, name="repairs-contact-reveal"),
    path("photos/<int:photo_id>/", views.photo, name="repairs-photo"),
]
