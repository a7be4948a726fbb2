from django.urls import include, path

from . import audit, clear_exports, lists, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/changes/", audit.change_log, name="audit-changes"),
    path("audit/security/", audit.security_log, name="audit-security"),
    path("r/people/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("r/<slug:resource>/export/clear/", clear_exports.clear_export, name="registry-clear-export"),
    path("r/<slug:resource>/", views.record_list, name="registry-list"),
    path("r/<slug:resource>/columns/", lists.list_columns, name="registry-columns"),
    path("r/<slug:resource>/filters/", lists.filter_save, name="registry-filter-save"),
    path("r/<slug:resource>/filters/<int:pk>/delete/", lists.filter_delete, name="registry-filter-delete"),
    path("r/<slug:resource>/bulk-edit/", views.record_bulk_edit, name="registry-bulk-edit"),
    path("r/<slug:resource>/new/", views.record_create, name="registry-create"),
    path("r/<slug:resource>/<int:pk>/", views.record_detail, name="registry-detail"),
    path("r/<slug:resource>/<int:pk>/edit/", views.record_edit, name="registry-edit"),
    path("r/<slug:resource>/<int:pk>/delete/", views.record_delete, name="registry-delete"),
    path("r/<slug:resource>/<int:pk>/history/", views.record_history, name="registry-history"),
]
