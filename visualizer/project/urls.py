"""HTTP routes: each app's own, the sign-in pages and the static files."""
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path
from django.utils.translation import gettext

from ..learn import views as learn_views

urlpatterns: list = [
    path("", include("visualizer.learn.urls")),
    path("", include("visualizer.workshops.urls")),
    path("accounts/login/", learn_views.ThrottledLogin.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),     # set_language: the language switch
    # daphne serves no static files: the app serves its own few (no build step),
    # from the project's static/ and each app's static/ folder.
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
]


def handler404(request, exception=None):   # noqa: D401  (Django's hook name)
    return learn_views.not_found(request, gettext("This page does not exist."))
