"""HTTP routes."""
from django.conf import settings
from django.urls import path, re_path
from django.views.static import serve

from django.contrib.auth import views as auth_views

from . import views, workshop_views

urlpatterns: list = [
    path("", views.index, name="index"),
    path("lessons/<slug:slug>/", views.lesson_page, name="lesson"),
    path("runs/<str:uid>/", views.run_page, name="run"),
    path("runs/<str:uid>.json", views.run_json, name="run-json"),
    path("runs/<str:uid>.txt", views.run_text, name="run-text"),
    path("join/", workshop_views.join, name="join"),
    path("workshops/", workshop_views.workshop_list, name="workshops"),
    path("workshops/<str:code>/board/", workshop_views.board, name="board"),
    path("workshops/<str:code>/export.csv", workshop_views.export, name="workshop-export"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # daphne serves no static files: the app serves its own few (no build step)
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATICFILES_DIRS[0]}),
]


def handler404(request, exception=None):   # noqa: D401  (Django's hook name)
    return views.not_found(request, "This page does not exist.")
