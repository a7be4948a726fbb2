from django.urls import path

from . import views

app_name = "votes"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/ballot/", views.ballot, name="ballot"),
    path("<int:pk>/paper/", views.paper, name="paper"),
    path("<int:pk>/documents/", views.document_add, name="document-add"),
    path("<int:pk>/documents/<int:doc>/", views.document, name="document"),
    path("<int:pk>/notice/", views.notice, name="notice"),
    path("<int:pk>/notice.xlsx", views.notice_xlsx, name="notice-xlsx"),
    path("<int:pk>/verify/", views.verify_page, name="verify"),
]
