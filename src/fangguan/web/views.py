from django.contrib.auth import views as auth_views
from django.http import HttpResponse


def home(request):
    return HttpResponse("ok")


class LoginView(auth_views.LoginView):
    pass


def logout_view(request):
    return HttpResponse("ok")


record_list = record_create = record_detail = record_edit = record_history = home
